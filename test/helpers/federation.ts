import assert from 'node:assert/strict';
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

/** A federated issuer with inline keys and every default (max_token_age 3600, no jti, any algorithm), `fields` overriding. */
export function inlineIssuer(tenantId: string, issuer: string, keys: readonly TestKey[], fields: Partial<FederatedIssuer> = {}): FederatedIssuer {
  const at = new Date(0).toISOString();
  return {
    id: `fi_${Buffer.from(issuer).toString('hex').slice(0, 16)}`,
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

/**
 * Trusts `issuers` in the running Tessera's memory of tenant `tenantId` and gives existing
 * clients federated credentials (and the jwt-bearer grant), as the admin API will once it stores
 * them. Call it after every admin change of the tenant: a change reloads what it touched.
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
