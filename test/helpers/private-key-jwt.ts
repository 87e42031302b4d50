import assert from 'node:assert/strict';
import type { Clock } from '../../src/lib/clock.js';
import { clientAssertion, JWT_BEARER } from './assertions.js';
import { createClient } from './fixtures.js';
import type { TestKey } from './keys.js';
import type { HttpResult, StartOptions, TestTessera } from './tessera.js';

/** The one public answer to every failed client authentication. */
export const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };

/** Asserts the one public invalid_client answer: 401, the fixed body, no Basic challenge, no-store. */
export function assertInvalidClient(res: HttpResult, why: string): void {
  assert.equal(res.status, 401, `${why}: ${res.text}`);
  assert.deepEqual(res.body, INVALID_CLIENT, why);
  assert.equal(res.headers.get('www-authenticate'), null, why);
  assert.equal(res.headers.get('cache-control'), 'no-store', why);
}

/** Registers a private_key_jwt client whose keys are at `jwksUri`. */
export function registerJwksUriClient(t: TestTessera, clientId: string, jwksUri: string): Promise<unknown> {
  return createClient(t, { client_id: clientId, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri, audience: ['https://orders.test'] });
}

/** A client_credentials token request authenticated by an assertion `key` signs for `clientId`. */
export async function assertionTokenRequest(t: TestTessera, clock: Clock, clientId: string, key: TestKey): Promise<HttpResult> {
  return t.form('/oauth2/token', {
    grant_type: 'client_credentials',
    client_assertion_type: JWT_BEARER,
    client_assertion: await clientAssertion(key, clock, { clientId, audience: t.publicUrl }),
  });
}

/** Options that start another Tessera on the same store as `t` (with its admin token), e.g. to restart it with other settings. */
export function sameStore(t: TestTessera, env: Record<string, string> = {}): StartOptions {
  const admin = { TESSERA_ADMIN_TOKEN: t.adminToken, ...env };
  if (t.dialect === 'sqlite') return { dialect: 'sqlite', dataDir: t.dataDir, env: admin };
  return { dialect: 'postgres', env: { TESSERA_DATABASE_URL: t.config.databaseUrl, TESSERA_SECRET: t.config.secret!, ...admin } };
}
