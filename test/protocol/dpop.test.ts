import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint, createRemoteJWKSet, jwtVerify } from 'jose';
import { buildPublicApp } from '../../src/http/public/app.js';
import { manualClock, ok, type ManualClock } from '../helpers/admin.js';
import { clientAssertion, dpopProof, JWT_BEARER } from '../helpers/assertions.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { testKey, type TestAlg, type TestKey } from '../helpers/keys.js';
import { basic, startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';
import { assertTokenFor } from '../helpers/tokens.js';

/** The RFC 7638 thumbprint of a proof key: the `cnf.jkt` of the tokens bound to it (RFC 9449 §6.1). */
const thumbprint = (k: TestKey) => calculateJwkThumbprint(k.publicJwk, 'sha256');

const AUD = 'https://orders.test';
const ALGS: TestAlg[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const CC = { grant_type: 'client_credentials' };

/** Asserts a 400 invalid_dpop_proof with exactly this description (RFC 9449 §5). */
function assertInvalidProof(res: HttpResult, description: string): void {
  assert.equal(res.status, 400, res.text);
  assert.deepEqual(res.body, { error: 'invalid_dpop_proof', error_description: description });
  assert.equal(res.headers.get('cache-control'), 'no-store');
}

/** POSTs a token request with the DPoP header given as separate header lines (node:http, not fetch, which joins them). */
function postWithHeaders(url: string, body: string, headers: Record<string, string | string[]>): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers: h, text, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('token endpoint: DPoP (RFC 9449)', () => {
  let t: TestTessera;
  let clock: ManualClock;
  let client: { clientId: string; secret: string };
  let key: TestKey;
  /** cnf.jkt of the tokens bound to `key`. */
  let keyJkt: string;
  let tokenUrl: string;

  before(async () => {
    clock = manualClock();
    t = await startTessera({ clock });
    tokenUrl = `${t.publicUrl}/oauth2/token`;
    client = await createClient(t, { client_id: 'dpop-client', audience: [AUD], scope: 'orders:read' });
    key = await testKey('ES256');
    keyJkt = await thumbprint(key);
  });
  after(() => t.close());

  const auth = () => ({ authorization: basic(client.clientId, client.secret) });
  const withProof = (proof: string, path = '/oauth2/token', headers: Record<string, string> = auth()) => t.form(path, CC, { ...headers, dpop: proof });
  const proof = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, k: TestKey = key) =>
    dpopProof(k, clock, { htu: tokenUrl, claims, header });

  for (const alg of ALGS) {
    it(`binds the token to a ${alg} proof key: token_type DPoP and cnf.jkt = the key's RFC 7638 thumbprint`, async () => {
      const prover = await testKey(alg);
      const res = await withProof(await proof({}, {}, prover));
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
      assert.equal(res.body.token_type, 'DPoP');
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const jwks = createRemoteJWKSet(new URL(`${t.publicUrl}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(res.body.access_token, jwks, {
        issuer: t.publicUrl,
        audience: AUD,
        typ: 'at+jwt',
        currentDate: new Date(clock.now()),
      });
      assert.deepEqual(payload.cnf, { jkt: await calculateJwkThumbprint(prover.publicJwk, 'sha256') });
    });
  }

  it('issues a Bearer token without cnf when no proof is sent', async () => {
    assertTokenFor(await t.form('/oauth2/token', CC, auth()), client.clientId);
  });

  it('compares htu with the URL the request was made to, ignoring query and fragment', async () => {
    assertTokenFor(await withProof(await dpopProof(key, clock, { htu: `${t.publicUrl}/oauth/token` }), '/oauth/token'), client.clientId, {
      jkt: keyJkt,
      what: 'the alias path',
    });
    assertTokenFor(await withProof(await dpopProof(key, clock, { htu: `${tokenUrl}?x=1#frag` })), client.clientId, { jkt: keyJkt });
    assert.equal((await t.admin('POST', '/tenants', { id: 'dpop-tenant' })).status, 201);
    const tc = await createClient(t, { audience: [AUD] }, 'dpop-tenant');
    const issuer = `${t.publicUrl}/t/dpop-tenant`;
    const tenantAuth = { authorization: basic(tc.clientId, tc.secret) };
    assertTokenFor(await withProof(await dpopProof(key, clock, { htu: `${issuer}/oauth2/token` }), '/t/dpop-tenant/oauth2/token', tenantAuth), tc.clientId, {
      jkt: keyJkt,
    });
    assertInvalidProof(await withProof(await proof(), '/t/dpop-tenant/oauth2/token', tenantAuth), 'The DPoP proof htu does not match the request URL.');
  });

  it('refuses a wrong htm or htu', async () => {
    assertInvalidProof(await withProof(await proof({ htm: 'GET' })), 'The DPoP proof htm does not match the request method.');
    assertInvalidProof(await withProof(await proof({ htm: undefined })), 'The DPoP proof htm does not match the request method.');
    for (const htu of [`${t.publicUrl}/oauth/token`, 'https://elsewhere.test/oauth2/token', `${tokenUrl}/`, 'not a url', undefined]) {
      assertInvalidProof(await withProof(await proof({ htu })), 'The DPoP proof htu does not match the request URL.');
    }
  });

  it('accepts iat within 60 s past and 5 s ahead, and refuses older, newer or missing', async () => {
    const now = Math.floor(clock.now() / 1000);
    assertTokenFor(await withProof(await proof({ iat: now - 60 })), client.clientId, { jkt: keyJkt });
    assertTokenFor(await withProof(await proof({ iat: now + 5 })), client.clientId, { jkt: keyJkt });
    assertInvalidProof(await withProof(await proof({ iat: now - 61 })), 'The DPoP proof is too old.');
    assertInvalidProof(await withProof(await proof({ iat: now + 6 })), 'The DPoP proof is issued in the future.');
    assertInvalidProof(await withProof(await proof({ iat: undefined })), 'The DPoP proof must have an iat.');
  });

  it('accepts a jti once: the replayed proof is refused, a new one is fine', async () => {
    const once = await proof();
    assertTokenFor(await withProof(once), client.clientId, { jkt: keyJkt });
    assertInvalidProof(await withProof(once), 'The DPoP proof has already been used.');
    assertInvalidProof(await withProof(await proof({ jti: undefined })), 'The DPoP proof must have a jti.');
    assertTokenFor(await withProof(await proof()), client.clientId, { jkt: keyJkt });
  });

  it('does not use up a proof on a request whose client authentication fails', async () => {
    const p = await proof();
    const refused = await withProof(p, '/oauth2/token', { authorization: basic(client.clientId, 'wrong') });
    assert.equal(refused.status, 401);
    assertTokenFor(await withProof(p), client.clientId, { jkt: keyJkt, what: 'the proof was not recorded for an unauthenticated request' });
  });

  it('refuses a private key in the jwk header, a bad signature, a wrong typ or alg and a missing jwk', async () => {
    const other = await testKey('ES256');
    assertInvalidProof(await withProof(await proof({}, { jwk: key.privateJwk })), 'The jwk header of the DPoP proof must not contain private key material.');
    assertInvalidProof(await withProof(await dpopProof(key, clock, { htu: tokenUrl, signWith: other })), 'The DPoP proof signature is invalid.');
    assertInvalidProof(await withProof(await proof({}, { typ: 'JWT' })), 'The DPoP proof must have typ dpop+jwt.');
    assertInvalidProof(await withProof(await proof({}, { typ: undefined })), 'The DPoP proof must have typ dpop+jwt.');
    assertTokenFor(await withProof(await proof({}, { typ: 'application/DPoP+JWT' })), client.clientId, {
      jkt: keyJkt,
      what: 'typ is a media type: case-insensitive, application/ optional',
    });
    assertInvalidProof(await withProof(await proof({}, { jwk: undefined })), 'The DPoP proof must carry its public key in the jwk header.');
    assertInvalidProof(
      await withProof(await proof({}, { jwk: (await testKey('RS256')).publicJwk })),
      'The jwk header of the DPoP proof does not match its alg.',
    );
    const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const claims = { jti: 'none-1', htm: 'POST', htu: tokenUrl, iat: Math.floor(clock.now() / 1000) };
    assertInvalidProof(
      await withProof(`${part({ alg: 'none', typ: 'dpop+jwt', jwk: key.publicJwk })}.${part(claims)}.`),
      'The DPoP proof must be signed with one of RS256, PS256, ES256, EdDSA.',
    );
    assertInvalidProof(
      await withProof(`${part({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'c2VjcmV0' } })}.${part(claims)}.c2ln`),
      'The DPoP proof must be signed with one of RS256, PS256, ES256, EdDSA.',
    );
    assertInvalidProof(await withProof('not-a-jwt'), 'The DPoP proof is not a well-formed JWT.');
    assertInvalidProof(await withProof(''), 'The DPoP proof is not a well-formed JWT.');
  });

  it('refuses two DPoP headers, also through inject()', async () => {
    const [a, b] = [await proof(), await proof()];
    const res = await postWithHeaders(tokenUrl, 'grant_type=client_credentials', { ...auth(), dpop: [a, b] });
    assertInvalidProof(res, 'Send exactly one DPoP header.');
    const app = buildPublicApp(t.server.deps);
    try {
      const injected = await app.inject({
        method: 'POST',
        url: '/oauth2/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth(), dpop: [a, b] },
        payload: 'grant_type=client_credentials',
      });
      assert.equal(injected.statusCode, 400);
      assert.deepEqual(injected.json(), { error: 'invalid_dpop_proof', error_description: 'Send exactly one DPoP header.' });
    } finally {
      await app.close();
    }
    assertTokenFor(await withProof(a), client.clientId, { jkt: keyJkt, what: 'neither proof was used up' });
  });

  it('checks the proof before the client: an invalid proof is invalid_dpop_proof even for an unknown client', async () => {
    const res = await withProof(await proof({ htm: 'PUT' }), '/oauth2/token', { authorization: basic('nobody', 'nothing') });
    assertInvalidProof(res, 'The DPoP proof htm does not match the request method.');
  });

  it('binds tokens of private_key_jwt clients too', async () => {
    const signer = await testKey('EdDSA', 'signer');
    await createClient(t, { client_id: 'dpop-signer', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [signer.publicJwk] }, audience: [AUD] });
    const assertion = await clientAssertion(signer, clock, { clientId: 'dpop-signer', audience: t.publicUrl });
    const res = await t.form('/oauth2/token', { ...CC, client_assertion_type: JWT_BEARER, client_assertion: assertion }, { dpop: await proof() });
    assertTokenFor(res, 'dpop-signer', { jkt: keyJkt });
  });

  it('refuses a client registered with dpop_bound_access_tokens that sends no proof', async () => {
    const strict = await createClient(t, { audience: [AUD], dpop_bound_access_tokens: true });
    const strictAuth = { authorization: basic(strict.clientId, strict.secret) };
    const res = await t.form('/oauth2/token', CC, strictAuth);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'invalid_request', error_description: 'This client must send a DPoP proof: its access tokens are DPoP-bound.' });
    assertTokenFor(await withProof(await proof(), '/oauth2/token', strictAuth), strict.clientId, { jkt: keyJkt });
  });

  it('refuses a token for an API that requires DPoP without a proof, and binds it with one', async () => {
    const api = await createOk(t, '/apis', { identifier: 'https://dpop-only.test', scopes: [{ value: 'read' }], dpop_bound_access_tokens: true });
    const c = await createClient(t, {});
    await createOk(t, '/grants', { client_id: c.clientId, api_id: api.id, scopes: ['read'] });
    const cAuth = { authorization: basic(c.clientId, c.secret) };
    const res = await t.form('/oauth2/token', CC, cAuth);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      error: 'invalid_request',
      error_description: 'The audience https://dpop-only.test accepts only DPoP-bound access tokens: send a DPoP proof.',
    });
    const named = await t.form('/oauth2/token', { ...CC, audience: 'https://dpop-only.test' }, cAuth);
    assert.equal(named.status, 400);
    const bound = await withProof(await proof(), '/oauth2/token', cAuth);
    assert.equal(assertTokenFor(bound, c.clientId, { jkt: keyJkt }).aud, 'https://dpop-only.test');
    assert.equal((await t.admin('PATCH', `/apis/${api.id}`, { dpop_bound_access_tokens: false })).status, 200);
    assert.equal((await t.form('/oauth2/token', CC, cAuth)).body.token_type, 'Bearer', 'the requirement lifts with the setting');
  });

  it('advertises dpop_signing_alg_values_supported in discovery', async () => {
    const meta = ok(await t.publicFetch('/.well-known/openid-configuration'));
    assert.deepEqual(meta.dpop_signing_alg_values_supported, ['RS256', 'PS256', 'ES256', 'EdDSA']);
  });
});
