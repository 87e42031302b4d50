import assert from 'node:assert/strict';
import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { errors, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { nodeJwtVerifier, type JwtVerifyOptions } from '../../src/lib/jwt-verifier.js';
import { VERIFY_JWS_ALGS, type VerifyJwsAlg } from '../../src/lib/public-jwk.js';

const verifier = nodeJwtVerifier();
const NOW_S = 1_800_000_000;
const NOW = new Date(NOW_S * 1000);

interface Pair {
  readonly privateKey: KeyObject;
  readonly jwk: JWK;
}

function pairFor(alg: VerifyJwsAlg): Pair {
  const { privateKey, publicKey } =
    alg.startsWith('RS') || alg.startsWith('PS')
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg as 'ES256' | 'ES384' | 'ES512'] });
  return { privateKey, jwk: publicKey.export({ format: 'jwk' }) };
}

const pairs = new Map<VerifyJwsAlg, Pair>(VERIFY_JWS_ALGS.map((alg) => [alg, pairFor(alg)]));
const pair = (alg: VerifyJwsAlg): Pair => pairs.get(alg)!;

function signed(alg: VerifyJwsAlg, payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ ...header, alg }).sign(pair(alg).privateKey);
}

/** A compact JWS over raw header and payload text, signed by node:crypto with the given options. */
function handSigned(header: unknown, payload: string, sign_: (input: Buffer) => Buffer): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  return `${input}.${sign_(Buffer.from(input)).toString('base64url')}`;
}

const claims = { iss: 'svc', sub: 'svc', aud: 'https://as.example', exp: NOW_S + 60, iat: NOW_S, jti: 'j1' };
const options = (alg: VerifyJwsAlg, more: Partial<JwtVerifyOptions> = {}): JwtVerifyOptions => ({ algorithms: [alg], currentDate: NOW, ...more });

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  assert.fail('expected a refusal');
}

