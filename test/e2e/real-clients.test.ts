import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { tokenRequest } from '../helpers/admin.js';
import { eventually } from '../helpers/eventually.js';
import { importExample, jsonLines, listen, runExample, waitListening, type ApiExample, type ServiceExample, type TokenSource } from '../helpers/examples.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { issueToken, revoke, signWithTenantKey } from '../helpers/tokens.js';
import { decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

// Third-party clients against a real Tessera on 127.0.0.1, as a user would run them: openid-client gets,
// introspects and revokes tokens; express-oauth2-jwt-bearer and jose verify them. The programs
// under examples/ are the code under test, imported in-process and also run with `node`.
// One store (SQLite) is enough here: what is tested is the protocol, not the storage.

const service = await importExample<ServiceExample>('service-openid-client');
const expressApi = await importExample<ApiExample>('api-express-jwt-bearer');
const joseApi = await importExample<ApiExample>('api-jose');

const ORDERS = 'https://orders.example.com/';
const BILLING = 'https://billing.example.com/';

interface RunningApi {
  url: string;
  close: () => Promise<void>;
}

/** GET or POST /orders on `api` with `authorization` (or none). */
function orders(api: RunningApi, authorization?: string, method = 'GET'): Promise<Response> {
  return fetch(`${api.url}/orders`, { method, headers: authorization ? { authorization } : {} });
}

/** Status, WWW-Authenticate error code, and JSON body of an API answer. */
async function answer(response: Response): Promise<{ status: number; error: string | undefined; body: any }> {
  const challenge = response.headers.get('www-authenticate') ?? '';
  return { status: response.status, error: /error="([^"]+)"/.exec(challenge)?.[1], body: await response.json() };
}

/** A fetch that counts the token requests openid-client sends. */
function countingFetch(): { fetch: typeof fetch; tokenRequests: () => number } {
  let count = 0;
  const counting = (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url.endsWith('/oauth2/token')) count += 1;
    return fetch(input, init);
  };
  return { fetch: counting, tokenRequests: () => count };
}

