import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Change } from '../../src/domain/changes.js';
import { manualClock, type ManualClock } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { assertInvalidClient, assertionTokenRequest, registerJwksUriClient, sameStore } from '../helpers/private-key-jwt.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';
import { cutTesseraSessions } from '../helpers/postgres.js';

const ALLOW_KEY_SERVER = { TESSERA_OUTBOUND_ALLOW: '127.0.0.1' };

describeEachDialect('key caches: withdrawn jwks_uri keys stop working', (dialect) => {
  // Several servers on one database, and the change feed between them, exist on PostgreSQL only.
  const onPostgres = dialect === 'postgres';
  let clock: ManualClock;
  let t: TestTessera;
  let keyServer: JwksServer;
  let k1: TestKey;
  let k2: TestKey;

  before(async () => {
    clock = manualClock();
    t = await startTessera({ dialect, clock, env: ALLOW_KEY_SERVER });
    keyServer = await startJwksServer();
    [k1, k2] = [await testKey('ES256', 'k1'), await testKey('ES256', 'k2')];
  });
  after(async () => {
    await t.close();
    await keyServer.close();
  });

  const token = (clientId: string, key: TestKey) => assertionTokenRequest(t, clock, clientId, key);
  /** A client whose jwks_uri is a path of its own on the key server, publishing `keys`. */
  const register = async (clientId: string, keys: TestKey[]) => {
    keyServer.route(`/${clientId}`, { keys: keys.map((k) => k.publicJwk) });
    await registerJwksUriClient(t, clientId, `${keyServer.base}/${clientId}`);
  };
  const fetches = (clientId: string) => keyServer.hits.get(`/${clientId}`) ?? 0;

  it('a key withdrawn from the jwks_uri stops working as soon as the client is changed', async () => {
    await register('withdraws', [k1, k2]);
    assert.equal((await token('withdraws', k1)).status, 200);
    keyServer.route('/withdraws', { keys: [k2.publicJwk] });
    assert.equal((await t.admin('PATCH', '/clients/withdraws', { client_name: 'k1 withdrawn' })).status, 200);
    assertInvalidClient(await token('withdraws', k1), 'the withdrawn key, right after the change');
    assert.equal((await token('withdraws', k2)).status, 200);
    assert.equal(fetches('withdraws'), 2, 'fetched once more after the change');
  });

  it('a client deleted and re-created with the same id and jwks_uri does not inherit the old keys', async () => {
    await register('phoenix', [k1]);
    assert.equal((await token('phoenix', k1)).status, 200);
    assert.equal((await t.admin('DELETE', '/clients/phoenix')).status, 204);
    await register('phoenix', [k2]);
    assertInvalidClient(await token('phoenix', k1), "the old client's key");
    assert.equal((await token('phoenix', k2)).status, 200);
  });

  it('a signature that no longer verifies refetches the keys, at most once per 10 s per client', async () => {
    const replaced = await testKey('ES256', 'same-kid');
    const replacement = await testKey('ES256', 'same-kid');
    await register('same-kid', [replaced]);
    assert.equal((await token('same-kid', replaced)).status, 200);
    keyServer.route('/same-kid', { keys: [replacement.publicJwk] });
    assertInvalidClient(await token('same-kid', replacement), 'within 10 s of the last fetch');
    assert.equal(fetches('same-kid'), 1);
    clock.advance(10_000);
    assert.equal((await token('same-kid', replacement)).status, 200, 'the failed signature refetched the keys');
    assert.equal(fetches('same-kid'), 2);
    assertInvalidClient(await token('same-kid', replaced), 'the replaced key');
    assert.equal(fetches('same-kid'), 2, 'no refetch within 10 s');
  });

  it('keys are used for at most 5 minutes after the fetch that found them, even while a refetch waits for its interval', async () => {
    await register('ageing', [k1]);
    assert.equal((await token('ageing', k1)).status, 200);
    clock.advance(5 * 60_000 - 5_000);
    keyServer.route('/ageing', (_req, res) => res.writeHead(503).end());
    assertInvalidClient(await token('ageing', k2), 'an unknown kid while the key server fails');
    assert.equal(fetches('ageing'), 2);
    assert.equal((await token('ageing', k1)).status, 200, 'still within its 5 minutes');
    clock.advance(5_000);
    assertInvalidClient(await token('ageing', k1), '5 minutes after the fetch that found it');
    assert.equal(fetches('ageing'), 2, 'the refetch is not due yet');
    keyServer.route('/ageing', { keys: [k1.publicJwk] });
    clock.advance(5_000);
    assert.equal((await token('ageing', k1)).status, 200, 'fetched again');
    assert.equal(fetches('ageing'), 3);
  });

  if (onPostgres)
    it('a change made through another server evicts there as soon as the change arrives', async () => {
      const other = await startTessera({ ...sameStore(t, ALLOW_KEY_SERVER), clock });
      try {
        // The other server learns of each change of the client through the change feed, a moment later.
        const heard: (() => void)[] = [];
        other.server.deps.changes.subscribe(async (change: Change) => {
          if (change.kind === 'client' && change.clientId === 'shared') heard.shift()?.();
        });
        const nextChange = () => new Promise<void>((resolve) => heard.push(resolve));
        const created = nextChange();
        await register('shared', [k1, k2]);
        await created;
        const elsewhere = (key: TestKey) => assertionTokenRequest(other, clock, 'shared', key);
        assert.equal((await elsewhere(k1)).status, 200);
        assert.equal((await token('shared', k1)).status, 200);
        keyServer.route('/shared', { keys: [k2.publicJwk] });
        const withdrawn = nextChange();
        assert.equal((await t.admin('PATCH', '/clients/shared', { client_name: 'k1 withdrawn' })).status, 200);
        await withdrawn;
        assertInvalidClient(await elsewhere(k1), 'the withdrawn key on the other server');
        assert.equal((await elsewhere(k2)).status, 200);
      } finally {
        await other.close();
      }
    });

  if (onPostgres)
    it('after the PostgreSQL change feed was lost, every fetched key set is dropped: the changes sent meanwhile were lost too', async () => {
      await register('missed', [k1, k2]);
      assert.equal((await token('missed', k1)).status, 200);
      keyServer.route('/missed', { keys: [k2.publicJwk] });
      await cutTesseraSessions(t);
      assertInvalidClient(await token('missed', k1), 'the withdrawn key, once the feed is back');
      assert.equal((await token('missed', k2)).status, 200);
    });
});
