import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { manualClock, ok, type ManualClock } from '../helpers/admin.js';
import { dpopProof } from '../helpers/assertions.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { inlineIssuer, platformToken, trust } from '../helpers/federation.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { basic, decodeJwt, startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';
import { introspect, issueToken, revoke, signWithTenantKey, type ClientCredentials } from '../helpers/tokens.js';

// RFC 8693 token exchange through a chain of three services: A calls B with its token, B exchanges
// it for C's API, C exchanges B's token for E's API. Real Tessera, real HTTP, every store.

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
const API_B = 'https://b.test';
const API_C = 'https://c.test';
const API_E = 'https://e.test';
const API_X = 'https://x.test';

/** Asserts an RFC 6749 section 5.2 error answer with exactly this code and description. */
function assertOAuthError(res: HttpResult, error: string, description: string): void {
  assert.equal(res.status, 400, res.text);
  assert.deepEqual(res.body, { error, error_description: description });
  assert.equal(res.headers.get('cache-control'), 'no-store');
}

describeEachDialect('token exchange (RFC 8693)', (dialect) => {
  let t: TestTessera;
  let clock: ManualClock;
  let a: ClientCredentials;
  let b: ClientCredentials;
  let c: ClientCredentials;
  let apiX: { id: string };

  before(async () => {
    clock = manualClock();
    t = await startTessera({ dialect, clock });
    const scopes = (...values: string[]) => values.map((value) => ({ value, description: '' }));
    const apiB = await createOk(t, '/apis', { identifier: API_B, scopes: scopes('read', 'write') });
    const apiC = await createOk(t, '/apis', { identifier: API_C, scopes: scopes('read', 'write') });
    const apiE = await createOk(t, '/apis', { identifier: API_E, scopes: scopes('read') });
    apiX = await createOk(t, '/apis', { identifier: API_X, scopes: scopes('read'), token_exchange: 'deny' });
    a = await createClient(t, { client_id: 'svc-a' });
    b = await createClient(t, { client_id: 'svc-b', grant_types: ['client_credentials', TOKEN_EXCHANGE] });
    c = await createClient(t, { client_id: 'svc-c', grant_types: ['client_credentials', TOKEN_EXCHANGE] });
    await createOk(t, '/grants', { client_id: 'svc-a', api_id: apiB.id, scopes: ['read', 'write'] });
    await createOk(t, '/grants', { client_id: 'svc-b', api_id: apiC.id, scopes: ['read', 'write'] });
    await createOk(t, '/grants', { client_id: 'svc-b', api_id: apiX.id, scopes: ['read'] });
    await createOk(t, '/grants', { client_id: 'svc-c', api_id: apiE.id, scopes: ['read'] });
  });
  after(() => t.close());

  const exchange = (as: ClientCredentials, subject: string, params: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    t.form(
      '/oauth2/token',
      { grant_type: TOKEN_EXCHANGE, subject_token: subject, subject_token_type: ACCESS_TOKEN, ...params },
      { authorization: basic(as.clientId, as.secret), ...headers },
    );
  const tokenOfA = () => issueToken(t, a, { audience: API_B });
  /** Verifies an issued token as a resource would: jose against the tenant's JWKS. */
  const verify = async (token: string, audience: string) => {
    const jwks = createLocalJWKSet(ok(await t.publicFetch('/.well-known/jwks.json')));
    return (await jwtVerify(token, jwks, { issuer: t.publicUrl, audience, typ: 'at+jwt', currentDate: new Date(clock.now()) })).payload;
  };

  it("B exchanges A's token for C's API: A's sub, B as client_id and actor, A's scopes, issued_token_type; jose verifies it", async () => {
    const subject = await tokenOfA();
    const res = await exchange(b, subject, { audience: API_C });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'issued_token_type', 'scope', 'token_type']);
    assert.deepEqual(
      { issued: res.body.issued_token_type, type: res.body.token_type, scope: res.body.scope, expires: res.body.expires_in },
      { issued: ACCESS_TOKEN, type: 'Bearer', scope: 'read write', expires: 3600 },
    );
    const payload = await verify(res.body.access_token, API_C);
    assert.deepEqual(
      { sub: payload.sub, client_id: payload.client_id, act: payload.act, scope: payload.scope, exp: payload.exp },
      { sub: 'svc-a', client_id: 'svc-b', act: { sub: 'svc-b', client_id: 'svc-b' }, scope: 'read write', exp: decodeJwt(subject).payload.exp },
    );
  });

  it("a chain of three: C exchanges B's exchanged token for E's API; act nests B inside C, rights only shrink, the log line names the chain", async () => {
    const fromB = (await exchange(b, await tokenOfA(), { audience: API_C })).body.access_token as string;
    const res = await exchange(c, fromB, { audience: API_E });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.scope, 'read', 'write is not allowed to C on E: dropped');
    const payload = await verify(res.body.access_token, API_E);
    assert.deepEqual(
      { sub: payload.sub, client_id: payload.client_id, act: payload.act },
      { sub: 'svc-a', client_id: 'svc-c', act: { sub: 'svc-c', client_id: 'svc-c', act: { sub: 'svc-b', client_id: 'svc-b' } } },
    );
    const line = t.logs.map((l) => JSON.parse(l)).findLast((l) => l.msg === 'request completed' && l.client_id === 'svc-c');
    assert.deepEqual({ subject: line?.subject_sub, actors: line?.actors }, { subject: 'svc-a', actors: ['svc-c', 'svc-b'] });
  });

  it('re-exchanging a delegated token keeps the delegation: never a token without act', async () => {
    const fromB = (await exchange(b, await tokenOfA(), { audience: API_C })).body.access_token as string;
    for (const [who, as] of [
      ['B again', b],
      ['C', c],
    ] as const) {
      const res = await exchange(as, fromB, as === b ? { audience: API_C } : { audience: API_E });
      assert.equal(res.status, 200, res.text);
      const { act } = decodeJwt(res.body.access_token).payload;
      assert.deepEqual(act.act, { sub: 'svc-b', client_id: 'svc-b' }, who);
      assert.equal(act.client_id, as.clientId, who);
    }
  });

  it('down-scoping: the requested scope must be held by the subject token and allowed to the acting client', async () => {
    const readOnly = await issueToken(t, a, { audience: API_B, scope: 'read' });
    const res = await exchange(b, readOnly, { audience: API_C, scope: 'read' });
    assert.equal(res.status, 200, res.text);
    assert.equal(decodeJwt(res.body.access_token).payload.scope, 'read');
    const unscoped = await exchange(b, readOnly, { audience: API_C });
    assert.equal(unscoped.body.scope, 'read', 'without scope: what the subject holds, not all B may get');
    assertOAuthError(await exchange(b, readOnly, { audience: API_C, scope: 'write' }), 'invalid_scope', 'The scope write is not held by the subject token.');
    const full = await tokenOfA();
    assertOAuthError(
      await exchange(c, full, { audience: API_E, scope: 'write' }),
      'invalid_scope',
      'The scope write is not allowed for this client and audience.',
    );
    assertOAuthError(await exchange(b, full, { audience: API_E }), 'invalid_target', 'The requested audience is not allowed for this client.');
  });

  it("never outlives the subject token: expires_in is what is left of the subject's exp", async () => {
    const subject = await tokenOfA();
    clock.advance(3000_000);
    const res = await exchange(b, subject, { audience: API_C });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.expires_in, 600);
    assert.equal(decodeJwt(res.body.access_token).payload.exp, decodeJwt(subject).payload.exp);
  });

  it('refuses revoked, expired and foreign-tenant subject tokens with invalid_request (RFC 8693 section 2.2.2)', async () => {
    const revoked = await tokenOfA();
    assert.equal((await revoke(t, a, revoked)).status, 200);
    assertOAuthError(await exchange(b, revoked, { audience: API_C }), 'invalid_request', 'The subject token is not valid.');

    const expired = await tokenOfA();
    clock.advance(3600_000);
    assertOAuthError(await exchange(b, expired, { audience: API_C }), 'invalid_request', 'The subject token is not valid.');

    assert.equal((await t.admin('POST', '/tenants', { id: 'acme' })).status, 201);
    const foreign = await createClient(t, { client_id: 'svc-a', audience: [API_B] }, 'acme');
    const foreignToken = await issueToken(t, foreign, { audience: API_B }, 'acme');
    assertOAuthError(await exchange(b, foreignToken, { audience: API_C }), 'invalid_request', 'The subject token is not valid.');
    assertOAuthError(await exchange(b, 'not-a-token', { audience: API_C }), 'invalid_request', 'The subject token is not valid.');
  });

  it('may_act admits only the actor it names, by client_id or sub', async () => {
    const base = decodeJwt(await tokenOfA()).payload;
    const byClient = await signWithTenantKey(t, { ...base, jti: 'may-act-1', may_act: { client_id: 'svc-b' } });
    assert.equal((await exchange(b, byClient, { audience: API_C })).status, 200);
    const bySub = await signWithTenantKey(t, { ...base, jti: 'may-act-2', may_act: { sub: 'svc-c' } });
    assert.equal((await exchange(c, bySub, { audience: API_E })).status, 200);
    const description = 'The subject token does not allow this client to act for its subject (may_act).';
    assertOAuthError(await exchange(c, byClient, { audience: API_E }), 'invalid_request', description);
    assertOAuthError(await exchange(b, bySub, { audience: API_C }), 'invalid_request', description);
  });

  it('an API with token_exchange deny never gets an exchanged token (invalid_target); client_credentials still can; allow again', async () => {
    assert.equal(ok(await t.admin('GET', `/apis/${apiX.id}`)).token_exchange, 'deny');
    assertOAuthError(await exchange(b, await tokenOfA(), { audience: API_X }), 'invalid_target', `The audience ${API_X} does not accept exchanged tokens.`);
    assert.equal(typeof (await issueToken(t, b, { audience: API_X })), 'string');
    assert.equal(ok(await t.admin('PATCH', `/apis/${apiX.id}`, { token_exchange: 'allow' })).token_exchange, 'allow');
    const res = await exchange(b, await tokenOfA(), { audience: API_X });
    assert.equal(res.status, 200, res.text);
    ok(await t.admin('PATCH', `/apis/${apiX.id}`, { token_exchange: 'deny' }));
  });

  it('a DPoP-bound subject token is exchanged only with a proof of the same key; the new token is bound to it', async () => {
    const tokenUrl = `${t.publicUrl}/oauth2/token`;
    const key: TestKey = await testKey('ES256');
    const other: TestKey = await testKey('ES256');
    const bound = await t.form(
      '/oauth2/token',
      { grant_type: 'client_credentials', audience: API_B },
      { authorization: basic(a.clientId, a.secret), dpop: await dpopProof(key, clock, { htu: tokenUrl }) },
    );
    assert.equal(bound.status, 200, bound.text);
    const subject = bound.body.access_token as string;
    assertOAuthError(await exchange(b, subject, { audience: API_C }), 'invalid_request', 'The subject token is not valid.');
    const otherProof = { dpop: await dpopProof(other, clock, { htu: tokenUrl }) };
    assertOAuthError(await exchange(b, subject, { audience: API_C }, otherProof), 'invalid_request', 'The subject token is not valid.');
    const res = await exchange(b, subject, { audience: API_C }, { dpop: await dpopProof(key, clock, { htu: tokenUrl }) });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.token_type, 'DPoP');
    assert.deepEqual(decodeJwt(res.body.access_token).payload.cnf, { jkt: await calculateJwkThumbprint(key.publicJwk, 'sha256') });
  });

  it('refuses a certificate-bound subject token without its certificate, and a chain longer than 8 actors', async () => {
    const base = decodeJwt(await tokenOfA()).payload;
    const certBound = await signWithTenantKey(t, { ...base, jti: 'cert-bound', cnf: { 'x5t#S256': 'bm90LXRoZS1jZXJ0aWZpY2F0ZQ' } });
    assertOAuthError(await exchange(b, certBound, { audience: API_C }), 'invalid_request', 'The subject token is not valid.');
    let act: Record<string, unknown> = { sub: 'svc-x', client_id: 'svc-x' };
    for (let i = 1; i < 8; i++) act = { sub: `svc-${i}`, client_id: `svc-${i}`, act };
    const eightActors = await signWithTenantKey(t, { ...base, jti: 'eight-actors', act });
    assertOAuthError(await exchange(b, eightActors, { audience: API_C }), 'invalid_request', 'The subject token is not valid.');
    const sevenActors = await signWithTenantKey(t, { ...base, jti: 'seven-actors', act: act.act });
    assert.equal((await exchange(b, sevenActors, { audience: API_C })).status, 200);
  });

  it('an actor_token must be a token of the requesting client', async () => {
    const subject = await tokenOfA();
    const ownToken = await issueToken(t, b, { audience: API_C });
    const res = await exchange(b, subject, { audience: API_C, actor_token: ownToken, actor_token_type: ACCESS_TOKEN });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(decodeJwt(res.body.access_token).payload.act, { sub: 'svc-b', client_id: 'svc-b' });
    const ofC = await issueToken(t, c, { audience: API_E });
    assertOAuthError(
      await exchange(b, subject, { audience: API_C, actor_token: ofC, actor_token_type: ACCESS_TOKEN }),
      'invalid_request',
      'The actor token must be a token of the requesting client.',
    );
    assertOAuthError(
      await exchange(b, subject, { audience: API_C, actor_token: ownToken }),
      'invalid_request',
      `The actor_token_type must be ${ACCESS_TOKEN}.`,
    );
    assertOAuthError(
      await exchange(b, subject, { audience: API_C, actor_token: 'x', actor_token_type: ACCESS_TOKEN }),
      'invalid_request',
      'The actor token is not valid.',
    );
  });

  it('refuses malformed requests with the RFC error codes', async () => {
    const subject = await tokenOfA();
    assertOAuthError(
      await exchange(b, subject, { requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }),
      'invalid_request',
      `The requested_token_type must be ${ACCESS_TOKEN}: only access tokens are issued.`,
    );
    assertOAuthError(
      await exchange(b, subject, { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }),
      'invalid_request',
      `The subject_token_type must be ${ACCESS_TOKEN} or urn:ietf:params:oauth:token-type:jwt.`,
    );
    const missing = await t.form('/oauth2/token', { grant_type: TOKEN_EXCHANGE, subject_token: subject }, { authorization: basic(b.clientId, b.secret) });
    assertOAuthError(missing, 'invalid_request', 'The subject_token and subject_token_type parameters are required.');
    assertOAuthError(await exchange(a, subject), 'unauthorized_client', `The client is not allowed to use the ${TOKEN_EXCHANGE} grant type.`);
  });

  it('introspection returns act and may_act; discovery lists the grant type', async () => {
    const fromB = (await exchange(b, await tokenOfA(), { audience: API_C })).body.access_token as string;
    const seen = ok(await introspect(t, c, fromB));
    assert.deepEqual(
      { active: seen.active, sub: seen.sub, client_id: seen.client_id, act: seen.act },
      {
        active: true,
        sub: 'svc-a',
        client_id: 'svc-b',
        act: { sub: 'svc-b', client_id: 'svc-b' },
      },
    );
    const withMayAct = await signWithTenantKey(t, { ...decodeJwt(fromB).payload, jti: 'introspect-may-act', may_act: { client_id: 'svc-c' } });
    assert.deepEqual(ok(await introspect(t, c, withMayAct)).may_act, { client_id: 'svc-c' });
    const metadata = ok(await t.publicFetch('/.well-known/oauth-authorization-server'));
    assert.ok(metadata.grant_types_supported.includes(TOKEN_EXCHANGE));
  });

  it('openid-client exchanges a token with its generic grant request', async () => {
    const config = await oidc.discovery(new URL(t.publicUrl), b.clientId, b.secret, oidc.ClientSecretBasic(b.secret), {
      execute: [oidc.allowInsecureRequests],
    });
    const response = await oidc.genericGrantRequest(config, TOKEN_EXCHANGE, {
      subject_token: await tokenOfA(),
      subject_token_type: ACCESS_TOKEN,
      audience: API_C,
      scope: 'read',
    });
    assert.deepEqual(
      { issued: response.issued_token_type, type: response.token_type, scope: response.scope },
      { issued: ACCESS_TOKEN, type: 'bearer', scope: 'read' },
    );
    assert.equal((await verify(response.access_token, API_C)).sub, 'svc-a');
  });

  it("a federated issuer's token as subject (type jwt) stands for the client its credential matches", async () => {
    const GITHUB = 'https://token.actions.githubusercontent.com';
    const GH_SUB = 'repo:acme/deploy:ref:refs/heads/main';
    const gh = await testKey('ES256', 'gh-1');
    await createClient(t, { client_id: 'deploy-job' });
    await createOk(t, '/grants', { client_id: 'deploy-job', api_identifier: API_B, scopes: ['read'] });
    await trust(t, 'default', [inlineIssuer('default', GITHUB, [gh])], { 'deploy-job': [{ issuer: GITHUB, subject: GH_SUB }] });
    const platform = await platformToken(gh, clock, { iss: GITHUB, sub: GH_SUB, aud: t.publicUrl });
    const res = await exchange(b, platform, { audience: API_C, subject_token_type: JWT });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual({ scope: res.body.scope, expires_in: res.body.expires_in }, { scope: 'read', expires_in: 600 });
    const payload = await verify(res.body.access_token, API_C);
    assert.deepEqual(
      { sub: payload.sub, client_id: payload.client_id, act: payload.act, federated: payload.federated },
      { sub: 'deploy-job', client_id: 'svc-b', act: { sub: 'svc-b', client_id: 'svc-b' }, federated: { iss: GITHUB, sub: GH_SUB } },
    );
    const stranger = await platformToken(gh, clock, { iss: GITHUB, sub: 'repo:acme/unknown:ref:refs/heads/main', aud: t.publicUrl });
    assertOAuthError(await exchange(b, stranger, { audience: API_C, subject_token_type: JWT }), 'invalid_request', 'The subject token is not valid.');
    assertOAuthError(await exchange(b, platform, { audience: API_C }), 'invalid_request', 'The subject token is not valid.');
  });

  it('a public client may not register the grant (422)', async () => {
    const res = await t.admin('POST', '/clients', { client_id: 'spa-1', client_type: 'spa', grant_types: [TOKEN_EXCHANGE] });
    assert.equal(res.status, 422, res.text);
    assert.deepEqual(res.body.errors, [{ pointer: '/grant_types', detail: 'a spa client is public and may not exchange tokens' }]);
  });
});
