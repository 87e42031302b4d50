import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { sql, type Kysely, type QueryExecutorProvider } from 'kysely';
import { openStore, type Store } from '../../src/storage/database.js';
import { transact, transactCounts } from '../../src/storage/transaction.js';
import type { Database } from '../../src/storage/schema.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { sharedPostgres } from '../helpers/postgres.js';

describeEachDialect('transactions of counts, committed without waiting for the disk', (dialect) => {
  let dir: string;
  let store: Store;
  let db: Kysely<{ counts: { id: number; n: number } }>;
  /** Whether commits on this connection or transaction wait for the disk, as the store reports it. */
  const synced = async (on: QueryExecutorProvider): Promise<boolean> => {
    if (dialect === 'sqlite') return (await sql<{ synchronous: number }>`pragma synchronous`.execute(on)).rows[0]!.synchronous === 2;
    return (await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(on)).rows[0]!.synchronous_commit === 'on';
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-transaction-'));
    let url = `sqlite:${join(dir, 'store.db')}`;
    if (dialect === 'postgres') {
      // The test server does not sync commits at all (fsync off): this database does, as a production one would.
      url = await (await sharedPostgres()).createDatabase();
      const setup = openStore(url);
      const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(setup.db);
      await sql`alter database ${sql.id(rows[0]!.name)} set synchronous_commit = on`.execute(setup.db);
      await setup.close();
    }
    store = openStore(url);
    db = store.db as unknown as typeof db;
    await sql`create table counts (id integer primary key, n integer not null)`.execute(db);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits what the work wrote, unsynced inside and synced again for every query after', async () => {
    assert.equal(await synced(db), true, 'the store syncs its commits');
    const inside = await transactCounts(store.db, async (trx) => {
      await (trx as unknown as typeof db).insertInto('counts').values({ id: 1, n: 10 }).execute();
      return synced(trx);
    });
    assert.equal(inside, false);
    assert.equal(await synced(db), true);
    assert.deepEqual(await db.selectFrom('counts').selectAll().execute(), [{ id: 1, n: 10 }]);
  });

  it('rolls everything back when the work fails, and leaves commits synced', async () => {
    await assert.rejects(
      transactCounts(store.db, async (trx) => {
        await (trx as unknown as typeof db).insertInto('counts').values({ id: 2, n: 20 }).execute();
        throw new Error('the work failed');
      }),
      /the work failed/,
    );
    assert.equal(await synced(db), true);
    assert.deepEqual(await db.selectFrom('counts').select('id').execute(), [{ id: 1 }]);
  });

  it('runs no other query unsynced: one asked for meanwhile runs after, synced', async () => {
    let release!: () => void;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const counts = transactCounts(store.db, async (trx) => {
      await (trx as unknown as typeof db).updateTable('counts').set({ n: 11 }).where('id', '=', 1).execute();
      started();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await running;
    // An admin write asked for while the counts' transaction is open.
    const other = transact(store.db, async (trx) => {
      await (trx as unknown as typeof db).insertInto('counts').values({ id: 3, n: 30 }).execute();
      return synced(trx);
    });
    release();
    await counts;
    assert.equal(await other, true, 'another transaction ran with commits unsynced');
    assert.deepEqual(await db.selectFrom('counts').selectAll().orderBy('id').execute(), [
      { id: 1, n: 11 },
      { id: 3, n: 30 },
    ]);
  });

  it('is an ordinary transaction on a handle the store did not open', async () => {
    const standIn = { transaction: () => store.db.transaction() } as unknown as Kysely<Database>;
    assert.equal(await transactCounts(standIn, (trx) => synced(trx)), true);
  });
});
