import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { basic, decodeJwt, type HttpResult, type TestTessera } from './tessera.js';

/** What a client needs to call the token, introspection and revocation endpoints. */
export interface ClientCredentials {
  clientId: string;
  secret: string;
}

/** The issuer path prefix of a tenant on the public listener ('' for the default tenant). */
export const issuerPath = (tenant?: string) => (tenant && tenant !== 'default' ? `/t/${tenant}` : '');

/** Gets an access token with client_credentials and HTTP Basic; fails the test on anything but 200. */
export async function issueToken(t: TestTessera, client: ClientCredentials, params: Record<string, string> = {}, tenant?: string): Promise<string> {
  const res = await t.form(
    `${issuerPath(tenant)}/oauth2/token`,
    { grant_type: 'client_credentials', ...params },
    { authorization: basic(client.clientId, client.secret) },
  );
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`);
  return res.body.access_token as string;
}

/** POSTs `token` (and extra parameters) to introspection as `caller`, with HTTP Basic. */
export function introspect(t: TestTessera, caller: ClientCredentials, token: string, extra: Record<string, string> = {}, tenant?: string): Promise<HttpResult> {
  return t.form(`${issuerPath(tenant)}/oauth2/introspect`, { token, ...extra }, { authorization: basic(caller.clientId, caller.secret) });
}

/** POSTs `token` to revocation as `caller`, with HTTP Basic. */
export function revoke(t: TestTessera, caller: ClientCredentials, token: string, extra: Record<string, string> = {}, tenant?: string): Promise<HttpResult> {
  return t.form(`${issuerPath(tenant)}/oauth2/revoke`, { token, ...extra }, { authorization: basic(caller.clientId, caller.secret) });
}

/**
 * Signs arbitrary claims with the tenant's own active signing key, read from the running server's
 * read model: for tokens the token endpoint would never issue (another issuer, another typ, a cnf).
 */
export function signWithTenantKey(t: TestTessera, claims: Record<string, unknown>, header: Record<string, unknown> = {}, tenant = 'default'): Promise<string> {
  const signer = t.server.deps.readModel.tenant(tenant)?.settings.signer;
  if (!signer) throw new Error(`tenant ${tenant} has no signer`);
  return new SignJWT(claims).setProtectedHeader({ alg: signer.alg, typ: 'at+jwt', kid: signer.kid, ...header }).sign(signer.key);
}

/**
 * Asserts a 200 token answer whose access token names `clientId` as its client and subject, and
 * is bound to the key of thumbprint `jkt` when one is given (RFC 9449 §6.1: token_type DPoP,
 * `cnf.jkt`), else a Bearer token without `cnf`; returns the token's claims.
 */
export function assertTokenFor(res: HttpResult, clientId: string, options: { jkt?: string; what?: string } = {}): Record<string, any> {
  const what = options.what ? `${options.what}: ` : '';
  assert.equal(res.status, 200, `${what}${res.text}`);
  const payload = decodeJwt(res.body.access_token).payload;
  assert.deepEqual([payload.client_id, payload.sub], [clientId, clientId], `${what}whose token it is`);
  assert.deepEqual(
    [res.body.token_type, payload.cnf],
    options.jkt === undefined ? ['Bearer', undefined] : ['DPoP', { jkt: options.jkt }],
    `${what}the key it is bound to`,
  );
  return payload;
}
