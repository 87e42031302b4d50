import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { basic, decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://orders.test/';
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };

describeEachDialect('token endpoint: client_credentials', (dialect) => {
  let t: TestTessera;
  let client: { clientId: string; secret: string };
  const cc = { grant_type: 'client_credentials' };

  before(async () => {
    t = await startTessera({ dialect });
    client = await createClient(t, { client_id: 'orders-job', audience: [AUD], scope: 'orders:read orders:write' });
  });
  after(() => t.close());

  it('answers 200 with exactly the RFC 6749 §5.1 fields and no-store', async () => {
    const res = await t.form('/oauth2/token', cc, { authorization: basic(client.clientId, client.secret) });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(res.headers.get('pragma'), 'no-cache');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.expires_in, 3600);
    assert.equal(res.body.scope, 'orders:read orders:write');
  });

  it('issues an RFC 9068 JWT that jose verifies against the JWKS', async () => {
    const res = await t.form('/oauth2/token', { ...cc, scope: 'orders:read' }, { authorization: basic(client.clientId, client.secret) });
    const jwks = createRemoteJWKSet(new URL(`${t.publicUrl}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(res.body.access_token, jwks, { issuer: t.publicUrl, audience: AUD, typ: 'at+jwt' });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(protectedHeader.typ, 'at+jwt');
    assert.ok(protectedHeader.kid);
    assert.equal(payload.sub, 'orders-job');
    assert.equal(payload.client_id, 'orders-job');
    assert.equal(payload.aud, AUD);
    assert.equal(payload.scope, 'orders:read');
    assert.equal(payload.exp! - payload.iat!, 3600);
    assert.match(String(payload.jti), /^[A-Za-z0-9_-]{16,}$/);
    const again = await t.form('/oauth2/token', cc, { authorization: basic(client.clientId, client.secret) });
    assert.notEqual(decodeJwt(again.body.access_token).payload.jti, payload.jti);
  });

  it('accepts client_secret_post, multipart/form-data and JSON bodies, and the /oauth/token alias', async () => {
    const post = await t.form('/oauth2/token', { ...cc, client_id: client.clientId, client_secret: client.secret });
    assert.equal(post.status, 200, post.text);
    const form = new FormData();
    form.append('grant_type', 'client_credentials');
    form.append('client_id', client.clientId);
    form.append('client_secret', client.secret);
    form.append('scope', 'orders:write');
    const multipart = await t.publicFetch('/oauth2/token', { method: 'POST', body: form });
    assert.equal(multipart.status, 200, multipart.text);
    assert.equal(multipart.body.scope, 'orders:write');
    const json = await t.publicFetch('/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...cc, client_id: client.clientId, client_secret: client.secret, audience: [AUD] }),
    });
    assert.equal(json.status, 200, json.text);
    const alias = await t.form('/oauth/token', cc, { authorization: basic(client.clientId, client.secret) });
    assert.equal(alias.status, 200);
  });

  it('form-urldecodes Basic credentials before use (RFC 6749 §2.3.1)', async () => {
    const encodedId = 'orders%2Djob'; // "-" percent-encoded, as a strict client may send it
    const header = `Basic ${Buffer.from(`${encodedId}:${client.secret}`).toString('base64')}`;
    const res = await t.form('/oauth2/token', cc, { authorization: header });
    assert.equal(res.status, 200, res.text);
  });

  it('refuses a missing grant_type, an unknown grant type, duplicates and query parameters', async () => {
    const auth = { authorization: basic(client.clientId, client.secret) };
    const none = await t.form('/oauth2/token', {}, auth);
    assert.equal(none.status, 400);
    assert.deepEqual(none.body, { error: 'invalid_request', error_description: 'The grant_type parameter is required.' });
    assert.equal(none.headers.get('cache-control'), 'no-store');
    const unknown = await t.form('/oauth2/token', { grant_type: 'password' }, auth);
    assert.equal(unknown.status, 400);
    assert.deepEqual(unknown.body, { error: 'unsupported_grant_type', error_description: 'The grant type password is not supported.' });
    const dup = await t.form('/oauth2/token', { ...cc, scope: ['orders:read', 'orders:write'] }, auth);
    assert.equal(dup.status, 400);
    assert.deepEqual(dup.body, { error: 'invalid_request', error_description: 'The scope parameter was given more than once.' });
    const dupGrant = await t.form('/oauth2/token', { grant_type: ['client_credentials', 'client_credentials'] }, auth);
    assert.equal(dupGrant.body.error, 'invalid_request');
    const query = await t.publicFetch(`/oauth2/token?client_secret=${client.secret}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth },
      body: 'grant_type=client_credentials',
    });
    assert.equal(query.status, 400);
    assert.deepEqual(query.body, { error: 'invalid_request', error_description: 'Send parameters in the request body, not in the query string.' });
  });

  it('requires exactly one client authentication method', async () => {
    const both = await t.form(
      '/oauth2/token',
      { ...cc, client_id: client.clientId, client_secret: client.secret },
      {
        authorization: basic(client.clientId, client.secret),
      },
    );
    assert.equal(both.status, 400);
    assert.deepEqual(both.body, { error: 'invalid_request', error_description: 'Use exactly one client authentication method.' });
    const neither = await t.form('/oauth2/token', { ...cc, client_id: client.clientId });
    assert.equal(neither.status, 401);
    assert.deepEqual(neither.body, INVALID_CLIENT);
    assert.equal(neither.headers.get('www-authenticate'), null);
    const mismatch = await t.form('/oauth2/token', { ...cc, client_id: 'someone-else' }, { authorization: basic(client.clientId, client.secret) });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body.error, 'invalid_request');
  });

  it('gives one identical invalid_client for unknown client, wrong secret, disabled client and inactive service account', async () => {
    const sa = await createOk(t, '/service-accounts', { user_name: 'nightly' });
    const saClient = await createClient(t, { audience: [AUD], scope: 'orders:read', service_account_id: sa.id });
    const disabled = await createClient(t, { audience: [AUD], scope: 'orders:read' });
    assert.equal((await t.admin('PATCH', `/clients/${disabled.clientId}`, { active: false })).status, 200);
    assert.equal((await t.form('/oauth2/token', cc, { authorization: basic(saClient.clientId, saClient.secret) })).status, 200);
    assert.equal((await t.admin('PATCH', `/service-accounts/${sa.id}`, { active: false })).status, 200);

    const attempts = [
      basic('no-such-client', client.secret),
      basic(client.clientId, 'wrong-secret'),
      basic(disabled.clientId, disabled.secret),
      basic(saClient.clientId, saClient.secret),
    ];
    for (const authorization of attempts) {
      const res = await t.form('/oauth2/token', cc, { authorization });
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, INVALID_CLIENT);
      assert.equal(res.headers.get('www-authenticate'), `Basic realm="${t.publicUrl}"`);
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
    const viaPost = await t.form('/oauth2/token', { ...cc, client_id: 'no-such-client', client_secret: 'x' });
    assert.equal(viaPost.status, 401);
    assert.deepEqual(viaPost.body, INVALID_CLIENT);
    assert.equal(viaPost.headers.get('www-authenticate'), null, 'no Basic challenge when Basic was not used');
  });

  it('answers malformed Basic credentials with 401 invalid_client, never 500', async () => {
    const malformed = [
      'Basic',
      'Basic !!!notbase64',
      `Basic ${Buffer.from('no-colon-here').toString('base64')}`,
      `Basic ${Buffer.from('%zz:%zz').toString('base64')}`,
      `Basic ${Buffer.from(':only-secret').toString('base64')}`,
      'Bearer abc',
      'Basic ' + 'A'.repeat(5000),
    ];
    for (const authorization of malformed) {
      const res = await t.form('/oauth2/token', cc, { authorization });
      assert.equal(res.status, 401, `${authorization.slice(0, 30)} → ${res.status}`);
      assert.deepEqual(res.body, INVALID_CLIENT);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    }
  });

  it('holds a client to its registered token_endpoint_auth_method', async () => {
    const basicOnly = await createClient(t, { audience: [AUD], scope: 'orders:read', token_endpoint_auth_method: 'client_secret_basic' });
    const post = await t.form('/oauth2/token', { ...cc, client_id: basicOnly.clientId, client_secret: basicOnly.secret });
    assert.equal(post.status, 401);
    assert.deepEqual(post.body, INVALID_CLIENT);
    assert.equal((await t.form('/oauth2/token', cc, { authorization: basic(basicOnly.clientId, basicOnly.secret) })).status, 200);
  });

  it('refuses clients not registered for client_credentials with unauthorized_client', async () => {
    const noGrant = await createClient(t, { audience: [AUD], grant_types: [] });
    const res = await t.form('/oauth2/token', cc, { authorization: basic(noGrant.clientId, noGrant.secret) });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'unauthorized_client', error_description: 'The client is not allowed to use the client_credentials grant type.' });
  });

  it('never lets a public client use client_credentials', async () => {
    const refused = await t.admin('POST', '/clients', { client_type: 'spa', grant_types: ['client_credentials'] });
    assert.equal(refused.status, 422);
    const spa = await t.admin('POST', '/clients', { client_type: 'spa', client_id: 'browser-app' });
    assert.equal(spa.status, 201);
    assert.equal(spa.body.client_secret, undefined, 'a public client has no secret');
    const res = await t.form('/oauth2/token', { ...cc, client_id: 'browser-app', client_secret: 'guess' });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, INVALID_CLIENT);
  });

  it('answers 413 for a body over 64 KiB and 415 for other media types', async () => {
    const big = await t.publicFetch('/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&pad=${'a'.repeat(1024 * 1024)}`,
    });
    assert.equal(big.status, 413);
    assert.equal(big.body.error, 'invalid_request');
    const text = await t.publicFetch('/oauth2/token', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'grant_type=client_credentials' });
    assert.equal(text.status, 415);
    assert.equal(text.body.error, 'invalid_request');
    const badJson = await t.publicFetch('/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' });
    assert.equal(badJson.status, 400);
    assert.deepEqual(badJson.body, { error: 'invalid_request', error_description: 'The request body is not valid JSON.' });
    const nonString = await t.publicFetch('/oauth2/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":7}' });
    assert.equal(nonString.status, 400);
    const get = await t.publicFetch('/oauth2/token');
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
  });

  it('reports every outcome to the token listeners, naming only clients the tenant has', async () => {
    const seen: unknown[] = [];
    t.server.deps.tokenEvents.add({ issued: (e) => seen.push({ issued: e }), refused: (e) => seen.push({ refused: e }) });
    await t.form('/oauth2/token', cc, { authorization: basic(client.clientId, client.secret) });
    await t.form('/oauth2/token', cc, { authorization: basic(client.clientId, 'wrong') });
    await t.form('/oauth2/token', cc, { authorization: basic('made-up-client', 'wrong') });
    await t.form('/oauth2/token', { ...cc, scope: 'orders:delete' }, { authorization: basic(client.clientId, client.secret) });
    await t.form('/oauth2/token', { grant_type: 'password' }, { authorization: basic(client.clientId, client.secret) });
    // The client's slot: what the counters index by (the read model's number for it).
    const slot = t.server.deps.readModel.tenant('default')!.clients.get('orders-job')!.slot;
    assert.equal(t.server.deps.readModel.slots.clientOf(slot), 'orders-job');
    assert.deepEqual(seen, [
      { issued: { tenantId: 'default', clientId: 'orders-job', slot, grantType: 'client_credentials' } },
      { refused: { tenantId: 'default', clientId: 'orders-job', slot, error: 'invalid_client' } },
      { refused: { tenantId: 'default', clientId: null, slot: null, error: 'invalid_client' } },
      { refused: { tenantId: 'default', clientId: 'orders-job', slot, error: 'invalid_scope' } },
      { refused: { tenantId: 'default', clientId: null, slot: null, error: 'unsupported_grant_type' } },
    ]);
  });
});