describe('nodeJwtVerifier', () => {
  for (const alg of VERIFY_JWS_ALGS) {
    it(`verifies ${alg} JWTs signed by jose, and refuses them once a byte of the payload or the signature changes`, async () => {
      const key = await verifier.importKey(pair(alg).jwk, alg);
      const jwt = await signed(alg, claims, { typ: 'JWT', kid: 'k1' });
      const verified = await verifier.verify(
        jwt,
        key,
        options(alg, { issuer: 'svc', subject: 'svc', audience: ['https://as.example'], requiredClaims: ['exp', 'jti'] }),
      );
      assert.deepEqual(verified.payload, claims);
      assert.deepEqual(verified.protectedHeader, { typ: 'JWT', kid: 'k1', alg });

      const [h, p, s] = jwt.split('.') as [string, string, string];
      const otherPayload = Buffer.from(JSON.stringify({ ...claims, sub: 'root' })).toString('base64url');
      assert.ok((await refusal(verifier.verify(`${h}.${otherPayload}.${s}`, key, options(alg)))) instanceof errors.JWSSignatureVerificationFailed);
      const flipped = Buffer.from(s, 'base64url');
      flipped[flipped.length - 1]! ^= 1;
      assert.ok(
        (await refusal(verifier.verify(`${h}.${p}.${flipped.toString('base64url')}`, key, options(alg)))) instanceof errors.JWSSignatureVerificationFailed,
      );
    });
  }

  it('refuses a key that does not fit the algorithm: another type or curve, a private key, an RSA modulus under 2048 bits', async () => {
    const es384 = await verifier.importKey(pair('ES384').jwk, 'ES384');
    await assert.rejects(verifier.importKey(pair('ES384').jwk, 'ES256'), /ES256 needs a key on prime256v1, not secp384r1/);
    await assert.rejects(verifier.importKey(pair('EdDSA').jwk, 'RS256'), /RS256 needs a rsa key, not ed25519/);
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    await assert.rejects(verifier.importKey(small.publicKey.export({ format: 'jwk' }), 'RS256'), /modulusLength to be 2048 bits or larger/);
    const smallJwt = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256' })
      .sign(small.privateKey)
      .catch(() => null);
    if (smallJwt) assert.match((await refusal(verifier.verify(smallJwt, small.publicKey, options('RS256')))).message, /2048 bits/);
    // A key object of the right type but private is refused too: verification takes public keys only.
    const jwt = await signed('ES256', claims);
    assert.match((await refusal(verifier.verify(jwt, pair('ES256').privateKey, options('ES256')))).message, /public key, not a private one/);
    // An ES256 JWT checked with a P-384 key that was allowed for ES256 by mistake.
    assert.match((await refusal(verifier.verify(jwt, es384, options('ES256')))).message, /not secp384r1/);
    await assert.rejects(verifier.importKey({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }, 'ES256'), errors.JOSENotSupported);
  });

  it('refuses algorithms the caller did not allow, alg none, and any critical header extension', async () => {
    const key = await verifier.importKey(pair('ES256').jwk, 'ES256');
    const jwt = await signed('ES256', claims);
    assert.ok((await refusal(verifier.verify(jwt, key, options('ES256', { algorithms: ['RS256'] })))) instanceof errors.JOSEAlgNotAllowed);
    const [, p] = jwt.split('.') as [string, string];
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    assert.ok((await refusal(verifier.verify(none, key, options('ES256')))) instanceof errors.JOSEAlgNotAllowed);
    const hs = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${p}.AAAA`;
    assert.ok((await refusal(verifier.verify(hs, key, { algorithms: ['HS256' as VerifyJwsAlg], currentDate: NOW }))) instanceof errors.JOSEAlgNotAllowed);
    const crit = await signed('ES256', claims, { crit: ['b64'], b64: true });
    assert.ok((await refusal(verifier.verify(crit, key, options('ES256')))) instanceof errors.JOSENotSupported);
  });

  it('refuses an ECDSA signature in DER and an RSASSA-PSS signature whose salt is not as long as the hash', async () => {
    const es256 = pair('ES256');
    const der = handSigned({ alg: 'ES256' }, JSON.stringify(claims), (input) => sign('sha256', input, es256.privateKey));
    const p1363 = handSigned({ alg: 'ES256' }, JSON.stringify(claims), (input) => sign('sha256', input, { key: es256.privateKey, dsaEncoding: 'ieee-p1363' }));
    const esKey = await verifier.importKey(es256.jwk, 'ES256');
    assert.deepEqual((await verifier.verify(p1363, esKey, options('ES256'))).payload, claims);
    assert.ok((await refusal(verifier.verify(der, esKey, options('ES256')))) instanceof errors.JWSSignatureVerificationFailed);

    const ps256 = pair('PS256');
    const pss = (saltLength: number) => (input: Buffer) =>
      sign('sha256', input, { key: ps256.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
    const psKey = await verifier.importKey(ps256.jwk, 'PS256');
    assert.deepEqual((await verifier.verify(handSigned({ alg: 'PS256' }, JSON.stringify(claims), pss(32)), psKey, options('PS256'))).payload, claims);
    const salt20 = handSigned({ alg: 'PS256' }, JSON.stringify(claims), pss(20));
    assert.ok((await refusal(verifier.verify(salt20, psKey, options('PS256')))) instanceof errors.JWSSignatureVerificationFailed);
  });

  it('refuses malformed compact serializations before any signature check', async () => {
    const key = await verifier.importKey(pair('EdDSA').jwk, 'EdDSA');
    const ed = pair('EdDSA').privateKey;
    const jwt = await signed('EdDSA', claims);
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const cases: [string, new (...args: never[]) => Error][] = [
      [`${h}.${p}`, errors.JWSInvalid],
      [`${h}.${p}.${s}.x`, errors.JWSInvalid],
      [`${h}=.${p}.${s}`, errors.JWSInvalid],
      [`${h}.${p}.${s}=`, errors.JWSInvalid],
      [`${h}.${p}.${s.slice(0, -1)}+`, errors.JWSInvalid],
      [`${Buffer.from('["EdDSA"]').toString('base64url')}.${p}.${s}`, errors.JWSInvalid],
      [`${Buffer.from([0xff, 0xfe]).toString('base64url')}.${p}.${s}`, errors.JWSInvalid],
      [handSigned({ alg: 'EdDSA' }, '[1,2]', (input) => sign(null, input, ed)), errors.JWTInvalid],
      [handSigned({ alg: 'EdDSA' }, 'not json', (input) => sign(null, input, ed)), errors.JWTInvalid],
    ];
    for (const [token, kind] of cases) {
      const err = await refusal(verifier.verify(token, key, options('EdDSA')));
      assert.ok(err instanceof kind, `${token}: ${err.constructor.name} ${err.message}`);
    }
  });

  it('keeps the payload a JSON object whose own __proto__ member does not reach its prototype', async () => {
    const ed = pair('EdDSA');
    const token = handSigned({ alg: 'EdDSA' }, '{"iss":"svc","__proto__":{"admin":true}}', (input) => sign(null, input, ed.privateKey));
    const { payload } = await verifier.verify(token, await verifier.importKey(ed.jwk, 'EdDSA'), options('EdDSA'));
    assert.equal((payload as Record<string, unknown>).admin, undefined);
    assert.equal(Object.getPrototypeOf(payload), Object.prototype);
  });
});

/** What a verification ended with, comparable between jose and Tessera's verifier. */
async function outcome(run: () => Promise<{ payload: JWTPayload }>): Promise<string> {
  try {
    return `ok ${JSON.stringify((await run()).payload)}`;
  } catch (err) {
    const claim = err instanceof errors.JWTClaimValidationFailed || err instanceof errors.JWTExpired ? ` ${err.claim} ${err.reason}` : '';
    return `${(err as Error).constructor.name}${claim}`;
  }
}

/** `arb` most of the time, otherwise one of `others`: most draws pass a check, so the later checks are reached too. */
const mostly = <T>(arb: fc.Arbitrary<T>, ...others: fc.Arbitrary<T>[]) =>
  fc.oneof({ arbitrary: arb, weight: 6 }, ...others.map((arbitrary) => ({ arbitrary, weight: 1 })));
const absent = fc.constant(undefined);
const timestamp = mostly<unknown>(
  fc.integer({ min: NOW_S - 400, max: NOW_S + 400 }),
  fc.constantFrom('soon', null),
  fc.double({ min: NOW_S - 10, max: NOW_S + 10, noNaN: true }),
  absent,
);
const name = mostly(fc.constant('svc'), fc.constantFrom('other', 'https://as.example', 'https://as.example/oauth2/token'));
const claimsArb = fc.record(
  {
    iss: mostly<unknown>(name, fc.constant(7)),
    sub: mostly<unknown>(name, fc.constant(7)),
    aud: mostly<unknown>(name, fc.array(name, { maxLength: 3 }), fc.constant(42)),
    exp: timestamp,
    nbf: timestamp,
    iat: timestamp,
    jti: fc.string({ maxLength: 4 }),
  },
  { requiredKeys: [] },
);
const optionsArb = fc.record({
  typ: mostly<string | undefined>(absent, fc.constantFrom('JWT', 'dpop+jwt', 'application/DPoP+JWT')),
  issuer: mostly<string | undefined>(absent, name),
  subject: mostly<string | undefined>(absent, name),
  audience: mostly<string[] | undefined>(absent, fc.array(name, { minLength: 1, maxLength: 2 })),
  requiredClaims: mostly<string[] | undefined>(absent, fc.subarray(['exp', 'jti', 'iat', 'sub', 'nbf'])),
  clockTolerance: fc.constantFrom(undefined, 0, 5, 30),
  maxTokenAge: fc.constantFrom(undefined, 0, 60, 300, 600),
  nowOffset: fc.integer({ min: -120, max: 120 }),
});
const headerTyp = fc.constantFrom(undefined, 'JWT', 'DPoP+JWT', 'application/dpop+jwt', 'at+jwt');
const tampered = fc.integer({ min: 0, max: 9 }).map((n) => n === 0);

describe('nodeJwtVerifier against jose jwtVerify', () => {
  for (const alg of ['ES256', 'EdDSA', 'PS256'] as const) {
    it(`ends every ${alg} verification as jose does: the same payload, or the same error class and claim`, async () => {
      const joseKey = await importJWK(pair(alg).jwk, alg);
      const ours = await verifier.importKey(pair(alg).jwk, alg);
      await fc.assert(
        fc.asyncProperty(claimsArb, optionsArb, headerTyp, tampered, async (body, rules, typ, tamper) => {
          let jwt = await signed(alg, body as JWTPayload, typ === undefined ? {} : { typ });
          if (tamper) jwt = `${jwt.slice(0, -3)}${jwt.endsWith('AAA') ? 'BBB' : 'AAA'}`;
          const { nowOffset, ...rest } = rules;
          const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
          const verifyOptions = { algorithms: [alg], currentDate: new Date((NOW_S + nowOffset) * 1000), ...defined };
          const expected = await outcome(() => jwtVerify(jwt, joseKey, verifyOptions as Parameters<typeof jwtVerify>[2]));
          const actual = await outcome(() => verifier.verify(jwt, ours, verifyOptions));
          assert.equal(actual, expected);
        }),
        { numRuns: alg === 'PS256' ? 100 : 400 },
      );
    });
  }
});
