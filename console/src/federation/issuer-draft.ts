import type { FederatedIssuer, FederatedIssuerCreate, FederatedIssuerKind, FederatedIssuerPatch } from '../types';

/** Every field of a federated issuer the form sets (a cleared one as null). */
export type FederatedIssuerFields = Required<FederatedIssuerCreate>;

/** Algorithms a federated token may be signed with (the server's FEDERATION_ALGS): never `none` or HMAC. */
export const FEDERATION_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** Seconds since `iat` a federated token is accepted when the form leaves it empty (the server's DEFAULT_MAX_TOKEN_AGE). */
export const DEFAULT_MAX_TOKEN_AGE = 3600;

export const KIND_LABELS: Record<FederatedIssuerKind, string> = { oidc: 'OIDC', kubernetes: 'Kubernetes', spiffe: 'SPIFFE' };

/** A kind as the admin API answers it (a string), as the form knows it. */
export function issuerKind(kind: string): FederatedIssuerKind {
  return kind === 'kubernetes' || kind === 'spiffe' ? kind : 'oidc';
}

/** Where an issuer's keys come from: OIDC discovery, a key set URL (a SPIFFE bundle endpoint), or a pasted JWK Set. */
export type KeySource = 'discovery' | 'jwks_uri' | 'jwks';

/** A federated issuer as its form holds it: text as typed. */
export interface IssuerDraft {
  name: string;
  kind: FederatedIssuerKind;
  issuer: string;
  keys: KeySource;
  jwksUri: string;
  jwks: string;
  discoveryUrl: string;
  bearerTokenFile: string;
  /** One audience per line; empty: the tenant's defaults. */
  audiences: string;
  maxTokenAge: string;
  requireJti: boolean;
  allowLonger: boolean;
  /** Ticked algorithms; none ticked: every one. */
  algorithms: string[];
}

export const EMPTY_ISSUER: IssuerDraft = {
  name: '',
  kind: 'oidc',
  issuer: '',
  keys: 'discovery',
  jwksUri: '',
  jwks: '',
  discoveryUrl: '',
  bearerTokenFile: '',
  audiences: '',
  maxTokenAge: '',
  requireJti: false,
  allowLonger: false,
  algorithms: [],
};

/** The key sources a kind offers: SPIFFE has no discovery, only a bundle endpoint or pasted keys. */
export function keySources(kind: FederatedIssuerKind): KeySource[] {
  return kind === 'spiffe' ? ['jwks_uri', 'jwks'] : ['discovery', 'jwks_uri', 'jwks'];
}

/** A registered issuer as its edit form holds it. */
export function issuerDraft(i: FederatedIssuer): IssuerDraft {
  return {
    name: i.name,
    kind: issuerKind(i.kind),
    issuer: i.issuer,
    keys: i.jwks !== null ? 'jwks' : i.jwks_uri !== null ? 'jwks_uri' : 'discovery',
    jwksUri: i.jwks_uri ?? '',
    jwks: i.jwks !== null ? JSON.stringify(i.jwks, null, 2) : '',
    discoveryUrl: i.discovery_url ?? '',
    bearerTokenFile: i.bearer_token_file ?? '',
    audiences: (i.audiences ?? []).join('\n'),
    maxTokenAge: String(i.max_token_age),
    requireJti: i.require_jti,
    allowLonger: i.allow_longer_than_assertion,
    algorithms: i.algorithms ?? [],
  };
}

const orNull = (s: string) => (s.trim() === '' ? null : s.trim());

/**
 * Every field of the issuer a draft describes, or the JSON syntax error of its pasted key set
 * (only the syntax is checked here: every other rule is the server's, shown under the field).
 */
export function issuerFields(d: IssuerDraft): { fields: FederatedIssuerFields } | { jsonError: string } {
  let jwks: FederatedIssuerFields['jwks'] = null;
  if (d.keys === 'jwks') {
    try {
      jwks = JSON.parse(d.jwks) as FederatedIssuerFields['jwks'];
    } catch (err) {
      return { jsonError: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
  const audiences = d.audiences
    .split('\n')
    .map((a) => a.trim())
    .filter(Boolean);
  const age = d.maxTokenAge.trim();
  return {
    fields: {
      name: d.name.trim(),
      kind: d.kind,
      issuer: d.issuer.trim(),
      jwks,
      jwks_uri: d.keys === 'jwks_uri' ? orNull(d.jwksUri) : null,
      discovery_url: d.keys === 'discovery' && d.kind === 'kubernetes' ? orNull(d.discoveryUrl) : null,
      audiences: audiences.length > 0 ? audiences : null,
      max_token_age: age === '' ? DEFAULT_MAX_TOKEN_AGE : Number(age),
      require_jti: d.requireJti,
      bearer_token_file: d.kind === 'kubernetes' ? orNull(d.bearerTokenFile) : null,
      allow_longer_than_assertion: d.allowLonger,
      algorithms: d.algorithms.length > 0 ? FEDERATION_ALGS.filter((a) => d.algorithms.includes(a)) : null,
    },
  };
}

/** The body of `POST /federated-issuers`: the fields set, nothing left at its default. */
export function createBody(f: FederatedIssuerFields): FederatedIssuerCreate {
  return {
    ...(Object.fromEntries(Object.entries(f).filter(([, v]) => v !== null && v !== false)) as Partial<FederatedIssuerFields>),
    name: f.name,
    issuer: f.issuer,
  };
}

/** The body of `PATCH /federated-issuers/{id}`: the fields that differ from the issuer as registered (a cleared one as null). */
export function patchBody(before: FederatedIssuer, after: FederatedIssuerFields): FederatedIssuerPatch {
  const was = before as Record<string, unknown>;
  return Object.fromEntries(Object.entries(after).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(was[k])));
}

/** Where a registered issuer's keys come from, in words. */
export function keysSourceText(i: FederatedIssuer): string {
  if (i.jwks !== null) return `pasted (${i.jwks.keys.length} key${i.jwks.keys.length === 1 ? '' : 's'})`;
  if (i.jwks_uri !== null) return i.jwks_uri;
  return `discovery: ${i.discovery_url ?? `${i.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`}`;
}
