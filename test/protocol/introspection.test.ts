import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { manualClock, ok, type ManualClock } from '../helpers/admin.js';
import { systemClock } from '../../src/lib/clock.js';
import { clientAssertion, JWT_BEARER } from '../helpers/assertions.js';
import { createClient, startWithTwinClients } from '../helpers/fixtures.js';
import { testKey } from '../helpers/keys.js';
import { introspect, issueToken, revoke, signWithTenantKey, type ClientCredentials } from '../helpers/tokens.js';
import { basic, decodeJwt, startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://orders.test/';
const INACTIVE = { active: false };
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };
const START = '2030-01-01T00:00:00.000Z';
const START_S = Date.parse(START) / 1000;

/** Asserts an exact introspection answer: 200, no-store, JSON, and the whole body. */
function assertIntrospection(res: HttpResult, body: unknown): void {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('pragma'), 'no-cache');
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(res.body, body);
}

/** The active answer for a token, from its own claims (each compared to the clock by the callers). */
function activeBody(token: string, extra: Record<string, unknown> = {}) {
  const { payload } = decodeJwt(token);
  return {
    active: true,
    ...(payload.scope !== undefined ? { scope: payload.scope } : {}),
    client_id: payload.client_id,
    sub: payload.sub,
    aud: payload.aud,
    iss: payload.iss,
    exp: payload.exp,
    iat: payload.iat,
    jti: payload.jti,
    token_type: 'Bearer',
    ...extra,
  };
}