describe('real clients: openid-client, express-oauth2-jwt-bearer and jose against Tessera', () => {
  let t: TestTessera;
  let job: { clientId: string; secret: string };
  let tokens: TokenSource;
  const apis = {} as Record<'express' | 'jose', RunningApi>;

  before(async () => {
    t = await startTessera();
    const scopes = [
      { value: 'orders:read', description: 'Read orders' },
      { value: 'orders:write', description: 'Create orders' },
    ];
    const api = await createOk(t, '/apis', { name: 'Orders', identifier: ORDERS, scopes });
    const billing = await createOk(t, '/apis', { name: 'Billing', identifier: BILLING, scopes: [{ value: 'orders:read', description: '' }] });
    job = await createClient(t, { client_id: 'orders-job', client_name: 'Orders job' });
    await createOk(t, '/grants', { client_id: job.clientId, api_id: api.id, scopes: ['orders:read'] });
    await createOk(t, '/grants', { client_id: job.clientId, api_id: billing.id, scopes: ['orders:read'] });
    tokens = service.createTokenSource({ issuer: t.publicUrl, clientId: job.clientId, clientSecret: job.secret, audience: ORDERS });
    apis.express = await listen(expressApi.createApi({ issuer: t.publicUrl, audience: ORDERS }));
    apis.jose = await listen(joseApi.createApi({ issuer: t.publicUrl, audience: ORDERS, revocationFeed: { intervalMs: 100 } }));
  });
  after(async () => {
    await Promise.all(Object.values(apis).map((api) => api.close()));
    await t.close();
  });

  it('openid-client discovers the issuer, gets a token, and reuses it until shortly before it expires', async () => {
    let now = Date.now();
    const counter = countingFetch();
    const source = service.createTokenSource({
      issuer: t.publicUrl,
      clientId: job.clientId,
      clientSecret: job.secret,
      audience: ORDERS,
      scope: 'orders:read',
      now: () => now,
      fetch: counter.fetch,
    });

    const [first, concurrent] = await Promise.all([source.getToken(), source.getToken()]);
    assert.equal(concurrent, first, 'concurrent callers share one request');
    assert.equal(counter.tokenRequests(), 1);
    const jwks = createRemoteJWKSet(new URL(`${t.publicUrl}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(first, jwks, { issuer: t.publicUrl, audience: ORDERS, typ: 'at+jwt' });
    assert.equal(payload.client_id, job.clientId);
    assert.equal(payload.scope, 'orders:read');
    assert.equal(payload.exp! - payload.iat!, 3600);

    now += (3600 - 31) * 1000; // 31 s before expiry: still cached
    assert.equal(await source.getToken(), first);
    assert.equal(counter.tokenRequests(), 1, 'no second token request');

    now += 2000; // 29 s before expiry: renewed
    const renewed = await source.getToken();
    assert.notEqual(renewed, first);
    assert.notEqual(decodeJwt(renewed).payload.jti, payload.jti);
    assert.equal(counter.tokenRequests(), 2);
  });

  for (const name of ['express', 'jose'] as const) {
    it(`the ${name} API answers 200 with the scope, 403 without it, 401 without a valid token`, async () => {
      const api = apis[name];
      const bearer = `Bearer ${await tokens.getToken()}`;

      const read = await answer(await orders(api, bearer));
      assert.equal(read.status, 200);
      assert.equal(read.body.client_id, job.clientId);

      const write = await answer(await orders(api, bearer, 'POST'));
      assert.deepEqual([write.status, write.error], [403, 'insufficient_scope']);

      const none = await orders(api);
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer realm=/);

      const token = bearer.slice('Bearer '.length);
      const tampered = `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
      const otherAudience = await issueToken(t, job, { audience: BILLING });
      const plainJwt = await signWithTenantKey(t, { ...decodeJwt(token).payload }, { typ: 'JWT' });
      for (const [what, bad] of [
        ['tampered', tampered],
        ['another audience', otherAudience],
        ['typ JWT', plainJwt],
      ] as const) {
        const refused = await answer(await orders(api, `Bearer ${bad}`));
        assert.deepEqual([refused.status, refused.error], [401, 'invalid_token'], what);
      }
    });
  }

  it('introspection and revocation through openid-client; the jose API honours the revocation feed', async () => {
    const token = await issueToken(t, job, { audience: ORDERS });
    const active = await tokens.introspect(token);
    assert.equal(active.active, true);
    assert.equal(active.client_id, job.clientId);
    assert.equal(active.aud, ORDERS);
    assert.equal(active.scope, 'orders:read');
    assert.equal((await orders(apis.jose, `Bearer ${token}`)).status, 200);

    await tokens.revoke(token);
    assert.deepEqual(await tokens.introspect(token), { active: false });

    await eventually(
      'the jose API refuses the revoked token',
      async () => (await answer(await orders(apis.jose, `Bearer ${token}`))).error === 'invalid_token',
      { withinMs: 5000 },
    );
    // Offline verification alone (no feed, no introspection) cannot know: the token stays valid until exp.
    assert.equal((await orders(apis.express, `Bearer ${token}`)).status, 200);
  });

  it("the jose API honours a client's cut-off from the feed: every token it held is refused", async () => {
    const other = await createClient(t, { client_id: 'orders-job-2' });
    await createOk(t, '/grants', { client_id: other.clientId, api_identifier: ORDERS, scopes: ['orders:read'] });
    const token = await issueToken(t, other, { audience: ORDERS });
    assert.equal((await orders(apis.jose, `Bearer ${token}`)).status, 200);

    assert.equal((await t.admin('POST', `/clients/${other.clientId}/revoke-tokens?reason=test`)).status, 200);
    await eventually(
      'the jose API refuses the token issued before the cut-off',
      async () => (await answer(await orders(apis.jose, `Bearer ${token}`))).error === 'invalid_token',
      { withinMs: 5000 },
    );
  });

  it("the service's callApi gets a new token once when the API answers 401 to the cached one", async () => {
    const source = service.createTokenSource({ issuer: t.publicUrl, clientId: job.clientId, clientSecret: job.secret, audience: ORDERS });
    const cached = await source.getToken();
    assert.equal((await revoke(t, job, cached)).status, 200); // revoked behind the token source's back
    await eventually('the jose API refuses it', async () => (await orders(apis.jose, `Bearer ${cached}`)).status === 401, { withinMs: 5000 });

    const response = await service.callApi(source, `${apis.jose.url}/orders`);
    assert.equal(response.status, 200);
    assert.notEqual(await source.getToken(), cached);
  });

  it('DPoP: openid-client gets a key-bound token that express-oauth2-jwt-bearer accepts with a proof only; the bearer-only jose API refuses it', async () => {
    const config = await oidc.discovery(new URL(t.publicUrl), job.clientId, job.secret, oidc.ClientSecretBasic(job.secret), {
      execute: [oidc.allowInsecureRequests],
    });
    const DPoP = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const response = await oidc.clientCredentialsGrant(config, { audience: ORDERS, scope: 'orders:read' }, { DPoP });
    assert.equal(response.token_type, 'dpop');
    assert.equal(typeof decodeJwt(response.access_token).payload.cnf.jkt, 'string');

    const withProof = await oidc.fetchProtectedResource(config, response.access_token, new URL(`${apis.express.url}/orders`), 'GET', undefined, undefined, {
      DPoP,
    });
    assert.equal(withProof.status, 200);
    for (const api of [apis.express, apis.jose]) {
      const asBearer = await answer(await orders(api, `Bearer ${response.access_token}`));
      assert.deepEqual([asBearer.status, asBearer.error], [401, 'invalid_token']);
    }
  });

  it('runs as programs: node examples/api-jose/index.mjs, then node examples/service-openid-client/index.mjs', async () => {
    const apiProcess = runExample('api-jose', { TESSERA_ISSUER: t.publicUrl, API_AUDIENCE: ORDERS, PORT: '0', REVOCATION_FEED_INTERVAL: '1' });
    try {
      const apiUrl = await waitListening(apiProcess);
      const run = runExample('service-openid-client', {
        TESSERA_ISSUER: t.publicUrl,
        CLIENT_ID: job.clientId,
        CLIENT_SECRET: job.secret,
        API_AUDIENCE: ORDERS,
        SCOPE: 'orders:read',
        API_URL: `${apiUrl}/orders`,
      });
      assert.equal(await run.exited, 0, run.stderr.join(''));
      const steps = Object.fromEntries(jsonLines(run.stdout).map((line) => [line.step, line]));
      assert.equal(steps.token.cached, true);
      assert.equal(steps.token.claims.aud, ORDERS);
      assert.equal(steps.api.status, 200);
      assert.equal(steps.api.body.client_id, job.clientId);
      assert.equal(steps.introspect.result.active, true);
      assert.deepEqual(steps['introspect after revoke'].result, { active: false });

      const refused = runExample('service-openid-client', {
        TESSERA_ISSUER: t.publicUrl,
        CLIENT_ID: job.clientId,
        CLIENT_SECRET: 'wrong',
        API_URL: `${apiUrl}/orders`,
      });
      assert.equal(await refused.exited, 1);
      assert.equal(refused.stderr.join(''), '401 invalid_client: Client authentication failed.\n');
    } finally {
      apiProcess.child.kill('SIGTERM');
      assert.equal(await apiProcess.exited, 0, apiProcess.stderr.join(''));
    }
  });
});

describe('real clients on tenant acme signing with EdDSA', () => {
  let t: TestTessera;
  let issuer: string;
  let source: TokenSource;

  before(async () => {
    t = await startTessera();
    await createOk(t, '/tenants', { id: 'acme', signing_alg: 'EdDSA' });
    issuer = `${t.publicUrl}/t/acme`;
    await createOk(t, '/tenants/acme/apis', {
      name: 'Orders',
      identifier: ORDERS,
      scopes: [
        { value: 'orders:read', description: '' },
        { value: 'orders:write', description: '' },
      ],
    });
    const job = await createClient(t, { client_id: 'acme-job' }, 'acme');
    await createOk(t, '/tenants/acme/grants', { client_id: job.clientId, api_identifier: ORDERS, scopes: ['orders:read'] });
    source = service.createTokenSource({ issuer, clientId: job.clientId, clientSecret: job.secret });
  });
  after(() => t.close());

  it('openid-client discovers the tenant issuer; both APIs verify EdDSA tokens with the algorithm the JWKS names', async () => {
    const token = await source.getToken();
    assert.equal(decodeJwt(token).header.alg, 'EdDSA');
    assert.equal(decodeJwt(token).payload.iss, issuer);
    for (const example of [expressApi, joseApi]) {
      const api = await listen(example.createApi({ issuer, audience: ORDERS }));
      try {
        assert.equal((await orders(api, `Bearer ${token}`)).status, 200);
        assert.equal((await orders(api, `Bearer ${token}`, 'POST')).status, 403);
        // The default tenant's issuer is not acme's: same keys' owner, different iss.
        const wrongIssuer = await listen(example.createApi({ issuer: t.publicUrl, audience: ORDERS }));
        try {
          assert.equal((await orders(wrongIssuer, `Bearer ${token}`)).status, 401);
        } finally {
          await wrongIssuer.close();
        }
      } finally {
        await api.close();
      }
    }
  });
});

describe('the token source after a lockout (429 with Retry-After)', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ env: { TESSERA_BRUTE_FORCE_MAX_FAILURES: '1', TESSERA_BRUTE_FORCE_WINDOW: '1' } });
  });
  after(() => t.close());

  it('waits the seconds Retry-After says, then gets its token', async () => {
    const job = await createClient(t, { client_id: 'locked-job', audience: [ORDERS], scope: 'orders:read' });
    const counter = countingFetch();
    const source = service.createTokenSource({ issuer: t.publicUrl, clientId: job.clientId, clientSecret: job.secret, fetch: counter.fetch });
    // Someone else's wrong secret for this client id locks it (and this address) for one second.
    assert.equal((await tokenRequest(t, '/oauth2/token', job.clientId, 'wrong')).status, 401);
    const locked = await tokenRequest(t, '/oauth2/token', job.clientId, job.secret);
    assert.deepEqual([locked.status, locked.headers.get('retry-after')], [429, '1']);

    const token = await source.getToken();
    assert.equal(decodeJwt(token).payload.client_id, job.clientId);
    assert.equal(counter.tokenRequests(), 2, 'one 429, then one success');
  });
});
