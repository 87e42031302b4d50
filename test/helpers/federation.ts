import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { DEFAULT_MAX_TOKEN_AGE, type FederatedCredential, type FederatedIssuer } from '../../src/domain/federation/model.js';
import type { Clock } from '../../src/lib/clock.js';
import type { TestKey } from './keys.js';
import type { HttpResult, TestTessera } from './tessera.js';

/** The client_assertion_type of a JWT-SVID (draft-ietf-oauth-spiffe-client-auth). */
export const JWT_SPIFFE = 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe';

/** The RFC 7523 §2.1 grant type. */
export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** The one public answer to every refused jwt-bearer grant assertion. */
export const INVALID_GRANT = { error: 'invalid_grant', error_description: 'The assertion is not valid.' };

/** Asserts the one public invalid_grant answer of a refused assertion: 400, the fixed body, no-store. */
export function assertInvalidGrant(res: HttpResult, why: string): void {
  assert.equal(res.status, 400, `${why}: ${res.text}`);
  assert.deepEqual(res.body, INVALID_GRANT, why);
  assert.equal(res.headers.get('cache-control'), 'no-store', why);
}

/**
 * A platform's token signed with `key` at the clock's time: `iat` now, `exp` ten minutes ahead,
 * then `claims` (a claim set to undefined is left out), the header `alg` and `kid` of the key
 * unless `header` overrides them.
 */
export function platformToken(key: TestKey, clock: Clock, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(clock.now() / 1000);
  const payload: Record<string, unknown> = { iat: now, exp: now + 600, ...claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header }).sign(key.privateKey);
}

/** A federated issuer with inline keys (none: give `jwksUri` or `discoveryUrl` in `fields`) and every default (max_token_age 3600, no jti, any algorithm), `fields` overriding. */
export function inlineIssuer(tenantId: string, issuer: string, keys: readonly TestKey[], fields: Partial<FederatedIssuer> = {}): FederatedIssuer {
  const at = new Date(0).toISOString();
  return {
    id: `fi_${createHash('sha256').update(`${tenantId} ${issuer}`).digest('hex').slice(0, 16)}`,
    tenantId,
    name: issuer,
    kind: 'oidc',
    issuer,
    jwks: { keys: keys.map((k) => k.publicJwk) },
    jwksUri: null,
    discoveryUrl: null,
    audiences: null,
    maxTokenAge: DEFAULT_MAX_TOKEN_AGE,
    requireJti: false,
    bearerTokenFile: null,
    allowLongerThanAssertion: false,
    algorithms: null,
    createdAt: at,
    updatedAt: at,
    ...fields,
  };
}

/** The admin API's path prefix of a tenant. */
const tenantPath = (tenantId: string) => (tenantId === 'default' ? '' : `/tenants/${tenantId}`);

/** A federated credential as a test writes it: its issuer named by `issuer` string. */
export interface TestCredential {
  readonly issuer: string;
  readonly subject: string;
  readonly claims?: Record<string, string | string[]>;
}

/** Registers a federated issuer through the admin API (the fields of `issuer` in snake_case), answers the created body. */
export async function registerIssuer(t: TestTessera, issuer: FederatedIssuer): Promise<{ id: string } & Record<string, unknown>> {
  const body = {
    name: issuer.name,
    issuer: issuer.issuer,
    kind: issuer.kind,
    jwks: issuer.jwks,
    jwks_uri: issuer.jwksUri,
    discovery_url: issuer.discoveryUrl,
    audiences: issuer.audiences,
    max_token_age: issuer.maxTokenAge,
    require_jti: issuer.requireJti,
    bearer_token_file: issuer.bearerTokenFile,
    allow_longer_than_assertion: issuer.allowLongerThanAssertion,
    algorithms: issuer.algorithms,
  };
  // Defaults (null) are left out, as a person registering one would.
  const given = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
  const res = await t.admin('POST', `${tenantPath(issuer.tenantId)}/federated-issuers`, given);
  assert.equal(res.status, 201, `register ${issuer.issuer}: ${res.text}`);
  return res.body;
}

/** Replaces a client's federated credentials through the admin API, and gives it the jwt-bearer grant type (unless `grantTypes` says otherwise). */
export async function setCredentials(
  t: TestTessera,
  tenantId: string,
  clientId: string,
  credentials: readonly TestCredential[],
  grantTypes: readonly string[] = ['client_credentials', JWT_BEARER_GRANT],
): Promise<void> {
  const res = await t.admin('PATCH', `${tenantPath(tenantId)}/clients/${clientId}`, { federated_credentials: credentials, grant_types: grantTypes });
  assert.equal(res.status, 200, `credentials of ${clientId}: ${res.text}`);
}

/** Registers `issuers` in their tenant and sets the clients' credentials (each naming an issuer by its `issuer`); answers the issuers' ids, in order. */
export async function trust(
  t: TestTessera,
  tenantId: string,
  issuers: readonly FederatedIssuer[],
  credentials: Record<string, readonly TestCredential[]>,
): Promise<string[]> {
  const ids: string[] = [];
  for (const issuer of issuers) ids.push((await registerIssuer(t, { ...issuer, tenantId })).id);
  for (const [clientId, list] of Object.entries(credentials)) await setCredentials(t, tenantId, clientId, list);
  return ids;
}

/**
 * Puts `issuers` and clients' credentials straight into the running Tessera's memory of the
 * tenant, bypassing the admin API: for what registration refuses (two clients' credentials that
 * overlap), to show the token path refuses it too. An admin change of the tenant reloads it.
 */
export function trustInMemory(
  t: TestTessera,
  tenantId: string,
  issuers: readonly FederatedIssuer[],
  credentials: Record<string, readonly Omit<FederatedCredential, 'id'>[]>,
): void {
  const state = t.server.deps.readModel.tenant(tenantId);
  assert.ok(state, `tenant ${tenantId} is loaded`);
  state.replaceSettings({ ...state.settings, federatedIssuers: issuers });
  for (const [clientId, list] of Object.entries(credentials)) {
    const entry = state.clients.get(clientId);
    assert.ok(entry, `client ${clientId} is loaded`);
    const federatedCredentials = list.map((c, i) => ({ ...c, id: `fc_${clientId}_${i}` }));
    const grantTypes = [...new Set([...entry.client.grantTypes, JWT_BEARER_GRANT])];
    state.setClient({ ...entry, client: { ...entry.client, federatedCredentials, grantTypes } });
  }
}