describe('introspection (RFC 7662)', () => {
  let t: TestTessera;
  let clock: ManualClock;
  let job: ClientCredentials;
  /** A resource server: a client of the tenant that introspects tokens it did not get. */
  let api: ClientCredentials;

  before(async () => {
    clock = manualClock(START);
    t = await startTessera({ clock });
    job = await createClient(t, { client_id: 'orders-job', audience: [AUD], scope: 'orders:read orders:write' });
    api = await createClient(t, { client_id: 'orders-api', grant_types: [] });
  });
  after(() => t.close());

  it('answers an active token with exactly its claims, no-store, to the resource server and to the owner', async () => {
    const token = await issueToken(t, job, { scope: 'orders:read' });
    const nowS = Math.floor(clock.now() / 1000);
    const { payload } = decodeJwt(token);
    const expected = {
      active: true,
      scope: 'orders:read',
      client_id: 'orders-job',
      sub: 'orders-job',
      aud: AUD,
      iss: t.publicUrl,
      exp: nowS + 3600,
      iat: nowS,
      jti: payload.jti,
      token_type: 'Bearer',
    };
    assertIntrospection(await introspect(t, api, token), expected);
    assertIntrospection(await introspect(t, job, token), expected);
  });

  it('accepts client_secret_post, multipart and JSON bodies, and ignores token_type_hint whatever it says', async () => {
    const token = await issueToken(t, job);
    const expected = activeBody(token);
    assertIntrospection(await t.form('/oauth2/introspect', { token, client_id: api.clientId, client_secret: api.secret }), expected);
    const form = new FormData();
    form.append('token', token);
    form.append('client_id', api.clientId);
    form.append('client_secret', api.secret);
    assertIntrospection(await t.publicFetch('/oauth2/introspect', { method: 'POST', body: form }), expected);
    const json = await t.publicFetch('/oauth2/introspect', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(api.clientId, api.secret) },
      body: JSON.stringify({ token }),
    });
    assertIntrospection(json, expected);
    for (const hint of ['access_token', 'refresh_token', 'something_else']) {
      assertIntrospection(await introspect(t, api, token, { token_type_hint: hint }), expected);
    }
  });

  it('is inactive from the second of exp on, and active the millisecond before', async () => {
    const token = await issueToken(t, job);
    const { payload } = decodeJwt(token);
    clock.advance(payload.exp * 1000 - clock.now() - 1);
    assertIntrospection(await introspect(t, api, token), activeBody(token));
    clock.advance(1);
    assertIntrospection(await introspect(t, api, token), INACTIVE);
  });

  it('answers exactly {"active": false} for garbage, tampering, other issuers, other types and missing claims', async () => {
    const good = await issueToken(t, job);
    const [h, p, s] = good.split('.') as [string, string, string];
    const payload = decodeJwt(good).payload;
    const nowS = Math.floor(clock.now() / 1000);
    const claims = { iss: t.publicUrl, sub: 'orders-job', aud: AUD, iat: nowS, exp: nowS + 600, jti: 'forged-1', client_id: 'orders-job' };
    const otherScope = Buffer.from(JSON.stringify({ ...payload, scope: 'orders:admin' })).toString('base64url');
    const flipped = `${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${p}.`;
    const cases: Record<string, string> = {
      garbage: 'not-a-token',
      'three dots': 'a.b.c',
      'tampered signature': `${h}.${p}.${flipped}`,
      'tampered payload': `${h}.${otherScope}.${s}`,
      'alg none': unsigned,
      'wrong issuer, our key': await signWithTenantKey(t, { ...claims, iss: 'https://evil.test' }),
      'typ JWT, our key': await signWithTenantKey(t, claims, { typ: 'JWT' }),
      'no jti, our key': await signWithTenantKey(t, { ...claims, jti: undefined }),
      'no exp, our key': await signWithTenantKey(t, { ...claims, exp: undefined }),
      'not yet valid, our key': await signWithTenantKey(t, { ...claims, nbf: nowS + 60 }),
      'unknown kid': await signWithTenantKey(t, claims, { kid: 'no-such-key' }),
      'long garbage': 'A'.repeat(8192),
    };
    for (const [name, token] of Object.entries(cases)) {
      const res = await introspect(t, api, token);
      assert.equal(res.status, 200, `${name}: ${res.text}`);
      assert.deepEqual(res.body, INACTIVE, name);
      assert.equal(res.headers.get('cache-control'), 'no-store', name);
    }
    const tooLong = await introspect(t, api, 'A'.repeat(8193));
    assert.equal(tooLong.status, 400, 'a parameter over 8 KiB is refused before it is read');
    assert.deepEqual(tooLong.body, { error: 'invalid_request', error_description: 'The token parameter is too long (8192 characters at most).' });
    // The same claims, well signed, are active: the cases above fail for the reason they name.
    assertIntrospection(await introspect(t, api, await signWithTenantKey(t, claims)), {
      active: true,
      client_id: 'orders-job',
      sub: 'orders-job',
      aud: AUD,
      iss: t.publicUrl,
      exp: nowS + 600,
      iat: nowS,
      jti: 'forged-1',
      token_type: 'Bearer',
    });
  });

  it('returns cnf and token_type DPoP for a token bound by cnf.jkt (RFC 9449 §6)', async () => {
    const nowS = Math.floor(clock.now() / 1000);
    const cnf = { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' };
    const token = await signWithTenantKey(t, {
      iss: t.publicUrl,
      sub: 'orders-job',
      aud: AUD,
      iat: nowS,
      exp: nowS + 300,
      jti: 'dpop-bound-1',
      client_id: 'orders-job',
      scope: 'orders:read',
      cnf,
    });
    assertIntrospection(await introspect(t, api, token), {
      active: true,
      scope: 'orders:read',
      client_id: 'orders-job',
      sub: 'orders-job',
      aud: AUD,
      iss: t.publicUrl,
      exp: nowS + 300,
      iat: nowS,
      jti: 'dpop-bound-1',
      token_type: 'DPoP',
      cnf,
    });
  });

  it('is inactive once the token is revoked, leaving the client’s other tokens active', async () => {
    const revoked = await issueToken(t, job);
    const kept = await issueToken(t, job);
    assertIntrospection(await introspect(t, api, revoked), activeBody(revoked));
    const res = await revoke(t, job, revoked);
    assert.equal(res.status, 200, res.text);
    assertIntrospection(await introspect(t, api, revoked), INACTIVE);
    assertIntrospection(await introspect(t, api, kept), activeBody(kept));
  });

  it('is inactive for every token issued up to the cut-off of revoke-tokens, to the end of its second, and active after', async () => {
    const own = await createClient(t, { client_id: 'cutoff-job', audience: [AUD] });
    // Move to 250 ms into a second, so that tokens before and after the cut-off share that second.
    clock.advance(1000 - (clock.now() % 1000) + 250);
    const before = await issueToken(t, own);
    const other = await issueToken(t, job);
    clock.advance(250);
    const cut = ok(await t.admin('POST', '/clients/cutoff-job/revoke-tokens?reason=leaked'));
    assert.deepEqual(cut, { client_id: 'cutoff-job', cutoff_at: new Date(clock.now()).toISOString(), cutoff: Math.floor(clock.now() / 1000) });
    assertIntrospection(await introspect(t, api, before), INACTIVE);
    assertIntrospection(await introspect(t, api, other), activeBody(other));

    // Issued after the cut-off but in its second: iat equals the cut-off's second, so it is revoked too.
    clock.advance(499);
    const sameSecond = await issueToken(t, own);
    assert.equal(decodeJwt(sameSecond).payload.iat, cut.cutoff);
    assertIntrospection(await introspect(t, api, sameSecond), INACTIVE);

    clock.advance(1);
    const nextSecond = await issueToken(t, own);
    assert.equal(decodeJwt(nextSecond).payload.iat, cut.cutoff + 1);
    assertIntrospection(await introspect(t, api, nextSecond), activeBody(nextSecond));
  });

  it('checks a token it verified before again on every request: its client’s cut-off, its revocation and its exp', async () => {
    const own = await createClient(t, { client_id: 'remembered-job', audience: [AUD] });
    const cutOff = await issueToken(t, own);
    const revoked = await issueToken(t, job);
    const expiring = await issueToken(t, job);
    for (const token of [cutOff, revoked, expiring, cutOff, revoked, expiring]) assertIntrospection(await introspect(t, api, token), activeBody(token));
    clock.advance(1000);
    ok(await t.admin('POST', '/clients/remembered-job/revoke-tokens?reason=leaked'));
    assertIntrospection(await introspect(t, api, cutOff), INACTIVE);
    assert.equal((await revoke(t, job, revoked)).status, 200);
    assertIntrospection(await introspect(t, api, revoked), INACTIVE);
    assertIntrospection(await introspect(t, api, expiring), activeBody(expiring));
    clock.advance(decodeJwt(expiring).payload.exp * 1000 - clock.now());
    assertIntrospection(await introspect(t, api, expiring), INACTIVE);
  });

  it('catches a token issued in the very millisecond of a cut-off that falls on a whole second', async () => {
    const own = await createClient(t, { client_id: 'whole-second-job', audience: [AUD] });
    clock.advance(1000 - (clock.now() % 1000));
    const sameInstant = await issueToken(t, own);
    const cut = ok(await t.admin('POST', '/clients/whole-second-job/revoke-tokens'));
    assert.equal(cut.cutoff_at, new Date(cut.cutoff * 1000).toISOString(), 'the cut-off is on a whole second');
    assert.equal(decodeJwt(sameInstant).payload.iat, cut.cutoff);
    assertIntrospection(await introspect(t, api, sameInstant), INACTIVE);
  });

  it('keeps a token signed by a retired key active while the key is published, then inactive at its exp', async () => {
    const token = await issueToken(t, job);
    const oldKid = decodeJwt(token).header.kid;
    const rotated = await t.admin('POST', '/keys/rotate?reason=drill');
    assert.equal(rotated.status, 201, rotated.text);
    assert.notEqual(rotated.body.kid, oldKid);
    const jwks = ok(await t.publicFetch('/.well-known/jwks.json'));
    assert.ok(
      jwks.keys.some((k: any) => k.kid === oldKid),
      'the retired key is still published',
    );
    assertIntrospection(await introspect(t, api, token), activeBody(token));
    const fresh = await issueToken(t, job);
    assert.equal(decodeJwt(fresh).header.kid, rotated.body.kid);
    assertIntrospection(await introspect(t, api, fresh), activeBody(fresh));

    clock.advance(decodeJwt(token).payload.exp * 1000 - clock.now());
    assertIntrospection(await introspect(t, api, token), INACTIVE);
  });

  it('refuses unauthenticated callers with the token endpoint’s invalid_client', async () => {
    const token = await issueToken(t, job);
    const disabled = await createClient(t, { client_id: 'disabled-rs' });
    ok(await t.admin('PATCH', '/clients/disabled-rs', { active: false }));
    for (const authorization of [basic('orders-api', 'wrong-secret'), basic('no-such-client', 'x'), basic(disabled.clientId, disabled.secret), 'Basic !!!']) {
      const res = await t.form('/oauth2/introspect', { token }, { authorization });
      assert.equal(res.status, 401, res.text);
      assert.deepEqual(res.body, INVALID_CLIENT);
      assert.equal(res.headers.get('www-authenticate'), `Basic realm="${t.publicUrl}"`);
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
    const attempts: Record<string, string>[] = [{ token }, { token, client_id: 'orders-api' }, { token, client_id: 'orders-api', client_secret: 'wrong' }];
    for (const params of attempts) {
      const res = await t.form('/oauth2/introspect', params);
      assert.equal(res.status, 401, res.text);
      assert.deepEqual(res.body, INVALID_CLIENT);
      assert.equal(res.headers.get('www-authenticate'), null, 'no Basic challenge when Basic was not used');
    }
    const both = await t.form(
      '/oauth2/introspect',
      { token, client_id: api.clientId, client_secret: api.secret },
      { authorization: basic(api.clientId, api.secret) },
    );
    assert.equal(both.status, 400);
    assert.deepEqual(both.body, { error: 'invalid_request', error_description: 'Use exactly one client authentication method.' });
  });

  it('refuses a missing or repeated token, parameters in the query string, other methods and media types', async () => {
    const token = await issueToken(t, job);
    const auth = { authorization: basic(api.clientId, api.secret) };
    const missing = await t.form('/oauth2/introspect', {}, auth);
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { error: 'invalid_request', error_description: 'The token parameter is required.' });
    assert.equal(missing.headers.get('cache-control'), 'no-store');
    const empty = await t.form('/oauth2/introspect', { token: '' }, auth);
    assert.deepEqual(empty.body, { error: 'invalid_request', error_description: 'The token parameter is required.' });
    const twice = await t.form('/oauth2/introspect', { token: [token, token] }, auth);
    assert.equal(twice.status, 400);
    assert.deepEqual(twice.body, { error: 'invalid_request', error_description: 'The token parameter was given more than once.' });
    const query = await t.publicFetch(`/oauth2/introspect?token=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth },
      body: `token=${token}`,
    });
    assert.equal(query.status, 400);
    assert.deepEqual(query.body, { error: 'invalid_request', error_description: 'Send parameters in the request body, not in the query string.' });
    const get = await t.publicFetch('/oauth2/introspect');
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const text = await t.publicFetch('/oauth2/introspect', { method: 'POST', headers: { 'content-type': 'text/plain', ...auth }, body: `token=${token}` });
    assert.equal(text.status, 415);
    assert.equal(text.body.error, 'invalid_request');
  });
});

describe('introspection: tenant isolation', () => {
  let t: TestTessera;
  let dflt: ClientCredentials;
  let acme: ClientCredentials;

  before(async () => {
    ({ t, dflt, acme } = await startWithTwinClients(START, AUD));
  });
  after(() => t.close());

  it("is inactive for another tenant's token, even for a client of the same id", async () => {
    const dfltToken = await issueToken(t, dflt);
    const acmeToken = await issueToken(t, acme, {}, 'acme');
    assertIntrospection(await introspect(t, acme, dfltToken, {}, 'acme'), INACTIVE);
    assertIntrospection(await introspect(t, dflt, acmeToken), INACTIVE);
    const acmeActive = activeBody(acmeToken);
    assert.equal(acmeActive.iss, `${t.publicUrl}/t/acme`);
    assert.equal(acmeActive.iat, START_S);
    assertIntrospection(await introspect(t, acme, acmeToken, {}, 'acme'), acmeActive);
    assertIntrospection(await introspect(t, dflt, dfltToken), activeBody(dfltToken));
  });

  it("refuses a client of acme at the default issuer with the unknown client's invalid_client", async () => {
    const dfltToken = await issueToken(t, dflt);
    const res = await introspect(t, acme, dfltToken);
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, INVALID_CLIENT);
    const unknown = await introspect(t, { clientId: 'nobody', secret: 'x' }, dfltToken, {}, 'other');
    assert.equal(unknown.status, 404, 'no tenant "other" here');
  });
});

describe('discovery advertises introspection and revocation', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera();
    assert.equal((await t.admin('POST', '/tenants', { id: 'acme' })).status, 201);
  });
  after(() => t.close());

  it('advertises exactly what is supported, per issuer: endpoints, auth methods, algorithms, DPoP, mutual TLS', async () => {
    const methods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'];
    const algs = ['RS256', 'PS256', 'ES256', 'EdDSA'];
    for (const [path, issuer] of [
      ['/.well-known/openid-configuration', t.publicUrl],
      ['/.well-known/oauth-authorization-server', t.publicUrl],
      ['/t/acme/.well-known/openid-configuration', `${t.publicUrl}/t/acme`],
      ['/.well-known/oauth-authorization-server/t/acme', `${t.publicUrl}/t/acme`],
    ] as const) {
      const doc = ok(await t.publicFetch(path));
      assert.deepEqual(
        doc,
        {
          issuer,
          token_endpoint: `${issuer}/oauth2/token`,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          grant_types_supported: ['client_credentials', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'urn:ietf:params:oauth:grant-type:token-exchange'],
          token_endpoint_auth_methods_supported: methods,
          introspection_endpoint: `${issuer}/oauth2/introspect`,
          introspection_endpoint_auth_methods_supported: methods,
          revocation_endpoint: `${issuer}/oauth2/revoke`,
          revocation_endpoint_auth_methods_supported: methods,
          token_endpoint_auth_signing_alg_values_supported: algs,
          client_assertion_types_supported: [
            'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe',
          ],
          introspection_endpoint_auth_signing_alg_values_supported: algs,
          revocation_endpoint_auth_signing_alg_values_supported: algs,
          response_types_supported: [],
          scopes_supported: [],
          access_token_signing_alg_values_supported: ['RS256'],
          dpop_signing_alg_values_supported: algs,
          tls_client_certificate_bound_access_tokens: true,
        },
        path,
      );
    }
  });
});

describe('introspection and revocation with private_key_jwt client authentication', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera();
  });
  after(() => t.close());

  it('accepts a resource server authenticating with a signed assertion, and refuses a replayed one', async () => {
    const key = await testKey('ES256');
    const rs = await t.admin('POST', '/clients', {
      client_id: 'resource-server',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
      grant_types: [],
    });
    assert.equal(rs.status, 201, rs.text);
    const caller = await createClient(t, { audience: ['https://api.test'] });
    const token = await issueToken(t, { clientId: caller.clientId, secret: caller.secret });
    const assertion = await clientAssertion(key, systemClock, { clientId: 'resource-server', audience: t.publicUrl });
    const body = { token, client_assertion_type: JWT_BEARER, client_assertion: assertion };
    const first = await t.form('/oauth2/introspect', body);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.active, true);
    assert.equal(first.body.client_id, caller.clientId);
    const replay = await t.form('/oauth2/introspect', body);
    assert.equal(replay.status, 401);
    assert.deepEqual(replay.body, { error: 'invalid_client', error_description: 'Client authentication failed.' });
  });
});
