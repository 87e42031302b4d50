import type { FederatedIssuer } from './model.js';

/** Where a federated issuer's keys are fetched from, and to which URLs its bearer token may go. */
export interface KeySource {
  /** The registered jwks_uri (or SPIFFE bundle endpoint); null: found through discovery. */
  readonly jwksUri: string | null;
  /** The discovery document's URL (used when jwksUri is null). */
  readonly discoveryUrl: string;
  /** `kubernetes`: the file holding the bearer token; null otherwise. */
  readonly bearerTokenFile: string | null;
  /** Whether the bearer token may go to the URL: its origin is the issuer's, the discovery_url's or the registered jwks_uri's. */
  sendsBearerTo(url: string): boolean;
  /** The URL as reasons name it: origin and path, never the query (it may carry a credential). */
  shown(url: string): string;
  /** The jwks_uri of a fetched discovery document, whose `issuer` must be the registered one (OpenID Connect Discovery 1.0 §4.3). Throws saying why not. */
  jwksUriOfDiscovery(doc: unknown): string;
}

/** The settings an issuer's fetched keys depend on: when any differs, they are fetched again. */
export function keySettingsOf(issuer: FederatedIssuer): string {
  return JSON.stringify([issuer.kind, issuer.issuer, issuer.jwksUri, issuer.discoveryUrl, issuer.bearerTokenFile]);
}

/** `{issuer}/.well-known/openid-configuration`, without the issuer's terminating slash (OpenID Connect Discovery 1.0 §4). */
export function discoveryUrlOf(issuer: string): string {
  return `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

function withoutQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'an invalid URL';
  }
}

/** A value from a document, quoted for a reason and cut short. */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

/**
 * How an issuer's keys are found (docs/hardening.md, "Federated issuers' keys"): its `jwks_uri`, else discovery at
 * `discovery_url` or under `issuer`. A `spiffe` issuer has no discovery (jwks or a bundle endpoint
 * only). The bearer token of a `kubernetes` issuer goes only to the origins of its `issuer`,
 * `discovery_url` and registered `jwks_uri`: a discovery document naming a jwks_uri elsewhere gets
 * that fetch without it. Throws when the issuer cannot have fetched keys.
 */
export function issuerKeySource(issuer: FederatedIssuer): KeySource {
  if (issuer.kind === 'spiffe' && issuer.jwksUri === null) throw new Error('a spiffe issuer takes jwks or a bundle endpoint as jwks_uri');
  const discoveryUrl = issuer.discoveryUrl ?? discoveryUrlOf(issuer.issuer);
  const bearerTokenFile = issuer.kind === 'kubernetes' ? issuer.bearerTokenFile : null;
  const origins = new Set([issuer.issuer, discoveryUrl, issuer.jwksUri].map((u) => (u === null ? null : originOf(u))).filter((o) => o !== null));
  return {
    jwksUri: issuer.jwksUri,
    discoveryUrl,
    bearerTokenFile,
    sendsBearerTo: (url) => {
      const origin = originOf(url);
      return origin !== null && origins.has(origin);
    },
    shown: withoutQuery,
    jwksUriOfDiscovery: (doc) => {
      const shown = `discovery ${withoutQuery(discoveryUrl)}`;
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error(`${shown}: the document is not a JSON object`);
      const { issuer: named, jwks_uri: jwksUri } = doc as { issuer?: unknown; jwks_uri?: unknown };
      if (named !== issuer.issuer) throw new Error(`${shown}: the document's issuer ${quoted(named)} is not the registered ${quoted(issuer.issuer)}`);
      if (typeof jwksUri !== 'string' || originOf(jwksUri) === null)
        throw new Error(`${shown}: the document's jwks_uri ${quoted(jwksUri)} is not an absolute URL`);
      return jwksUri;
    },
  };
}
