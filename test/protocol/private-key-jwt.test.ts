import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { manualClock, ok, type ManualClock } from '../helpers/admin.js';
import { clientAssertion, JWT_BEARER, unsecuredJwt, type AssertionClaims } from '../helpers/assertions.js';
import { createClient } from '../helpers/fixtures.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { testKey, type TestAlg, type TestKey } from '../helpers/keys.js';
import { assertInvalidClient, assertionTokenRequest, INVALID_CLIENT, registerJwksUriClient } from '../helpers/private-key-jwt.js';
import { basic, decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';
import { countingVerifier } from '../helpers/jwt-verifier.js';
import { assertTokenFor } from '../helpers/tokens.js';

const AUD = 'https://orders.test';
const ALGS: TestAlg[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

describe('token endpoint: private_key_jwt (RFC 7523) with inline jwks', () => {
  let t: TestTessera;
  let clock: ManualClock;
  const keys = {} as Record<TestAlg, TestKey>;
  let stranger: TestKey;
  const clientId = 'signing-job';

  before(async () => {
    clock = manualClock();
    t = await startTessera({ clock });
    for (const alg of ALGS) keys[alg] = await testKey(alg, `key-${alg}`);
    stranger = await testKey('ES256', 'key-ES256');
    await createClient(t, {
      client_id: clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: ALGS.map((alg) => keys[alg].publicJwk) },
      audience: [AUD],
      scope: 'orders:read',
    });
  });
  after(() => t.close());

  const sign = (key: TestKey, claims: AssertionClaims = {}, header: Record<string, unknown> = {}) =>
    clientAssertion(key, clock, { clientId, audience: t.publicUrl, claims, header });
  const token = (assertion: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    t.form('/oauth2/token', { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion, ...extra }, headers);

  for (const alg of ALGS) {
    it(`issues a token for an assertion signed with ${alg}`, async () => {
      const res = await token(await sign(keys[alg]));
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
      assert.equal(res.body.token_type, 'Bearer');
      assert.equal(res.body.scope, 'orders:read');
      const { payload } = decodeJwt(res.body.access_token);
      assert.equal(payload.sub, clientId);
      assert.equal(payload.client_id, clientId);
      assert.equal(payload.aud, AUD);
    });
  }

  it('finds the key without a kid, by key type', async () => {
    const noKid = await new SignJWT({ iss: clientId, sub: clientId, aud: t.publicUrl, exp: Math.floor(clock.now() / 1000) + 60, jti: 'no-kid-1' })
      .setProtectedHeader({ alg: 'PS256' })
      .sign(keys.PS256.privateKey);
    assertTokenFor(await token(noKid), clientId);
  });

  it('accepts aud = the issuer, the token endpoint URL (both paths), or an array holding one; and a matching client_id', async () => {
    for (const audience of [t.publicUrl, `${t.publicUrl}/oauth2/token`, `${t.publicUrl}/oauth/token`, ['https://other.test', t.publicUrl]]) {
      assertTokenFor(await token(await sign(keys.ES256, { aud: audience })), clientId, { what: JSON.stringify(audience) });
    }
    assertTokenFor(await token(await sign(keys.ES256), { client_id: clientId }), clientId);
    assertTokenFor(
      await t.form('/oauth/token', { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: await sign(keys.RS256) }),
      clientId,
    );
  });

  it('refuses wrong iss, sub, aud and a client_id that differs from the assertion', async () => {
    const cases: [string, Promise<string>, Record<string, string>?][] = [
      ['iss of another client', sign(keys.ES256, { iss: 'someone-else' })],
      ['iss missing', sign(keys.ES256, { iss: undefined })],
      ['sub differs from iss', sign(keys.ES256, { sub: 'someone-else' })],
      ['sub missing', sign(keys.ES256, { sub: undefined })],
      ['aud of another server', sign(keys.ES256, { aud: 'https://elsewhere.test' })],
      ['aud of a sibling tenant', sign(keys.ES256, { aud: `${t.publicUrl}/t/other` })],
      ['aud missing', sign(keys.ES256, { aud: undefined })],
      ['client_id differs', sign(keys.ES256), { client_id: 'someone-else' }],
    ];
    for (const [why, assertion, extra] of cases) assertInvalidClient(await token(await assertion, extra), why);
  });

  it('refuses expired assertions, exp missing or more than 5 minutes ahead, nbf and iat in the future', async () => {
    const now = Math.floor(clock.now() / 1000);
    const cases: [string, AssertionClaims][] = [
      ['expired', { exp: now - 10 }],
      ['exp missing', { exp: undefined }],
      ['exp 6 minutes ahead', { exp: now + 360 }],
      ['nbf in a minute', { nbf: now + 60 }],
      ['iat in a minute', { iat: now + 60 }],
      ['exp not a number', { exp: 'tomorrow' }],
    ];
    for (const [why, claims] of cases) assertInvalidClient(await token(await sign(keys.RS256, claims)), why);
    assertTokenFor(await token(await sign(keys.RS256, { exp: now + 300 })), clientId, { what: 'exactly 5 minutes ahead is fine' });
    assertTokenFor(await token(await sign(keys.RS256, { exp: now - 2, iat: now + 2 })), clientId, { what: 'a few seconds of skew are tolerated' });
  });

  it('requires a jti and accepts it once only', async () => {
    assertInvalidClient(await token(await sign(keys.EdDSA, { jti: undefined })), 'jti missing');
    assertInvalidClient(await token(await sign(keys.EdDSA, { jti: '' })), 'jti empty');
    assertInvalidClient(await token(await sign(keys.EdDSA, { jti: 'x'.repeat(256) })), 'jti too long');
    const once = await sign(keys.EdDSA, { jti: 'single-use-1' });
    assertTokenFor(await token(once), clientId);
    assertInvalidClient(await token(once), 'the same assertion again');
    assertInvalidClient(await token(await sign(keys.ES256, { jti: 'single-use-1' })), 'a new assertion reusing the jti');
    assert.ok(
      t.logs.some((l) => l.includes('replayed (jti \\"single-use-1\\")')),
      'the private detail is logged',
    );
  });

  it('accepts an assertion sent many times at once exactly once (its inserts share one commit)', async () => {
    const once = await sign(keys.ES256, { jti: 'single-use-at-once' });
    const answers = await Promise.all(Array.from({ length: 8 }, () => token(once)));
    assert.equal(answers.filter((res) => res.status === 200).length, 1, answers.map((res) => res.status).join(' '));
    for (const res of answers.filter((r) => r.status !== 200)) assertInvalidClient(res, 'a concurrent replay');
  });

  it('refuses a key the client did not register, an unknown kid, alg none, HS256 and a wrong alg header', async () => {
    const hmacSecret = new TextEncoder().encode('a shared secret the server does not have');
    const hs256 = await new SignJWT({ iss: clientId, sub: clientId, aud: t.publicUrl, exp: Math.floor(clock.now() / 1000) + 60, jti: 'hs-1' })
      .setProtectedHeader({ alg: 'HS256', kid: 'key-ES256' })
      .sign(hmacSecret);
    const cases: [string, string][] = [
      ['signed by an unregistered key with a registered kid', await sign(stranger)],
      ['unknown kid', await sign(keys.ES256, {}, { kid: 'no-such-key' })],
      ['alg none', unsecuredJwt({ iss: clientId, sub: clientId, aud: t.publicUrl, exp: Math.floor(clock.now() / 1000) + 60, jti: 'none-1' })],
      ['HS256', hs256],
      ['not a JWT', 'not.a.jwt'],
      ['empty segments', '..'],
    ];
    for (const [why, assertion] of cases) assertInvalidClient(await token(assertion), why);
  });

  it('refuses a wrong or missing assertion type, and an assertion type without assertion', async () => {
    const good = await sign(keys.ES256);
    const wrongType = await t.form('/oauth2/token', {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer',
      client_assertion: good,
    });
    assertInvalidClient(wrongType, 'saml2-bearer');
    assertInvalidClient(await t.form('/oauth2/token', { grant_type: 'client_credentials', client_assertion: good }), 'no type');
    assertInvalidClient(await t.form('/oauth2/token', { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER }), 'no assertion');
    assertTokenFor(await token(good), clientId, { what: 'the refused requests did not use up the assertion' });
  });

  it('refuses a secret for a private_key_jwt client, and an assertion for a secret client', async () => {
    assertInvalidClient(await t.form('/oauth2/token', { grant_type: 'client_credentials', client_id: clientId, client_secret: 'guess' }), 'client_secret_post');
    const viaBasic = await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(clientId, 'guess') });
    assert.equal(viaBasic.status, 401);
    assert.deepEqual(viaBasic.body, INVALID_CLIENT);
    const secretClient = await createClient(t, { client_id: 'secret-holder', audience: [AUD] });
    const asserted = await clientAssertion(keys.ES256, clock, { clientId: secretClient.clientId, audience: t.publicUrl });
    assertInvalidClient(await token(asserted), 'a secret client has no keys');
  });

  it('refuses two methods at once with invalid_request, and a disabled client with invalid_client', async () => {
    const both = await token(await sign(keys.ES256), {}, { authorization: basic(clientId, 'x') });
    assert.equal(both.status, 400);
    assert.deepEqual(both.body, { error: 'invalid_request', error_description: 'Use exactly one client authentication method.' });
    await createClient(t, {
      client_id: 'paused-signer',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [keys.ES256.publicJwk] },
      audience: [AUD],
    });
    assert.equal((await t.admin('PATCH', '/clients/paused-signer', { active: false })).status, 200);
    assertInvalidClient(await token(await clientAssertion(keys.ES256, clock, { clientId: 'paused-signer', audience: t.publicUrl })), 'disabled');
  });

  it('records each jti in client_assertion_jtis until the assertion expires, then purges it', async () => {
    const now = Math.floor(clock.now() / 1000);
    assertTokenFor(await token(await sign(keys.RS256, { jti: 'purge-me', exp: now + 120 })), clientId);
    const db = new Database(join(t.dataDir, 'tessera.db'), { readonly: true });
    try {
      const row = () => db.prepare("select * from client_assertion_jtis where jti = 'purge-me'").get();
      assert.deepEqual(row(), { tenant_id: 'default', client_id: clientId, jti: 'purge-me', expires_at: new Date((now + 125) * 1000).toISOString() });
      assert.equal(await t.server.deps.clientAuth.jtis.purgeExpired(), 0);
      clock.advance(126_000);
      assert.ok((await t.server.deps.clientAuth.jtis.purgeExpired()) >= 1);
      assert.equal(row(), undefined);
    } finally {
      db.close();
    }
  });

  it('advertises private_key_jwt and its algorithms in discovery', async () => {
    const meta = ok(await t.publicFetch('/.well-known/oauth-authorization-server'));
    assert.deepEqual(meta.token_endpoint_auth_methods_supported, [
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
      'tls_client_auth',
      'self_signed_tls_client_auth',
    ]);
    assert.deepEqual(meta.token_endpoint_auth_signing_alg_values_supported, ['RS256', 'PS256', 'ES256', 'EdDSA']);
  });
});

