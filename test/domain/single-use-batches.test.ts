import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_SINGLE_USE_BATCH, SingleUseBatches } from '../../src/domain/single-use.js';
import type { Store } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrations/index.js';
import { clientAssertionJtisRepo } from '../../src/storage/repositories/client-assertion-jtis.js';
import { federatedAssertionJtisRepo } from '../../src/storage/repositories/federated-assertion-jtis.js';
import type { JtiRow } from '../../src/storage/repositories/single-use-jtis.js';
import { tenantsRepo } from '../../src/storage/repositories/tenants.js';
import { transact } from '../../src/storage/transaction.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { openTestStore } from '../helpers/store.js';

const AT = '2026-01-01T00:00:00.000Z';
const EXPIRES = '2026-01-01T00:05:00.000Z';

describeEachDialect('single-use values recorded in batches (assertions’ jtis)', (dialect) => {
  let store: Store;
  /** The rows each batch handed to the store, batch by batch. */
  const batches: (readonly JtiRow[])[] = [];
  let jtis: SingleUseBatches;

  before(async () => {
    store = await openTestStore(dialect, 'tessera-single-use-');
    await migrateToLatest(store.db);
    await tenantsRepo.insert(store.db, { id: 'acme', name: 'acme', signingAlg: 'ES256', accessTokenTtl: 3600, tlsClientCas: [], createdAt: AT, updatedAt: AT });
    jtis = new SingleUseBatches((rows) => {
      batches.push(rows);
      return transact(store.db, (trx) => clientAssertionJtisRepo.insertNew(trx, rows));
    });
  });
  after(() => store.close());

  const row = (jti: string, tenantId = 'acme', ownerId = 'c1'): JtiRow => ({ tenantId, ownerId, jti, expiresAt: EXPIRES });
  const stored = async (): Promise<number> =>
    Number(
      (
        await store.db
          .selectFrom('client_assertion_jtis')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('records the values asked for in one turn with one statement per batch, each new once', async () => {
    batches.length = 0;
    const count = MAX_SINGLE_USE_BATCH + 44;
    const fresh = await Promise.all(Array.from({ length: count }, (_, i) => jtis.record(row(`turn-${i}`))));
    assert.deepEqual(
      fresh,
      Array.from({ length: count }, () => true),
    );
    assert.deepEqual(
      batches.map((b) => b.length),
      [MAX_SINGLE_USE_BATCH, 44],
    );
    assert.equal(await stored(), count);
  });

  it('answers a replay of an earlier batch, and a value asked twice in one batch, as used (false)', async () => {
    batches.length = 0;
    const [again, first, second, otherClient] = await Promise.all([
      jtis.record(row('turn-0')),
      jtis.record(row('twice')),
      jtis.record(row('twice')),
      jtis.record(row('twice', 'acme', 'c2')),
    ]);
    assert.deepEqual([again, first, second, otherClient], [false, true, false, true]);
    assert.equal(batches.length, 1);
    assert.equal(batches[0]!.length, 3, 'the value asked twice goes to the store once');
  });

  it('fails only the value the store refuses when a batch fails, and records the others', async () => {
    batches.length = 0;
    const before = await stored();
    const results = await Promise.allSettled([jtis.record(row('kept-1')), jtis.record(row('orphan', 'no-such-tenant')), jtis.record(row('kept-2'))]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : 'refused')),
      [true, 'refused', true],
    );
    assert.equal(await stored(), before + 2);
    assert.equal(batches.length, 4, 'the batch, then each value alone');
    assert.equal(await jtis.record(row('kept-1')), false, 'a value recorded alone is used');
  });

  it('records federated assertions’ jtis by issuer, apart from clients’ jtis', async () => {
    const federated = new SingleUseBatches((rows) => transact(store.db, (trx) => federatedAssertionJtisRepo.insertNew(trx, rows)));
    assert.deepEqual(await Promise.all([federated.record(row('turn-1', 'acme', 'issuer-1')), federated.record(row('turn-1', 'acme', 'issuer-1'))]), [
      true,
      false,
    ]);
    assert.equal(await federated.record(row('turn-1', 'acme', 'issuer-2')), true);
    const rows = await store.db.selectFrom('federated_assertion_jtis').select(['issuer_id', 'jti', 'expires_at']).orderBy('issuer_id').execute();
    assert.deepEqual(rows, [
      { issuer_id: 'issuer-1', jti: 'turn-1', expires_at: EXPIRES },
      { issuer_id: 'issuer-2', jti: 'turn-1', expires_at: EXPIRES },
    ]);
  });
});

describe('single-use batches when the store is down', () => {
  it('reject every value with the store’s error, each tried alone', async () => {
    let calls = 0;
    const down = new SingleUseBatches(() => {
      calls++;
      return Promise.reject(new Error('store down'));
    });
    const results = await Promise.allSettled([
      down.record({ tenantId: 't', ownerId: 'o', jti: 'a', expiresAt: EXPIRES }),
      down.record({ tenantId: 't', ownerId: 'o', jti: 'b', expiresAt: EXPIRES }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status === 'rejected' && (r.reason as Error).message),
      ['store down', 'store down'],
    );
    assert.equal(calls, 3);
  });
});