describeEachDialect('token endpoint: targets, scopes and lifetimes', (dialect) => {
  let t: TestTessera;
  const cc = { grant_type: 'client_credentials' };
  let orders: any;
  let billing: any;

  before(async () => {
    t = await startTessera({ dialect });
    orders = await createOk(t, '/apis', {
      name: 'Orders',
      identifier: 'https://orders.test',
      scopes: [{ value: 'read' }, { value: 'write' }],
      access_token_ttl: 600,
    });
    billing = await createOk(t, '/apis', { name: 'Billing', identifier: 'https://billing.test', scopes: [{ value: 'read' }, { value: 'charge' }] });
  });
  after(() => t.close());

  async function grantedClient(grants: { api: any; scopes: string[] }[], extra: Record<string, unknown> = {}) {
    const c = await createClient(t, extra);
    for (const g of grants) await createOk(t, '/grants', { client_id: c.clientId, api_id: g.api.id, scopes: g.scopes });
    return c;
  }

  it('picks the one API whose scopes cover the request when no target is named', async () => {
    const c = await grantedClient([
      { api: orders, scopes: ['read', 'write'] },
      { api: billing, scopes: ['read', 'charge'] },
    ]);
    const auth = { authorization: basic(c.clientId, c.secret) };
    const write = await t.form('/oauth2/token', { ...cc, scope: 'write' }, auth);
    assert.equal(write.status, 200, write.text);
    assert.equal(decodeJwt(write.body.access_token).payload.aud, 'https://orders.test');
    const charge = await t.form('/oauth2/token', { ...cc, scope: 'charge' }, auth);
    assert.equal(decodeJwt(charge.body.access_token).payload.aud, 'https://billing.test');
    const ambiguous = await t.form('/oauth2/token', { ...cc, scope: 'read' }, auth);
    assert.equal(ambiguous.status, 400);
    assert.deepEqual(ambiguous.body, {
      error: 'invalid_request',
      error_description: 'Several audiences are possible for this request; name one with the audience or resource parameter.',
    });
    const noScope = await t.form('/oauth2/token', cc, auth);
    assert.equal(noScope.body.error, 'invalid_request');
  });

  it('uses the only allowed audience, and everything it may get when no scope is asked', async () => {
    const c = await grantedClient([{ api: orders, scopes: ['read', 'write'] }]);
    const res = await t.form('/oauth2/token', cc, { authorization: basic(c.clientId, c.secret) });
    assert.equal(res.status, 200);
    assert.equal(res.body.scope, 'read write');
    assert.equal(res.body.expires_in, 600, "the API's own lifetime");
    const wrongScope = await t.form('/oauth2/token', { ...cc, scope: 'charge' }, { authorization: basic(c.clientId, c.secret) });
    assert.equal(wrongScope.status, 400);
    assert.deepEqual(wrongScope.body, { error: 'invalid_scope', error_description: 'The scope charge is not allowed for this client and audience.' });
  });

  it('is invalid_request when the client may use no audience at all', async () => {
    const c = await createClient(t, {});
    const res = await t.form('/oauth2/token', cc, { authorization: basic(c.clientId, c.secret) });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'invalid_request', error_description: 'No audience is allowed for this client.' });
  });

  it('answers invalid_target for an audience or resource the client may not use', async () => {
    const c = await grantedClient([{ api: orders, scopes: ['read'] }]);
    const auth = { authorization: basic(c.clientId, c.secret) };
    const other = await t.form('/oauth2/token', { ...cc, audience: 'https://billing.test' }, auth);
    assert.equal(other.status, 400);
    assert.deepEqual(other.body, { error: 'invalid_target', error_description: 'The requested audience is not allowed for this client.' });
    const relative = await t.form('/oauth2/token', { ...cc, resource: 'orders' }, auth);
    assert.deepEqual(relative.body, { error: 'invalid_target', error_description: 'The resource parameter must be an absolute URI.' });
    const fragment = await t.form('/oauth2/token', { ...cc, resource: 'https://orders.test#x' }, auth);
    assert.equal(fragment.body.error, 'invalid_target');
    const viaResource = await t.form('/oauth2/token', { ...cc, resource: 'https://orders.test' }, auth);
    assert.equal(viaResource.status, 200, viaResource.text);
    assert.equal(decodeJwt(viaResource.body.access_token).payload.aud, 'https://orders.test');
  });

  it('allows several targets only with scopes allowed on every one of them', async () => {
    const c = await grantedClient([
      { api: orders, scopes: ['read', 'write'] },
      { api: billing, scopes: ['read'] },
    ]);
    const auth = { authorization: basic(c.clientId, c.secret) };
    const both = await t.form('/oauth2/token', { ...cc, audience: ['https://orders.test', 'https://billing.test'], scope: 'read' }, auth);
    assert.equal(both.status, 200, both.text);
    assert.deepEqual(decodeJwt(both.body.access_token).payload.aud, ['https://orders.test', 'https://billing.test']);
    const mixed = await t.form('/oauth2/token', { ...cc, audience: 'https://orders.test', resource: 'https://billing.test', scope: 'write' }, auth);
    assert.equal(mixed.status, 400);
    assert.deepEqual(mixed.body, { error: 'invalid_scope', error_description: 'The scope write is not allowed on every requested audience.' });
    const noScope = await t.form('/oauth2/token', { ...cc, audience: ['https://orders.test', 'https://billing.test'] }, auth);
    assert.equal(noScope.body.scope, 'read', 'only scopes every target allows');
  });

  it("filters a client's own scope list by the scopes a registered API defines", async () => {
    const c = await createClient(t, { audience: ['https://orders.test'], scope: 'read bogus' });
    const auth = { authorization: basic(c.clientId, c.secret) };
    const all = await t.form('/oauth2/token', cc, auth);
    assert.equal(all.body.scope, 'read');
    const bogus = await t.form('/oauth2/token', { ...cc, scope: 'bogus' }, auth);
    assert.equal(bogus.body.error, 'invalid_scope');
    const malformed = await t.form('/oauth2/token', { ...cc, scope: 'read "quoted"' }, auth);
    assert.deepEqual(malformed.body, { error: 'invalid_scope', error_description: 'The scope parameter is malformed.' });
  });

  it('gives grants of the service account to every client acting for it, with sub = the service account', async () => {
    const sa = await createOk(t, '/service-accounts', { user_name: 'reporting' });
    await createOk(t, '/grants', { service_account_id: sa.id, api_identifier: 'https://billing.test', scopes: ['read'] });
    const c = await createClient(t, { service_account_id: sa.id });
    const res = await t.form('/oauth2/token', cc, { authorization: basic(c.clientId, c.secret) });
    assert.equal(res.status, 200, res.text);
    const { payload } = decodeJwt(res.body.access_token);
    assert.equal(payload.sub, sa.id);
    assert.equal(payload.client_id, c.clientId);
    assert.equal(payload.aud, 'https://billing.test');
  });

  it('takes the shortest of client and API lifetimes, else the tenant default', async () => {
    const short = await grantedClient([{ api: orders, scopes: ['read'] }], { access_token_ttl: 300 });
    const res = await t.form('/oauth2/token', cc, { authorization: basic(short.clientId, short.secret) });
    assert.equal(res.body.expires_in, 300);
    assert.equal((await t.admin('PATCH', '/tenants/default', { access_token_ttl: 900 })).status, 200);
    const plain = await createClient(t, { audience: ['https://elsewhere.test'] });
    const tenantTtl = await t.form('/oauth2/token', cc, { authorization: basic(plain.clientId, plain.secret) });
    assert.equal(tenantTtl.body.expires_in, 900);
    const { payload } = decodeJwt(tenantTtl.body.access_token);
    assert.equal(payload.exp - payload.iat, 900);
  });

  it('stops honouring a grant the moment it is deleted', async () => {
    const c = await createClient(t, {});
    const grant = await createOk(t, '/grants', { client_id: c.clientId, api_id: billing.id, scopes: ['charge'] });
    const auth = { authorization: basic(c.clientId, c.secret) };
    assert.equal((await t.form('/oauth2/token', cc, auth)).status, 200);
    assert.equal((await t.admin('DELETE', `/grants/${grant.id}`)).status, 204);
    assert.equal((await t.form('/oauth2/token', cc, auth)).body.error, 'invalid_request');
  });
});

