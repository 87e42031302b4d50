import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { manualClock, type ManualClock } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { FEDERATION_TEST_ENV, startOidcIssuer, type TestIssuer } from '../helpers/federated-issuers.js';
import { countingVerifier, type CountingVerifier } from '../helpers/jwt-verifier.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };
const WORKLOAD = 'system:serviceaccount:prod:sync';

/**
 * Kubernetes and SPIRE send one token again and again: its signature is checked once per process
 * and key, its claims on every request (docs/federation.md#fetching-and-caching-keys).
 */
describeEachDialect('federated tokens sent again: the signature checked once, the claims every time', (dialect) => {
  let t: TestTessera;
  let clock: ManualClock;
  let verifier: CountingVerifier;
  let platform: TestIssuer;
  let issuerId: string;
  const send = (assertion: string) =>
    t.form('/oauth2/token', {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
  /** How many times the verifier checked the signature of `token`. */
  const verifications = (token: string) => verifier.verified.filter((jwt) => jwt === token).length;
  const podToken = (expiresIn = 3600) => platform.mint({ sub: WORKLOAD, aud: t.publicUrl }, { expiresIn });

  before(async () => {
    clock = manualClock(new Date().toISOString());
    verifier = countingVerifier();
    t = await startTessera({ dialect, clock, jwtVerifier: verifier, env: FEDERATION_TEST_ENV });
    platform = await startOidcIssuer({ clock });
    const registered = await t.admin('POST', '/federated-issuers', { name: 'cluster', issuer: platform.issuer });
    assert.equal(registered.status, 201, registered.text);
    issuerId = registered.body.id;
    const client = await t.admin('POST', '/clients', {
      client_id: 'sync',
      token_endpoint_auth_method: 'federated',
      audience: ['https://inventory.example.com/'],
      federated_credentials: [{ issuer: platform.issuer, subject: WORKLOAD }],
    });
    assert.equal(client.status, 201, client.text);
  });
  after(async () => {
    await platform?.close();
    await t?.close();
  });

  it('one token sent three times is verified once; another token is verified; an expired one is refused without a check', async () => {
    const token = await podToken(120);
    for (let i = 0; i < 3; i++) {
      const res = await send(token);
      assert.equal(res.status, 200, `request ${i + 1}: ${res.text}`);
    }
    assert.equal(verifications(token), 1);
    const other = await podToken();
    assert.equal((await send(other)).status, 200);
    assert.equal(verifications(other), 1, 'a token of the same workload with other bytes is verified');

    clock.advance(130_000);
    const expired = await send(token);
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.body, INVALID_CLIENT, 'the claims of a token verified before are checked again');
    assert.equal(verifications(token), 1);
  });

  it('an issuer change drops what its keys verified: the same token is verified again', async () => {
    const token = await podToken();
    assert.equal((await send(token)).status, 200);
    assert.equal((await send(token)).status, 200);
    assert.equal(verifications(token), 1);
    assert.equal((await t.admin('PATCH', `/federated-issuers/${issuerId}`, { name: 'cluster (renamed)' })).status, 200);
    assert.equal((await send(token)).status, 200);
    assert.equal(verifications(token), 2);
  });

  it('a key the issuer withdrew: tokens it verified are refused once the keys are fetched again', async () => {
    const first = await podToken();
    assert.equal((await send(first)).status, 200);
    await platform.rotate();
    // A token of the new key: its unknown kid makes Tessera fetch the key set, which no longer has the first key.
    assert.equal((await send(await podToken())).status, 200);
    const refused = await send(first);
    assert.equal(refused.status, 401);
    assert.deepEqual(refused.body, INVALID_CLIENT);
    assert.equal(verifications(first), 1, 'refused before any signature check: no key of the set has its kid');
  });
});
