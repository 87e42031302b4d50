import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Change } from '../../src/domain/changes.js';
import { manualClock, type ManualClock } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { federatedIssuerRecord, FEDERATION_TEST_ENV, startOidcIssuer, type TestIssuer } from '../helpers/federated-issuers.js';
import { sameStore } from '../helpers/private-key-jwt.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';
import { cutTesseraSessions } from '../helpers/postgres.js';

describeEachDialect('federated key caches: a change to an issuer drops its fetched keys', (dialect) => {
  // Several servers on one database, and the change feed between them, exist on PostgreSQL only.
  const onPostgres = dialect === 'postgres';
  let clock: ManualClock;
  let t: TestTessera;
  let issuer: TestIssuer;

  before(async () => {
    clock = manualClock();
    t = await startTessera({ dialect, clock, env: FEDERATION_TEST_ENV });
    issuer = await startOidcIssuer({ clock });
  });
  after(async () => {
    await t.close();
    await issuer.close();
  });

  const change = (issuerId: string): Change => ({ kind: 'federated-issuer', tenantId: 'default', issuerId });

  it('in the process that publishes the change, and no other issuer’s keys', async () => {
    const keys = t.server.deps.federatedKeys;
    const mine = federatedIssuerRecord(issuer, { id: 'fi_changed' });
    const other = federatedIssuerRecord(issuer, { id: 'fi_other' });
    await keys.keysFor(mine, { kid: 'key-1' });
    await keys.keysFor(other, { kid: 'key-1' });
    assert.equal(issuer.keyFetches(), 2);
    await t.server.deps.changes.publish(change('fi_changed'));
    await keys.keysFor(mine, { kid: 'key-1' });
    await keys.keysFor(other, { kid: 'key-1' });
    assert.equal(issuer.keyFetches(), 3, 'only the changed issuer’s keys were fetched again');
  });

  it('a failed background refresh is logged with its reason, and the cached keys are used', async () => {
    const keys = t.server.deps.federatedKeys;
    const fi = federatedIssuerRecord(issuer, { id: 'fi_flaky' });
    await keys.keysFor(fi, { kid: 'key-1' });
    issuer.setDown(true);
    try {
      clock.advance(50 * 60_000);
      assert.deepEqual(
        (await keys.keysFor(fi, { kid: 'key-1' })).map((k) => k.kid),
        ['key-1'],
      );
      await keys.settled();
    } finally {
      issuer.setDown(false);
    }
    const line = t.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'federated issuer keys not refreshed; the cached keys are used');
    assert.deepEqual(
      { tenant: line?.tenant, federated_issuer: line?.federated_issuer, reason: line?.reason },
      { tenant: 'tenant', federated_issuer: 'fi_flaky', reason: `discovery ${issuer.discoveryUrl}: answered HTTP 503` },
    );
  });

  if (onPostgres)
    it('in another server on the same database, once the change arrives', async () => {
      const other = await startTessera({ ...sameStore(t, FEDERATION_TEST_ENV), clock });
      try {
        const fi = federatedIssuerRecord(issuer, { id: 'fi_elsewhere' });
        await other.server.deps.federatedKeys.keysFor(fi, { kid: 'key-1' });
        const fetches = issuer.keyFetches();
        const heard = new Promise<void>((resolve) => {
          other.server.deps.changes.subscribe(async (c) => {
            if (c.kind === 'federated-issuer' && c.issuerId === fi.id) resolve();
          });
        });
        await t.server.deps.changes.publish(change(fi.id));
        await heard;
        await other.server.deps.federatedKeys.keysFor(fi, { kid: 'key-1' });
        assert.equal(issuer.keyFetches(), fetches + 1);
      } finally {
        await other.close();
      }
    });

  if (onPostgres)
    it('after the PostgreSQL change feed was lost, every issuer’s keys are dropped', async () => {
      const keys = t.server.deps.federatedKeys;
      const fi = federatedIssuerRecord(issuer, { id: 'fi_missed' });
      await keys.keysFor(fi, { kid: 'key-1' });
      const fetches = issuer.keyFetches();
      await cutTesseraSessions(t);
      await keys.keysFor(fi, { kid: 'key-1' });
      assert.equal(issuer.keyFetches(), fetches + 1, 'fetched again');
    });
});