describeEachDialect('token endpoint: signing algorithms per tenant', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  for (const alg of ['ES256', 'EdDSA', 'PS256'] as const) {
    it(`signs with ${alg} when the tenant chooses it, verifiable by jose`, async () => {
      const tenant = `alg-${alg.toLowerCase()}`;
      assert.equal((await t.admin('POST', '/tenants', { id: tenant, signing_alg: alg })).status, 201);
      const c = await createClient(t, { audience: ['https://api.test'] }, tenant);
      const res = await t.form(`/t/${tenant}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: basic(c.clientId, c.secret) });
      assert.equal(res.status, 200, res.text);
      const issuer = `${t.publicUrl}/t/${tenant}`;
      const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
      const { protectedHeader } = await jwtVerify(res.body.access_token, jwks, { issuer, audience: 'https://api.test', typ: 'at+jwt' });
      assert.equal(protectedHeader.alg, alg);
    });
  }

  it('gives each of many simultaneous requests its own token, signed in one batch (ES256 and EdDSA tenants at once)', async () => {
    const callers: { tenant: string; alg: string; clientId: string; secret: string }[] = [];
    for (const alg of ['ES256', 'EdDSA'] as const) {
      const tenant = `batch-${alg.toLowerCase()}`;
      assert.equal((await t.admin('POST', '/tenants', { id: tenant, signing_alg: alg })).status, 201);
      for (let i = 0; i < 3; i++) callers.push({ tenant, alg, ...(await createClient(t, { audience: [`https://api.test/${i}`] }, tenant)) });
    }
    const requests = Array.from({ length: 60 }, (_, i) => callers[i % callers.length]!);
    const answers = await Promise.all(
      requests.map((c) => t.form(`/t/${c.tenant}/oauth2/token`, { grant_type: 'client_credentials' }, { authorization: basic(c.clientId, c.secret) })),
    );
    const jtis = new Set<string>();
    for (const [i, res] of answers.entries()) {
      const c = requests[i]!;
      assert.equal(res.status, 200, res.text);
      const issuer = `${t.publicUrl}/t/${c.tenant}`;
      const { payload, protectedHeader } = await jwtVerify(res.body.access_token, createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)), {
        issuer,
        typ: 'at+jwt',
      });
      assert.equal(protectedHeader.alg, c.alg);
      assert.equal(payload.client_id, c.clientId, 'the token of the client that asked');
      jtis.add(String(payload.jti));
    }
    assert.equal(jtis.size, requests.length);
  });
});