describe('token endpoint: private_key_jwt replay across processes', () => {
  it('refuses in a second Tessera on the same database an assertion the first accepted', async () => {
    const clock = manualClock();
    const env = { TESSERA_PUBLIC_URL: 'https://auth.shared.test' };
    const first = await startTessera({ clock, env, keepData: true });
    let second: TestTessera | undefined;
    try {
      const key = await testKey('ES256', 'shared');
      await createClient(first, {
        client_id: 'shared-signer',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [key.publicJwk] },
        audience: [AUD],
      });
      second = await startTessera({ clock, env, dataDir: first.dataDir });
      const assertion = await clientAssertion(key, clock, { clientId: 'shared-signer', audience: 'https://auth.shared.test' });
      const params = { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion };
      assertTokenFor(await first.form('/oauth2/token', params), 'shared-signer');
      assertInvalidClient(await second.form('/oauth2/token', params), 'replayed in another process');
    } finally {
      await second?.close();
      await first.close();
    }
  });
});

describe('token endpoint: private_key_jwt with jwks_uri', () => {
  let t: TestTessera;
  let clock: ManualClock;
  let keyServer: JwksServer;
  let k1: TestKey;
  let k2: TestKey;
  let k3: TestKey;

  before(async () => {
    clock = manualClock();
    // The key server listens on 127.0.0.1: outbound fetches go there only when it is allowed.
    t = await startTessera({ clock, env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1' } });
    keyServer = await startJwksServer();
    [k1, k2, k3] = [await testKey('RS256', 'k1'), await testKey('ES256', 'k2'), await testKey('EdDSA', 'k3')];
  });
  after(async () => {
    await t.close();
    await keyServer.close();
  });

  const request = (clientId: string, key: TestKey) => assertionTokenRequest(t, clock, clientId, key);
  const register = (clientId: string, path: string) => registerJwksUriClient(t, clientId, `${keyServer.base}${path}`);

  it('fetches on first use, caches, refetches once on an unknown kid (at most every 10 s) and after 5 minutes', async () => {
    const path = '/rotating/jwks.json';
    const fetches = () => keyServer.hits.get(path) ?? 0;
    keyServer.route(path, { keys: [k1.publicJwk] });
    await register('rotating', path);
    assert.equal(fetches(), 0, 'registration fetches nothing');

    assertTokenFor(await request('rotating', k1), 'rotating');
    assert.equal(fetches(), 1);
    assertTokenFor(await request('rotating', k1), 'rotating');
    assert.equal(fetches(), 1, 'served from the cache');

    // The client rotates to k2; within 10 s of the last fetch an unknown kid does not refetch.
    keyServer.route(path, { keys: [k2.publicJwk] });
    assertInvalidClient(await request('rotating', k2), 'unknown kid inside the refetch interval');
    assert.equal(fetches(), 1);
    clock.advance(10_000);
    assertTokenFor(await request('rotating', k2), 'rotating', { what: 'the unknown kid triggered one refetch' });
    assert.equal(fetches(), 2);
    assertInvalidClient(await request('rotating', k1), 'the rotated-out key');
    assertInvalidClient(await request('rotating', k3), 'a kid the server never published');
    assert.equal(fetches(), 2, 'no refetch within 10 s however many unknown kids arrive');
    clock.advance(11_000);
    assertInvalidClient(await request('rotating', k3), 'still unknown after one refetch');
    assert.equal(fetches(), 3);

    clock.advance(5 * 60_000);
    assertTokenFor(await request('rotating', k2), 'rotating');
    assert.equal(fetches(), 4, 'cached keys expire after 5 minutes');
  });

  it('refuses when the jwks_uri fails: HTTP error, not a JWK Set, only private keys, over 256 KiB, redirect', async () => {
    keyServer.route('/error', (_req, res) => res.writeHead(500).end());
    keyServer.route('/not-jwks', { hello: 'world' });
    keyServer.route('/private', { keys: [k1.privateJwk] });
    keyServer.route('/huge', { keys: [k1.publicJwk], padding: 'x'.repeat(300 * 1024) });
    keyServer.route('/chunked-huge', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"keys":[${JSON.stringify(k1.publicJwk)}],"padding":"`);
      for (let i = 0; i < 300; i++) res.write('y'.repeat(1024));
      res.end('"}');
    });
    keyServer.route('/redirect', (_req, res) => res.writeHead(302, { location: '/not-jwks' }).end());
    const cases: [string, string][] = [
      ['/error', 'answered HTTP 500'],
      ['/not-jwks', 'the document is not a JWK Set'],
      ['/private', 'the JWK Set holds no usable public signing key'],
      ['/huge', 'body over 256 KiB'],
      ['/chunked-huge', 'body over 256 KiB'],
      ['/redirect', 'redirect not followed (HTTP 302)'],
    ];
    for (const [path, detail] of cases) {
      const id = `broken${path.replace(/\W/g, '-')}`;
      await register(id, path);
      assertInvalidClient(await request(id, k1), path);
      assert.ok(
        t.logs.some((l) => l.includes(`keys of client ${id} unavailable`) && l.includes(detail)),
        `${path}: log says ${detail}`,
      );
    }
  });

  it('remembers a failed fetch for 10 s instead of asking again on every request', async () => {
    const path = '/flaky';
    keyServer.route(path, (_req, res) => res.writeHead(503).end());
    await register('flaky', path);
    assertInvalidClient(await request('flaky', k1), 'first failure');
    assertInvalidClient(await request('flaky', k1), 'second request');
    assert.equal(keyServer.hits.get(path), 1);
    keyServer.route(path, { keys: [k1.publicJwk] });
    clock.advance(10_000);
    assertTokenFor(await request('flaky', k1), 'flaky', { what: 'the key server is back' });
    assert.equal(keyServer.hits.get(path), 2);
  });
});

describe('token endpoint: private_key_jwt imports a registered key once', () => {
  it('verifies every assertion but imports the key once, and a replaced key set anew', async () => {
    const clock = manualClock();
    const verifier = countingVerifier();
    const t = await startTessera({ clock, jwtVerifier: verifier });
    try {
      const [first, second] = [await testKey('ES256', 'first'), await testKey('ES256', 'second')];
      await createClient(t, { client_id: 'importer', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [first.publicJwk] }, audience: [AUD] });
      const token = async (key: TestKey) =>
        t.form('/oauth2/token', {
          grant_type: 'client_credentials',
          client_assertion_type: JWT_BEARER,
          client_assertion: await clientAssertion(key, clock, { clientId: 'importer', audience: t.publicUrl }),
        });
      for (let i = 0; i < 3; i++) assertTokenFor(await token(first), 'importer');
      assert.equal(verifier.verified.length, 3, 'each assertion is verified');
      assert.equal(verifier.imported.length, 1, 'the key is imported once');
      ok(await t.admin('PATCH', '/clients/importer', { jwks: { keys: [second.publicJwk] } }));
      assertInvalidClient(await token(first), 'the replaced key no longer works');
      assertTokenFor(await token(second), 'importer');
      assert.equal(verifier.imported.length, 2, 'the new key is imported');
    } finally {
      await t.close();
    }
  });
});
