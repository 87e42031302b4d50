import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { JWK } from 'jose';
import { publicJwkLimitsProblem, publicJwkProblem } from '../../src/lib/public-jwk.js';
import { assertProblem, manualClock, ok, type ManualClock } from '../helpers/admin.js';
import { clientAssertion, dpopProof, JWT_BEARER } from '../helpers/assertions.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient } from '../helpers/fixtures.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { countingVerifier, type CountingVerifier } from '../helpers/jwt-verifier.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { postFormFrom } from '../helpers/raw-http.js';
import { basic, startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';

/**
 * Keys from outside (DPoP proof `jwk`, client `jwks`, `jwks_uri` documents) are accepted only
 * within limits checked by arithmetic on their members, before any key parsing or signature
 * check: RSA e = 65537 and 2048–4096 bits, exact-size EC and OKP coordinates. Nothing here
 * measures time: what reaches the costly steps is counted by an injected verifier.
 */

const AUD = 'https://orders.test';
const CC = { grant_type: 'client_credentials' };
const E_DETAIL = 'an RSA key must use the public exponent 65537 (AQAB)';
const N_DETAIL = 'an RSA key must have 2048 to 4096 bits';
const UNUSABLE = { error: 'invalid_dpop_proof', error_description: 'The jwk header of the DPoP proof is not a usable public key.' };
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };
const LOCKED = { error: 'temporarily_unavailable', error_description: 'Too many failed client authentications; retry later.' };

/** A big-endian unsigned integer of exactly `bits` bits (top bit set, odd), base64url. */
function integerOfBits(bits: number): string {
  const octets = randomBytes(Math.ceil(bits / 8));
  const top = (bits - 1) % 8;
  octets[0] = (octets[0]! & ((1 << (top + 1)) - 1)) | (1 << top);
  octets[octets.length - 1]! |= 1;
  return octets.toString('base64url');
}

/** An RSA public JWK with the modulus of `key` and these members replaced. */
const rsaJwk = (key: TestKey, members: Record<string, unknown>): JWK => ({ ...key.publicJwk, ...members });

describe('public JWK limits (src/lib/public-jwk.ts)', () => {
  let rsa: TestKey;
  let ec: TestKey;
  let ed: TestKey;
  before(async () => {
    [rsa, ec, ed] = [await testKey('RS256', 'r'), await testKey('ES256', 'e'), await testKey('EdDSA', 'd')];
  });

  /** publicJwkProblem with a parser that counts its calls. */
  const gate = (jwk: unknown) => {
    let parsed = 0;
    const problem = publicJwkProblem(jwk, () => void parsed++);
    return { problem, parsed };
  };

  it('refuses an RSA exponent other than 65537, whatever its size, before parsing the key', () => {
    for (const e of [integerOfBits(3000), 'Aw', 'AQAA', 'AQAC', 'AQABAA', '', 'AQAB=', 'AQ+B', 42, undefined]) {
      assert.deepEqual(gate(rsaJwk(rsa, { e })), { problem: { member: 'e', detail: E_DETAIL }, parsed: 0 }, String(e));
    }
    assert.deepEqual(gate(rsa.publicJwk), { problem: null, parsed: 1 });
    assert.deepEqual(gate(rsaJwk(rsa, { e: 'AAEAAQ' })), { problem: null, parsed: 1 }, 'a leading zero octet is ignored: the value is 65537');
  });

  it('refuses RSA moduli outside 2048–4096 bits, counted without leading zero octets, before parsing the key', () => {
    for (const bits of [512, 1024, 2047, 4097, 8192, 16384]) {
      assert.deepEqual(gate(rsaJwk(rsa, { n: integerOfBits(bits) })), { problem: { member: 'n', detail: N_DETAIL }, parsed: 0 }, `${bits} bits`);
    }
    for (const n of ['', 'AAAA', 'not base64url!', 17, undefined]) {
      assert.deepEqual(gate(rsaJwk(rsa, { n })), { problem: { member: 'n', detail: N_DETAIL }, parsed: 0 }, String(n));
    }
    for (const bits of [2048, 3072, 4096]) assert.equal(publicJwkLimitsProblem(rsaJwk(rsa, { n: integerOfBits(bits) })), null, `${bits} bits`);
    const padded = Buffer.concat([Buffer.alloc(1), Buffer.from(integerOfBits(4096), 'base64url')]).toString('base64url');
    assert.equal(publicJwkLimitsProblem(rsaJwk(rsa, { n: padded })), null, 'a leading zero octet does not count');
  });

  it('refuses EC P-256 and Ed25519 coordinates that are not exactly 32 octets, before parsing the key', () => {
    const x = ec.publicJwk.x!;
    const { x: _absent, ...edWithoutX } = ed.publicJwk;
    const cases: [JWK, string, string][] = [
      [{ ...ec.publicJwk, x: x.slice(1) }, 'x', 'P-256'],
      [{ ...ec.publicJwk, y: `${ec.publicJwk.y!}A` }, 'y', 'P-256'],
      [{ ...ec.publicJwk, y: 'A'.repeat(5000) }, 'y', 'P-256'],
      [{ ...ec.publicJwk, x: `${x.slice(1)}=` }, 'x', 'P-256'],
      [{ ...ed.publicJwk, x: ed.publicJwk.x!.repeat(2) }, 'x', 'Ed25519'],
      [edWithoutX, 'x', 'Ed25519'],
    ];
    for (const [jwk, member, crv] of cases) {
      assert.deepEqual(
        gate(jwk),
        { problem: { member, detail: `must be 43 base64url characters (32 octets) for ${crv}` }, parsed: 0 },
        JSON.stringify(jwk).slice(0, 80),
      );
    }
    assert.deepEqual(gate(ec.publicJwk), { problem: null, parsed: 1 });
    assert.deepEqual(gate(ed.publicJwk), { problem: null, parsed: 1 });
    // Right sizes, but not a point of the curve: only the parser can tell.
    assert.deepEqual(publicJwkProblem({ ...ec.publicJwk, x: 'A'.repeat(43), y: 'A'.repeat(43) }), { member: null, detail: 'is not a valid public key' });
  });
});

