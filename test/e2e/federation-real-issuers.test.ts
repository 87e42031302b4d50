import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { assertProblem } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startNodeOidcProvider, type NodeOidcProvider } from '../helpers/node-oidc-provider.js';
import { basic, decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };

/** Asserts that `token` is an access token of the tenant at `issuer` for `clientId`, whose audience is `audience`; answers its claims. */
async function assertTokenOf(token: string, issuer: string, clientId: string, audience: string) {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(token, jwks, { issuer, audience, typ: 'at+jwt' });
  assert.equal(payload.client_id, clientId);
  return payload;
}

describeEachDialect('federation with real, independent issuers: node-oidc-provider, and another Tessera tenant', (dialect) => {
  let t: TestTessera;
  let provider: NodeOidcProvider;
  const issuerOf = (tenant: string) => `${t.publicUrl}/t/${tenant}`;
  /** A client_credentials request at a tenant's token endpoint with `assertion` as its client assertion. */
  const withAssertion = (tenant: string, assertion: string, extra: Record<string, string> = {}) =>
    t.form(`/t/${tenant}/oauth2/token`, { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion, ...extra });

  before(async () => {
    // node-oidc-provider and the tenants' own discovery are on 127.0.0.1: allowed by name, as docs/federation.md says.
    t = await startTessera({ dialect, env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1' } });
    for (const id of ['acme', 'globex', 'a', 'b']) assert.equal((await t.admin('POST', '/tenants', { id })).status, 201);
    provider = await startNodeOidcProvider({ audience: issuerOf('acme') });
  });
  after(async () => {
    await provider?.close();
    await t?.close();
  });

  it("node-oidc-provider's JWT access tokens authenticate a federated client, its keys fetched once by discovery", async () => {
    const registered = await t.admin('POST', '/tenants/acme/federated-issuers', { name: 'node-oidc-provider', issuer: provider.issuer });
    assert.equal(registered.status, 201, registered.text);
    const client = await t.admin('POST', '/tenants/acme/clients', {
      client_id: 'workload-in-acme',
      token_endpoint_auth_method: 'federated',
      grant_types: ['client_credentials', JWT_BEARER_GRANT],
      audience: ['https://api.acme.example/'],
      federated_credentials: [{ issuer: provider.issuer, subject: 'workload', claims: { client_id: 'workload' } }],
    });
    assert.equal(client.status, 201, client.text);
    assert.equal(client.body.client_secret, undefined, 'no secret exists');
    assert.deepEqual(provider.requests, [], 'nothing is fetched at registration');

    const assertion = await provider.accessToken();
    const issued = await withAssertion('acme', assertion);
    assert.equal(issued.status, 200, issued.text);
    const claims = await assertTokenOf(issued.body.access_token, issuerOf('acme'), 'workload-in-acme', 'https://api.acme.example/');
    assert.ok(claims.exp! <= decodeJwt(assertion).payload.exp, "the token expires no later than node-oidc-provider's");
    assert.deepEqual(provider.requests, ['/token', '/.well-known/openid-configuration', '/jwks'], 'discovery, then its jwks_uri');

    // The same client, by the jwt-bearer grant (RFC 7523 §2.1), with a new token of the provider: the keys come from the cache.
    const granted = await t.form('/t/acme/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: await provider.accessToken() });
    assert.equal(granted.status, 200, granted.text);
    await assertTokenOf(granted.body.access_token, issuerOf('acme'), 'workload-in-acme', 'https://api.acme.example/');
    assert.deepEqual(provider.requests.slice(3), ['/token'], 'no fetch once the keys are cached');
  });

  it('without TESSERA_OUTBOUND_ALLOW, the same issuer on a loopback address is refused at registration', async () => {
    const guarded = await startTessera({ dialect });
    try {
      assertProblem(await guarded.admin('POST', '/federated-issuers', { name: 'node-oidc-provider', issuer: provider.issuer }), {
        status: 422,
        detail: 'the federated issuer is not valid',
        instance: '/federated-issuers',
        errors: [{ pointer: '/issuer', detail: 'address 127.0.0.1 is loopback (127.0.0.0/8) and not in TESSERA_OUTBOUND_ALLOW' }],
      });
    } finally {
      await guarded.close();
    }
  });

  it("the provider's token is refused by a tenant that trusts the same issuer but is not its audience", async () => {
    assert.equal((await t.admin('POST', '/tenants/globex/federated-issuers', { name: 'node-oidc-provider', issuer: provider.issuer })).status, 201);
    const client = await t.admin('POST', '/tenants/globex/clients', {
      client_id: 'workload-in-globex',
      token_endpoint_auth_method: 'federated',
      federated_credentials: [{ issuer: provider.issuer, subject: 'workload' }],
    });
    assert.equal(client.status, 201, client.text);
    const refused = await withAssertion('globex', await provider.accessToken());
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.body, INVALID_CLIENT);
  });

  it("Tessera to Tessera: tenant a's access tokens, meant for tenant b, authenticate a client of b", async () => {
    const reporter = await t.admin('POST', '/tenants/a/clients', { client_id: 'reporter', audience: [issuerOf('b'), 'https://elsewhere.example.com/'] });
    assert.equal(reporter.status, 201, reporter.text);
    // Tenant b registers tenant a by its issuer alone: a Tessera tenant serves {issuer}/.well-known/openid-configuration.
    const registered = await t.admin('POST', '/tenants/b/federated-issuers', { name: 'tenant-a', issuer: issuerOf('a'), audiences: [issuerOf('b')] });
    assert.equal(registered.status, 201, registered.text);
    const client = await t.admin('POST', '/tenants/b/clients', {
      client_id: 'reporter-in-b',
      token_endpoint_auth_method: 'federated',
      audience: ['https://reports.example.com/'],
      federated_credentials: [{ issuer: issuerOf('a'), subject: 'reporter', claims: { client_id: 'reporter' } }],
    });
    assert.equal(client.status, 201, client.text);

    const fromA = await t.form(
      '/t/a/oauth2/token',
      { grant_type: 'client_credentials', audience: issuerOf('b') },
      { authorization: basic('reporter', reporter.body.client_secret) },
    );
    assert.equal(fromA.status, 200, fromA.text);
    const issued = await withAssertion('b', fromA.body.access_token, { client_id: 'reporter-in-b' });
    assert.equal(issued.status, 200, issued.text);
    const claims = await assertTokenOf(issued.body.access_token, issuerOf('b'), 'reporter-in-b', 'https://reports.example.com/');
    assert.ok(claims.exp! <= decodeJwt(fromA.body.access_token).payload.exp, "b's token expires no later than a's");

    // The same client's token meant for another audience is refused by b.
    const elsewhere = await t.form(
      '/t/a/oauth2/token',
      { grant_type: 'client_credentials', audience: 'https://elsewhere.example.com/' },
      { authorization: basic('reporter', reporter.body.client_secret) },
    );
    assert.equal(elsewhere.status, 200);
    assert.deepEqual((await withAssertion('b', elsewhere.body.access_token)).body, INVALID_CLIENT);
  });
});
