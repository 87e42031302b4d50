import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../helpers/dialects.js';
import { eventually } from '../helpers/eventually.js';
import { FEDERATION_TEST_ENV, kubernetesClaims, startOidcIssuer, type TestIssuer } from '../helpers/federated-issuers.js';
import { sharedPostgres } from '../helpers/postgres.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const skip = DIALECTS.includes('postgres') ? false : 'PostgreSQL is not in TESSERA_TEST_DIALECTS';

/**
 * A change made through one server takes effect on the other as soon as its notification arrives
 * (docs/federation.md#in-a-cluster: within a second). The tests wait for that event in the other
 * server's memory; this only bounds a failure, on a machine however loaded.
 */
const CHANGE_WAIT_MS = 20_000;

/** Both servers' issuer: the platform tokens' audience, the same whichever server they reach. */
const ISSUER = 'https://auth.example.test';
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };

describe('[postgres] federation on two servers sharing one database', { skip, timeout: 120_000 }, () => {
  let a: TestTessera;
  let b: TestTessera;
  let platform: TestIssuer;
  let issuerId: string;
  /** A client_credentials request to `server` with a platform token as its client assertion. */
  const tokenFrom = (server: TestTessera, assertion: string) =>
    server.form('/oauth2/token', {
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
  /** A pod's token of service account prod/`name`, for both servers. */
  const podToken = (name: string) => platform.mint(kubernetesClaims({ aud: ISSUER, namespace: 'prod', serviceAccount: name }));
  /** The clients of `server`'s memory (its read model) whose credentials the service account prod/`name` matches. */
  const matchingOn = (server: TestTessera, name: string) =>
    (server.server.deps.readModel.tenant('default')?.federation.matchingClients(issuerId, { sub: `system:serviceaccount:prod:${name}` }) ?? []).map(
      (entry) => entry.client.clientId,
    );

  before(async () => {
    const env = {
      ...FEDERATION_TEST_ENV,
      TESSERA_DATABASE_URL: await (await sharedPostgres()).createDatabase(),
      TESSERA_SECRET: randomBytes(32).toString('hex'),
      TESSERA_ADMIN_TOKEN: `multi-${randomBytes(16).toString('hex')}`,
      TESSERA_PUBLIC_URL: ISSUER,
    };
    a = await startTessera({ dialect: 'postgres', env });
    b = await startTessera({ dialect: 'postgres', env });
    platform = await startOidcIssuer();
    const registered = await a.admin('POST', '/federated-issuers', { name: 'cluster', issuer: platform.issuer });
    assert.equal(registered.status, 201, registered.text);
    issuerId = registered.body.id;
  });
  after(async () => {
    await platform?.close();
    await Promise.all([a, b].filter(Boolean).map((server) => server.close()));
  });

  it('a credential added through A works on B once the change reaches B; replaced through A, B follows', async (t) => {
    const created = await a.admin('POST', '/clients', {
      client_id: 'sync',
      token_endpoint_auth_method: 'federated',
      audience: ['https://inventory.example.com/'],
      federated_credentials: [{ issuer: platform.issuer, subject: 'system:serviceaccount:prod:sync' }],
    });
    assert.equal(created.status, 201, created.text);
    const ms = await eventually("B's memory holds the credential added through A", async () => matchingOn(b, 'sync').length === 1, {
      withinMs: CHANGE_WAIT_MS,
    });
    t.diagnostic(`B held the credential ${Math.round(ms)} ms after A answered`);
    const onB = await tokenFrom(b, await podToken('sync'));
    assert.equal(onB.status, 200, onB.text);

    const replaced = await a.admin('PATCH', '/clients/sync', {
      federated_credentials: [{ issuer: platform.issuer, subject: 'system:serviceaccount:prod:sync-v2' }],
    });
    assert.equal(replaced.status, 200, replaced.text);
    await eventually("B's memory holds the replaced credential", async () => matchingOn(b, 'sync-v2').length === 1, { withinMs: CHANGE_WAIT_MS });
    assert.deepEqual(matchingOn(b, 'sync'), [], 'and no longer the old one');
    assert.equal((await tokenFrom(b, await podToken('sync-v2'))).status, 200);
    assert.deepEqual((await tokenFrom(b, await podToken('sync'))).body, INVALID_CLIENT);
  });

  it("an issuer changed through A makes B drop the issuer's cached keys", async () => {
    const created = await a.admin('POST', '/clients', {
      client_id: 'report',
      token_endpoint_auth_method: 'federated',
      audience: ['https://reports.example.com/'],
      federated_credentials: [{ issuer: platform.issuer, subject: 'system:serviceaccount:prod:report' }],
    });
    assert.equal(created.status, 201, created.text);
    await eventually("B's memory holds the credential", async () => matchingOn(b, 'report').length === 1, { withinMs: CHANGE_WAIT_MS });
    const firstKey = await podToken('report');
    assert.equal((await tokenFrom(b, firstKey)).status, 200, 'B fetched and cached the first key');

    // The platform withdraws its first key; B keeps using its cached copy…
    await platform.rotate();
    const fetches = platform.keyFetches();
    assert.equal((await tokenFrom(b, firstKey)).status, 200, "B still trusts the withdrawn key: it is in B's cache");
    assert.equal(platform.keyFetches(), fetches, 'without fetching');

    // …until the issuer changes through A: B drops its keys, fetches the platform's current set, and refuses the withdrawn key.
    assert.equal((await a.admin('PATCH', `/federated-issuers/${issuerId}`, { name: 'cluster (renamed)' })).status, 200);
    await eventually('B refuses a token of the withdrawn key', async () => (await tokenFrom(b, firstKey)).status === 401, { withinMs: CHANGE_WAIT_MS });
    assert.ok(platform.keyFetches() > fetches, 'B fetched the key set again');
    assert.equal(b.server.deps.readModel.tenant('default')?.federation.issuerById(issuerId)?.name, 'cluster (renamed)');
    assert.equal((await tokenFrom(b, await podToken('report'))).status, 200, "the platform's current key works on B");
  });
});
