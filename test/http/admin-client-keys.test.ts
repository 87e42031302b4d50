import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { assertProblem, created, ok, tokenRequest } from '../helpers/admin.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const INVALID = 'the client metadata is not valid';

describe('admin API: private_key_jwt keys and DPoP settings', () => {
  let t: TestTessera;
  let rsa: TestKey;
  let ec: TestKey;
  const pkjwt = { token_endpoint_auth_method: 'private_key_jwt' };

  before(async () => {
    // Local key servers are reached only when allowed (test/security/outbound-fetch.test.ts: without it).
    t = await startTessera({ env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1,::1,localhost' } });
    rsa = await testKey('RS256', 'rsa-1');
    ec = await testKey('ES256', 'ec-1');
  });
  after(() => t.close());

  it('registers a private_key_jwt client with inline jwks: no secret, keys echoed on every read', async () => {
    const c = created(await t.admin('POST', '/clients', { ...pkjwt, client_id: 'signer', jwks: { keys: [rsa.publicJwk, ec.publicJwk] } }));
    assert.equal('client_secret' in c, false, 'a private_key_jwt client gets no secret');
    assert.equal('client_secret_expires_at' in c, false);
    assert.deepEqual(c.client_secrets, []);
    assert.equal(c.token_endpoint_auth_method, 'private_key_jwt');
    assert.deepEqual(c.jwks, { keys: [rsa.publicJwk, ec.publicJwk] });
    assert.equal(c.jwks_uri, null);
    assert.equal(c.dpop_bound_access_tokens, false);
    assert.deepEqual(ok(await t.admin('GET', '/clients/signer')), c);
    assert.deepEqual(
      ok(await t.admin('GET', '/clients')).items.find((x: any) => x.client_id === 'signer'),
      c,
    );
  });

  it('switches from jwks to jwks_uri with PATCH, and refuses to add a secret to such a client (409)', async () => {
    created(await t.admin('POST', '/clients', { ...pkjwt, client_id: 'switcher', jwks: { keys: [ec.publicJwk] } }));
    const patched = ok(await t.admin('PATCH', '/clients/switcher', { jwks: null, jwks_uri: 'https://keys.example.test/jwks.json' }));
    assert.equal(patched.jwks, null);
    assert.equal(patched.jwks_uri, 'https://keys.example.test/jwks.json');
    const local = ok(await t.admin('PATCH', '/clients/switcher', { jwks_uri: 'http://127.0.0.1:9/jwks' }));
    assert.equal(local.jwks_uri, 'http://127.0.0.1:9/jwks', 'plain http is allowed for an address TESSERA_OUTBOUND_ALLOW lists');
    assertProblem(await t.admin('POST', '/clients/switcher/secrets', {}), {
      status: 409,
      detail: 'a private_key_jwt client authenticates with its keys and has no secrets',
      instance: '/clients/switcher/secrets',
    });
  });

  it('switches a secret client to private_key_jwt (its secret stops working) and back (a new secret can be added)', async () => {
    const c = created(await t.admin('POST', '/clients', { client_id: 'convert', audience: ['https://convert.test'] }));
    assert.equal((await tokenRequest(t, '/oauth2/token', 'convert', c.client_secret)).status, 200);
    const switched = ok(await t.admin('PATCH', '/clients/convert', { ...pkjwt, jwks: { keys: [ec.publicJwk] } }));
    assert.equal(switched.token_endpoint_auth_method, 'private_key_jwt');
    const refused = await tokenRequest(t, '/oauth2/token', 'convert', c.client_secret);
    assert.equal(refused.status, 401, 'the old secret is never accepted from a private_key_jwt client');
    assertProblem(await t.admin('PATCH', '/clients/convert', { token_endpoint_auth_method: 'client_secret_basic' }), {
      status: 422,
      detail: INVALID,
      instance: '/clients/convert',
      errors: [{ pointer: '/jwks', detail: 'jwks and jwks_uri are used only with token_endpoint_auth_method private_key_jwt or self_signed_tls_client_auth' }],
    });
    ok(await t.admin('PATCH', '/clients/convert', { token_endpoint_auth_method: 'client_secret_basic', jwks: null }));
    const secret = created(await t.admin('POST', '/clients/convert/secrets', {}));
    assert.equal((await tokenRequest(t, '/oauth2/token', 'convert', secret.client_secret)).status, 200);
  });

  it('refuses private key material in jwks with a 422 field error', async () => {
    assertProblem(await t.admin('POST', '/clients', { ...pkjwt, jwks: { keys: [rsa.privateJwk] } }), {
      status: 422,
      detail: INVALID,
      instance: '/clients',
      errors: [{ pointer: '/jwks/keys/0/d', detail: 'holds private key material; register public keys only' }],
    });
    assertProblem(await t.admin('POST', '/clients', { ...pkjwt, jwks: { keys: [ec.publicJwk, { kty: 'oct', k: 'c2hhcmVkLXNlY3JldA' }] } }), {
      status: 422,
      detail: INVALID,
      instance: '/clients',
      errors: [{ pointer: '/jwks/keys/1/k', detail: 'holds private key material; register public keys only' }],
    });
  });

  it('refuses unusable keys: short RSA, unsupported curve, mismatched alg, duplicate kid, empty set', async () => {
    const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
    const cases: [unknown, { pointer: string; detail: string }[]][] = [
      [{ keys: [short] }, [{ pointer: '/jwks/keys/0/n', detail: 'an RSA key must have 2048 to 4096 bits' }]],
      [{ keys: [p384] }, [{ pointer: '/jwks/keys/0/kty', detail: 'must be an RSA, EC P-256 or OKP Ed25519 public key' }]],
      [{ keys: [{ ...ec.publicJwk, alg: 'RS256' }] }, [{ pointer: '/jwks/keys/0/alg', detail: 'does not match the key type EC' }]],
      [{ keys: [{ ...ec.publicJwk, alg: 'HS256' }] }, [{ pointer: '/jwks/keys/0/alg', detail: 'must be one of RS256, PS256, ES256, EdDSA when present' }]],
      [{ keys: [ec.publicJwk, { ...rsa.publicJwk, kid: ec.kid }] }, [{ pointer: '/jwks/keys/1/kid', detail: 'duplicate kid "ec-1"' }]],
      [{ keys: [] }, [{ pointer: '/jwks/keys', detail: 'must hold 1 to 20 keys' }]],
      [
        { keys: [{ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' }] },
        [{ pointer: '/jwks/keys/0/x', detail: 'must be 43 base64url characters (32 octets) for P-256' }],
      ],
      [{ keys: [{ kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) }] }, [{ pointer: '/jwks/keys/0', detail: 'is not a valid public key' }]],
    ];
    for (const [jwks, errors] of cases) {
      assertProblem(await t.admin('POST', '/clients', { ...pkjwt, jwks }), { status: 422, detail: INVALID, instance: '/clients', errors });
    }
  });

  it('needs exactly one of jwks and jwks_uri for private_key_jwt, and neither for other methods', async () => {
    const exactlyOne = [{ pointer: '/jwks', detail: 'private_key_jwt needs exactly one of jwks and jwks_uri' }];
    assertProblem(await t.admin('POST', '/clients', pkjwt), { status: 422, detail: INVALID, instance: '/clients', errors: exactlyOne });
    assertProblem(await t.admin('POST', '/clients', { ...pkjwt, jwks: { keys: [ec.publicJwk] }, jwks_uri: 'https://keys.example.test/jwks.json' }), {
      status: 422,
      detail: INVALID,
      instance: '/clients',
      errors: exactlyOne,
    });
    assertProblem(await t.admin('POST', '/clients', { token_endpoint_auth_method: 'client_secret_basic', jwks: { keys: [ec.publicJwk] } }), {
      status: 422,
      detail: INVALID,
      instance: '/clients',
      errors: [{ pointer: '/jwks', detail: 'jwks and jwks_uri are used only with token_endpoint_auth_method private_key_jwt or self_signed_tls_client_auth' }],
    });
    assertProblem(await t.admin('POST', '/clients', { jwks_uri: 'https://keys.example.test/jwks.json' }), {
      status: 422,
      detail: INVALID,
      instance: '/clients',
      errors: [
        { pointer: '/jwks_uri', detail: 'jwks and jwks_uri are used only with token_endpoint_auth_method private_key_jwt or self_signed_tls_client_auth' },
      ],
    });
  });

  it('accepts only absolute https jwks_uri values (http for hosts TESSERA_OUTBOUND_ALLOW lists)', async () => {
    const cases: [string, string][] = [
      ['http://keys.example.test/jwks.json', 'http is only for hosts and addresses in TESSERA_OUTBOUND_ALLOW; use https'],
      ['ftp://127.0.0.1/jwks.json', 'must be an https URL'],
      ['/relative/jwks.json', 'must be an absolute URL'],
      ['https://user:pass@keys.example.test/jwks.json', 'must not contain credentials'],
      ['https://keys.example.test/jwks.json#frag', 'must not contain a fragment'],
    ];
    for (const [jwks_uri, detail] of cases) {
      assertProblem(await t.admin('POST', '/clients', { ...pkjwt, jwks_uri }), {
        status: 422,
        detail: INVALID,
        instance: '/clients',
        errors: [{ pointer: '/jwks_uri', detail }],
      });
    }
    for (const jwks_uri of ['http://localhost:8080/jwks', 'http://[::1]:8080/jwks', 'https://keys.example.test/.well-known/jwks.json']) {
      assert.equal(created(await t.admin('POST', '/clients', { ...pkjwt, jwks_uri })).jwks_uri, jwks_uri);
    }
  });

  it('sets dpop_bound_access_tokens on clients and APIs (default false), on create and PATCH', async () => {
    const c = created(await t.admin('POST', '/clients', { dpop_bound_access_tokens: true }));
    assert.equal(c.dpop_bound_access_tokens, true);
    assert.equal(ok(await t.admin('PATCH', `/clients/${c.client_id}`, { dpop_bound_access_tokens: false })).dpop_bound_access_tokens, false);
    assert.equal(ok(await t.admin('GET', `/clients/${c.client_id}`)).dpop_bound_access_tokens, false);
    const api = created(await t.admin('POST', '/apis', { identifier: 'https://dpop-only.test' }));
    assert.equal(api.dpop_bound_access_tokens, false);
    assert.equal(ok(await t.admin('PATCH', `/apis/${api.id}`, { dpop_bound_access_tokens: true })).dpop_bound_access_tokens, true);
    assert.equal(ok(await t.admin('GET', `/apis/${api.id}`)).dpop_bound_access_tokens, true);
    assertProblem(await t.admin('PATCH', `/apis/${api.id}`, { dpop_bound_access_tokens: 'yes' }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: `/apis/${api.id}`,
      errors: [{ pointer: '/dpop_bound_access_tokens', detail: 'must be boolean' }],
    });
  });

  it('publishes the new fields in the OpenAPI document', async () => {
    const doc = ok(await t.admin('GET', '/openapi.json'));
    const text = JSON.stringify(doc);
    for (const field of ['jwks_uri', 'dpop_bound_access_tokens', 'private_key_jwt']) assert.ok(text.includes(field), field);
  });
});
