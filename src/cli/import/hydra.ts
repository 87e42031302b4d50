import type { TokenEndpointAuthMethod } from '../../domain/clients/model.js';
import type { ClientConfig, ProvidedSecret } from '../../domain/configuration/document.js';
import { REGISTRABLE_GRANT_TYPES } from '../../domain/clients/rules.js';
import {
  CLIENT_CREDENTIALS,
  clampTtl,
  clientIdProblem,
  isCarriableSecret,
  isScopeValue,
  quoted,
  record,
  records,
  tenantDocument,
  text,
  texts,
  type Conversion,
  type ConversionOptions,
} from './conversion.js';

/** OpenID Connect scopes Hydra gives its clients by default (`offline_access offline openid`): nothing to a machine-to-machine token. */
const OIDC_SCOPES = new Set(['openid', 'offline', 'offline_access']);

/** Members of a Hydra client that only serve browser logins, OpenID Connect or Hydra itself: reported when set. */
const NOT_CARRIED = [
  'redirect_uris',
  'post_logout_redirect_uris',
  'allowed_cors_origins',
  'contacts',
  'owner',
  'metadata',
  'skip_consent',
  'skip_logout_consent',
  'frontchannel_logout_uri',
  'backchannel_logout_uri',
  'request_uris',
  'sector_identifier_uri',
] as const;

/** Token endpoint authentication methods Hydra clients carry over as they are. */
const KEPT_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'private_key_jwt']);

const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
const SECONDS_PER_UNIT: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Seconds of a Go duration string as Hydra writes lifespans (`1h0m0s`, `30m`), or undefined when it is not one. */
export function goDurationSeconds(duration: string): number | undefined {
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(duration)) return undefined;
  let seconds = 0;
  for (const [, amount, unit] of duration.matchAll(DURATION_PART)) seconds += Number(amount) * (SECONDS_PER_UNIT[unit ?? 's'] ?? 0);
  return seconds;
}

/** Whether a member of a Hydra client is set (not null, empty, false or zero). */
function isSet(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '' || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** A JWK Set of a Hydra client, or null when Hydra has none (`{}` or no keys). */
function jwksOf(value: unknown): { keys: Record<string, unknown>[] } | null {
  const keys = records(record(value).keys);
  return keys.length > 0 ? { keys } : null;
}

/**
 * Turns Ory Hydra's `GET /admin/clients` answer (a JSON array of OAuth 2.0 clients, v2 field names) into a configuration
 * document for one tenant (`default` unless `tenant` is given). Hydra keeps secrets hashed: secret clients get a new secret.
 */
export function convertHydra(source: unknown, options: ConversionOptions = {}): Conversion {
  if (!Array.isArray(source)) throw new TypeError('a Hydra client list is a JSON array (the answer of GET /admin/clients)');
  const tenant = options.tenant ?? 'default';
  const report: string[] = [];
  const clients: ClientConfig[] = [];
  const secrets: ProvidedSecret[] = [];
  const seen = new Set<string>();
  for (const [index, item] of source.entries()) {
    const c = record(item);
    const id = text(c.client_id);
    const name = id === undefined ? `client #${index}` : `client ${quoted(id)}`;
    const idProblem = clientIdProblem(id);
    if (id === undefined || idProblem !== undefined) {
      report.push(`${name}: skipped: ${idProblem ?? 'it has no client id'}; create it by hand with a new client id.`);
      continue;
    }
    if (seen.has(id)) {
      report.push(`${name}: skipped: the list holds this client id twice; only the first is imported.`);
      continue;
    }
    seen.add(id);
    const grantTypes = texts(c.grant_types);
    const dropped = grantTypes.filter((g) => g !== CLIENT_CREDENTIALS);
    if (!grantTypes.includes(CLIENT_CREDENTIALS)) {
      report.push(
        `${name}: skipped: grant types ${dropped.join(', ') || '(none)'} are not served by Tessera (it serves ${REGISTRABLE_GRANT_TYPES[0]}); keep this client on an OpenID Connect provider.`,
      );
      continue;
    }
    const method = text(c.token_endpoint_auth_method) ?? 'client_secret_basic';
    if (!KEPT_METHODS.has(method)) {
      report.push(`${name}: skipped: token_endpoint_auth_method ${method} cannot use client_credentials; create it by hand with another method.`);
      continue;
    }
    if (dropped.length > 0) report.push(`${name}: grant types ${dropped.join(', ')} dropped: Tessera serves client_credentials only.`);
    const client: ClientConfig = { client_id: id };
    const clientName = text(c.client_name);
    if (clientName) client.client_name = clientName;
    const audience = texts(c.audience);
    if (audience.length > 0) client.audience = [...new Set(audience)];
    const scopes = (text(c.scope) ?? '').split(' ').filter(Boolean);
    const oidc = scopes.filter((s) => OIDC_SCOPES.has(s));
    const invalid = scopes.filter((s) => !OIDC_SCOPES.has(s) && !isScopeValue(s));
    const kept = scopes.filter((s) => !OIDC_SCOPES.has(s) && isScopeValue(s));
    if (oidc.length > 0) report.push(`${name}: scopes ${oidc.join(' ')} dropped: OpenID Connect scopes mean nothing to a client_credentials token.`);
    if (invalid.length > 0) report.push(`${name}: scopes ${invalid.map(quoted).join(' ')} dropped: not valid scope tokens (RFC 6749 section 3.3).`);
    if (kept.length > 0) client.scope = [...new Set(kept)].join(' ');
    client.token_endpoint_auth_method = method as TokenEndpointAuthMethod;
    if (method === 'private_key_jwt') {
      const jwks = jwksOf(c.jwks);
      const jwksUri = text(c.jwks_uri);
      if (jwksUri) client.jwks_uri = jwksUri;
      else if (jwks) client.jwks = jwks;
      else report.push(`${name}: private_key_jwt without jwks or jwks_uri: set one before applying.`);
    } else {
      const secret = text(c.client_secret);
      if (secret && isCarriableSecret(secret)) secrets.push({ tenant, client_id: id, client_secret: secret });
      else report.push(`${name}: new client secret: Hydra stores secrets hashed; apply prints the new secret once, hand it to the client's owner.`);
    }
    const lifespan = text(c.client_credentials_grant_access_token_lifespan);
    if (lifespan) {
      const seconds = goDurationSeconds(lifespan);
      if (seconds === undefined) report.push(`${name}: client_credentials_grant_access_token_lifespan ${quoted(lifespan)} dropped: not a duration.`);
      else {
        const { ttl, clamped } = clampTtl(seconds);
        client.access_token_ttl = ttl;
        if (clamped) report.push(`${name}: access token lifespan ${lifespan} set to ${ttl} s: Tessera's lifetimes are 60 to 86400 seconds.`);
      }
    }
    const unused = NOT_CARRIED.filter((member) => isSet(c[member]));
    if (unused.length > 0) report.push(`${name}: ${unused.join(', ')} not carried over: no equivalent for machine-to-machine clients.`);
    if (typeof c.client_secret_expires_at === 'number' && c.client_secret_expires_at > 0) {
      report.push(`${name}: client_secret_expires_at not carried over: rotate secrets with tessera clients rotate-secret.`);
    }
    clients.push(client);
  }
  return { document: tenantDocument({ id: tenant }, [], clients, []), secrets, report };
}