describeEachDialect('keys from outside: refused before any key import or signature check', (dialect) => {
  let t: TestTessera;
  let clock: ManualClock;
  let verifier: CountingVerifier;
  let keyServer: JwksServer;
  let rsa: TestKey;
  let client: { clientId: string; secret: string };
  let tokenUrl: string;
  /** RSA public keys that break the limits: a 3000-bit exponent, an 8192-bit modulus, a 1024-bit modulus. */
  let oversized: { name: string; jwk: JWK; member: 'e' | 'n' }[];

  before(async () => {
    clock = manualClock();
    verifier = countingVerifier();
    // The key server listens on 127.0.0.1: outbound fetches go there only when it is allowed.
    t = await startTessera({ dialect, clock, jwtVerifier: verifier, env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1' } });
    keyServer = await startJwksServer();
    tokenUrl = `${t.publicUrl}/oauth2/token`;
    rsa = await testKey('RS256', 'rsa-real');
    client = await createClient(t, { client_id: 'dpop-user', audience: [AUD] });
    oversized = [
      { name: '3000-bit exponent', jwk: rsaJwk(rsa, { e: integerOfBits(3000) }), member: 'e' },
      { name: '8192-bit modulus', jwk: rsaJwk(rsa, { n: integerOfBits(8192) }), member: 'n' },
      { name: '1024-bit modulus', jwk: rsaJwk(rsa, { n: integerOfBits(1024) }), member: 'n' },
    ];
  });
  after(async () => {
    await t.close();
    await keyServer.close();
  });

  const auth = () => ({ authorization: basic(client.clientId, client.secret) });
  const withProof = (proof: string) => t.form('/oauth2/token', CC, { ...auth(), dpop: proof });
  const assertRefusedProof = (res: HttpResult, body: Record<string, string>, why: string) => {
    assert.equal(res.status, 400, `${why}: ${res.text}`);
    assert.deepEqual(res.body, body, why);
  };

  it('refuses a DPoP proof whose RSA jwk breaks the limits with invalid_dpop_proof, and never imports its key or checks its signature', async () => {
    for (const { name, jwk } of oversized) {
      verifier.reset();
      const proof = () => dpopProof(rsa, clock, { htu: tokenUrl, header: { jwk } });
      assertRefusedProof(await withProof(await proof()), UNUSABLE, `${name}, form body (the direct path)`);
      const viaFastify = await t.publicFetch('/oauth2/token', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth(), dpop: await proof() },
        body: JSON.stringify(CC),
      });
      assertRefusedProof(viaFastify, UNUSABLE, `${name}, JSON body (Fastify's route)`);
      assert.deepEqual(verifier.imported, [], `${name}: no key import`);
      assert.deepEqual(verifier.verified, [], `${name}: no signature check`);
    }
    assert.ok(
      t.logs.some((l) => l.includes('"detail":"jwk e: an RSA key must use the public exponent 65537 (AQAB)"')),
      'the log names the member and the rule',
    );
    assert.ok(t.logs.some((l) => l.includes('"detail":"jwk n: an RSA key must have 2048 to 4096 bits"')));
    // The same request with the real key is imported once, verified once and served.
    verifier.reset();
    const served = await withProof(await dpopProof(rsa, clock, { htu: tokenUrl }));
    assert.equal(served.status, 200, served.text);
    assert.equal(served.body.token_type, 'DPoP');
    assert.deepEqual(verifier.imported, [rsa.publicJwk]);
    assert.equal(verifier.verified.length, 1);
  });

  it('checks every claim it can before the signature: a badly signed proof with a wrong claim is refused for the claim, unverified', async () => {
    const forger = await testKey('RS256');
    const now = Math.floor(clock.now() / 1000);
    const cases: [Record<string, unknown>, string][] = [
      [{ htm: 'GET' }, 'The DPoP proof htm does not match the request method.'],
      [{ htu: 'https://elsewhere.test/oauth2/token' }, 'The DPoP proof htu does not match the request URL.'],
      [{ iat: now - 61 }, 'The DPoP proof is too old.'],
      [{ iat: now + 6 }, 'The DPoP proof is issued in the future.'],
      [{ iat: undefined }, 'The DPoP proof must have an iat.'],
      [{ jti: 'j'.repeat(256) }, 'The DPoP proof must have a jti.'],
    ];
    for (const [claims, description] of cases) {
      verifier.reset();
      const res = await withProof(await dpopProof(rsa, clock, { htu: tokenUrl, claims, signWith: forger }));
      assertRefusedProof(res, { error: 'invalid_dpop_proof', error_description: description }, description);
      assert.deepEqual([verifier.imported.length, verifier.verified.length], [0, 0], description);
    }
    verifier.reset();
    const forged = await withProof(await dpopProof(rsa, clock, { htu: tokenUrl, signWith: forger }));
    assertRefusedProof(forged, { error: 'invalid_dpop_proof', error_description: 'The DPoP proof signature is invalid.' }, 'only the signature is wrong');
    assert.equal(verifier.verified.length, 1);
  });

  it('refuses a DPoP proof over 8192 characters before reading it', async () => {
    verifier.reset();
    const long = await dpopProof(rsa, clock, { htu: tokenUrl, claims: { pad: 'p'.repeat(8000) } });
    assertRefusedProof(
      await withProof(long),
      { error: 'invalid_dpop_proof', error_description: 'The DPoP proof is too long (8192 characters at most).' },
      'long proof',
    );
    assert.deepEqual(verifier.imported, []);
  });

  it('refuses such keys in a client jwks with 422 and a field error on the member', async () => {
    const ec = await testKey('ES256', 'ec-ok');
    const jwks = { keys: [...oversized.map((o, i) => ({ ...o.jwk, kid: `bad-${i}` })), { ...ec.publicJwk, x: ec.publicJwk.x!.slice(2) }, ec.publicJwk] };
    const res = await t.admin('POST', '/clients', { client_id: 'big-keys', token_endpoint_auth_method: 'private_key_jwt', jwks, audience: [AUD] });
    assertProblem(res, {
      status: 422,
      detail: 'the client metadata is not valid',
      instance: '/clients',
      errors: [
        { pointer: '/jwks/keys/0/e', detail: E_DETAIL },
        { pointer: '/jwks/keys/1/n', detail: N_DETAIL },
        { pointer: '/jwks/keys/2/n', detail: N_DETAIL },
        { pointer: '/jwks/keys/3/x', detail: 'must be 43 base64url characters (32 octets) for P-256' },
      ],
    });
    assert.equal((await t.admin('GET', '/clients/big-keys')).status, 404, 'nothing was written');
  });

  it('skips such keys in a jwks_uri document as unusable: invalid_client, and the key never reaches an import', async () => {
    const path = '/oversized/jwks.json';
    keyServer.route(path, { keys: oversized.map((o) => o.jwk) });
    await createClient(t, { client_id: 'remote-big', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${keyServer.base}${path}`, audience: [AUD] });
    verifier.reset();
    const assertion = await clientAssertion(rsa, clock, { clientId: 'remote-big', audience: t.publicUrl });
    const res = await t.form('/oauth2/token', { ...CC, client_assertion_type: JWT_BEARER, client_assertion: assertion });
    assert.equal(res.status, 401, res.text);
    assert.deepEqual(res.body, INVALID_CLIENT);
    assert.ok(
      t.logs.some((l) => l.includes('keys of client remote-big unavailable') && l.includes('the JWK Set holds no usable public signing key')),
      'the log says why',
    );
    assert.deepEqual(verifier.imported, []);

    // Next to a usable key, the oversized ones are skipped and the usable one still works.
    const ec = await testKey('ES256', 'remote-ec');
    keyServer.route(path, { keys: [...oversized.map((o) => o.jwk), ec.publicJwk] });
    clock.advance(5 * 60_000);
    verifier.reset();
    const good = await t.form('/oauth2/token', {
      ...CC,
      client_assertion_type: JWT_BEARER,
      client_assertion: await clientAssertion(ec, clock, { clientId: 'remote-big', audience: t.publicUrl }),
    });
    assert.equal(good.status, 200, good.text);
    const refused = await t.form('/oauth2/token', {
      ...CC,
      client_assertion_type: JWT_BEARER,
      client_assertion: await clientAssertion(rsa, clock, { clientId: 'remote-big', audience: t.publicUrl }),
    });
    assert.deepEqual(refused.body, INVALID_CLIENT);
    assert.deepEqual(verifier.imported, [ec.publicJwk], 'only the usable key was ever imported');
  });

  it('never uses an inline key stored before the limits existed, and still uses the others', async () => {
    await createClient(t, { client_id: 'legacy-keys', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [rsa.publicJwk] }, audience: [AUD] });
    // As an earlier version could have stored it: written to the database directly, then reloaded.
    const legacy = rsaJwk(rsa, { e: integerOfBits(3000), kid: 'legacy' });
    await t.server.deps.store.db
      .updateTable('clients')
      .set({ jwks: JSON.stringify({ keys: [legacy, rsa.publicJwk] }) })
      .where('tenant_id', '=', 'default')
      .where('client_id', '=', 'legacy-keys')
      .execute();
    await t.server.deps.readModel.apply({ kind: 'client', tenantId: 'default', clientId: 'legacy-keys' });
    verifier.reset();
    const assertion = (kid: string) => clientAssertion(rsa, clock, { clientId: 'legacy-keys', audience: t.publicUrl, header: { kid } });
    const refused = await t.form('/oauth2/token', { ...CC, client_assertion_type: JWT_BEARER, client_assertion: await assertion('legacy') });
    assert.deepEqual(refused.body, INVALID_CLIENT);
    assert.ok(
      t.logs.some((l) => l.includes('no key of client legacy-keys matches kid \\"legacy\\"')),
      'the stored key is not a candidate',
    );
    assert.deepEqual(verifier.imported, []);
    const served = await t.form('/oauth2/token', { ...CC, client_assertion_type: JWT_BEARER, client_assertion: await assertion(rsa.kid) });
    assert.equal(served.status, 200, served.text);
    assert.deepEqual(verifier.imported, [rsa.publicJwk]);
  });

  it('checks the claims of a client assertion before fetching its keys or checking its signature', async () => {
    const path = '/claims-first/jwks.json';
    keyServer.route(path, { keys: [rsa.publicJwk] });
    await createClient(t, { client_id: 'claims-first', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `${keyServer.base}${path}`, audience: [AUD] });
    const now = Math.floor(clock.now() / 1000);
    verifier.reset();
    for (const claims of [
      { exp: now - 10 },
      { exp: now + 3600 },
      { exp: undefined },
      { aud: 'https://elsewhere.test' },
      { nbf: now + 60 },
      { iat: now + 60 },
      { jti: '' },
    ]) {
      const assertion = await clientAssertion(rsa, clock, { clientId: 'claims-first', audience: t.publicUrl, claims });
      const res = await t.form('/oauth2/token', { ...CC, client_assertion_type: JWT_BEARER, client_assertion: assertion });
      assert.deepEqual(res.body, INVALID_CLIENT, JSON.stringify(claims));
    }
    assert.equal(keyServer.hits.get(path) ?? 0, 0, 'no key fetch');
    assert.deepEqual([verifier.imported.length, verifier.verified.length], [0, 0], 'no key import, no signature check');
    const good = await t.form('/oauth2/token', {
      ...CC,
      client_assertion_type: JWT_BEARER,
      client_assertion: await clientAssertion(rsa, clock, { clientId: 'claims-first', audience: t.publicUrl }),
    });
    assert.equal(good.status, 200, good.text);
    assert.equal(keyServer.hits.get(path), 1);
    assert.equal(verifier.verified.length, 1);
  });
});

describeEachDialect('refused DPoP proofs count against the source address (brute-force protection)', (dialect) => {
  let t: TestTessera;
  let clock: ManualClock;
  let verifier: CountingVerifier;
  let rsa: TestKey;
  let client: { clientId: string; secret: string };
  let tokenUrl: string;

  before(async () => {
    clock = manualClock();
    verifier = countingVerifier();
    t = await startTessera({ dialect, clock, jwtVerifier: verifier, env: { TESSERA_BRUTE_FORCE_MAX_FAILURES: '3', TESSERA_BRUTE_FORCE_WINDOW: '60' } });
    tokenUrl = `${t.publicUrl}/oauth2/token`;
    rsa = await testKey('RS256', 'rsa-real');
    client = await createClient(t, { client_id: 'dpop-user', audience: [AUD] });
  });
  after(() => t.close());

  const token = (from: string, dpop?: string) =>
    postFormFrom(from, tokenUrl, CC, { authorization: basic(client.clientId, client.secret), ...(dpop === undefined ? {} : { dpop }) });
  const goodProof = () => dpopProof(rsa, clock, { htu: tokenUrl });
  const hugeExponent = () => dpopProof(rsa, clock, { htu: tokenUrl, header: { jwk: rsaJwk(rsa, { e: integerOfBits(3000) }) } });

  it('locks an address after TESSERA_BRUTE_FORCE_MAX_FAILURES refused proofs: 429 before any proof or credentials are looked at', async () => {
    const attacker = '127.0.0.2';
    const forger = await testKey('RS256');
    const refusals: [Promise<string>, string][] = [
      [dpopProof(rsa, clock, { htu: tokenUrl, header: { jwk: rsaJwk(rsa, { n: integerOfBits(1024) }) } }), UNUSABLE.error_description],
      [dpopProof(rsa, clock, { htu: tokenUrl, claims: { htm: 'GET' } }), 'The DPoP proof htm does not match the request method.'],
      [dpopProof(rsa, clock, { htu: tokenUrl, signWith: forger }), 'The DPoP proof signature is invalid.'],
    ];
    for (const [proof, description] of refusals) {
      const res = await token(attacker, await proof);
      assert.equal(res.status, 400, `${description}: ${res.text}`);
      assert.deepEqual(res.body, { error: 'invalid_dpop_proof', error_description: description });
    }
    verifier.reset();
    for (const dpop of [await goodProof(), await hugeExponent(), undefined]) {
      const res = await token(attacker, dpop);
      assert.equal(res.status, 429, res.text);
      assert.deepEqual(res.body, LOCKED);
      assert.equal(res.headers.get('retry-after'), '60');
    }
    assert.deepEqual(verifier.imported, [], 'a locked address gets no key imported');

    const other = await token('127.0.0.3', await goodProof());
    assert.equal(other.status, 200, `another address is served: ${other.text}`);

    const events = ok(await t.admin('GET', '/audit-events?action=client.auth.locked')).items;
    assert.deepEqual(
      events.map((e: any) => [e.target_type, e.target_id, e.details]),
      [['address', `address:${attacker}`, { failures: 3, window: 60 }]],
    );

    clock.advance(60_000);
    const after = await token(attacker, await goodProof());
    assert.equal(after.status, 200, `unlocked after the window: ${after.text}`);
  });
});
