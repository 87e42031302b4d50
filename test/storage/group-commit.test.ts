import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, it } from 'node:test';
import { sql, type Kysely, type Transaction } from 'kysely';
import { openStore, type Store } from '../../src/storage/database.js';
import { ForeignKeyViolation, UniqueViolation } from '../../src/storage/errors.js';
import { transact } from '../../src/storage/transaction.js';
import type { Database } from '../../src/storage/schema.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { sharedPostgres } from '../helpers/postgres.js';

/** The tables of these tests: rows, and notes whose parent is checked only at commit. */
interface Tables {
  rows: { id: number; label: string };
  parents: { id: number };
  notes: { id: number; parent_id: number };
}

const as = (trx: Transaction<Database>) => trx as unknown as Kysely<Tables>;

describeEachDialect('transact: concurrent transactions (group commit on SQLite)', (dialect) => {
  let dir: string;
  let url: string;
  let store: Store;
  let db: Kysely<Tables>;
  const open = () => {
    store = openStore(url);
    db = store.db as unknown as Kysely<Tables>;
  };
  const ids = async () => (await db.selectFrom('rows').select('id').orderBy('id').execute()).map((r) => r.id);
  const insert =
    (id: number, label = `row ${id}`) =>
    (trx: Transaction<Database>) =>
      as(trx).insertInto('rows').values({ id, label }).execute();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-group-commit-'));
    url = dialect === 'sqlite' ? `sqlite:${join(dir, 'store.db')}` : await (await sharedPostgres()).createDatabase();
    open();
    await sql`create table rows (id integer primary key, label text not null)`.execute(db);
    await sql`create table parents (id integer primary key)`.execute(db);
    await sql`create table notes (id integer primary key, parent_id integer not null references parents (id) deferrable initially deferred)`.execute(db);
  });
  beforeEach(async () => {
    await sql`delete from notes`.execute(db);
    await sql`delete from rows`.execute(db);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits every one of many concurrent transactions, each resolved with its own value, all there after reopening', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        transact(store.db, async (trx) => {
          await insert(i)(trx);
          // Each sees its own write inside its transaction.
          const mine = await as(trx).selectFrom('rows').select('label').where('id', '=', i).executeTakeFirst();
          return mine?.label;
        }),
      ),
    );
    assert.deepEqual(
      results,
      Array.from({ length: 100 }, (_, i) => `row ${i}`),
    );
    await store.close();
    open();
    assert.deepEqual(
      await ids(),
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  it('resolves a transaction only once its writes are committed: another connection sees them then', async () => {
    const other = openStore(url);
    try {
      const seen = await Promise.all(
        [1, 2, 3].map((id) =>
          transact(store.db, insert(id)).then(
            async () => (await sql<{ n: number }>`select count(*) as n from rows where id = ${id}`.execute(other.db)).rows[0]!.n,
          ),
        ),
      );
      // PostgreSQL answers count(*) as a string.
      assert.deepEqual(seen.map(Number), [1, 1, 1]);
    } finally {
      await other.close();
    }
  });

  it('rolls back only the transaction that fails, which rejects with its own error (a unique violation stays one); the others commit', async () => {
    await transact(store.db, insert(1));
    const outcomes = await Promise.allSettled([
      transact(store.db, insert(2)),
      transact(store.db, async (trx) => {
        await insert(3)(trx);
        await insert(1, 'duplicate')(trx);
      }),
      transact(store.db, async (trx) => {
        await insert(4)(trx);
        throw new Error('the work of this one failed');
      }),
      transact(store.db, insert(5)),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
    );
    assert.ok((outcomes[1] as PromiseRejectedResult).reason instanceof UniqueViolation);
    assert.equal((outcomes[2] as PromiseRejectedResult).reason.message, 'the work of this one failed');
    assert.deepEqual(await ids(), [1, 2, 5]);
    assert.equal((await db.selectFrom('rows').select('label').where('id', '=', 1).executeTakeFirstOrThrow()).label, 'row 1');
  });

  it('runs transactions asked for one after the other each in turn, each seeing what the one before committed', async () => {
    for (let id = 1; id <= 3; id++) {
      const before = await transact(store.db, async (trx) => {
        const count = (await as(trx).selectFrom('rows').select('id').execute()).length;
        await insert(id)(trx);
        return count;
      });
      assert.equal(before, id - 1);
      assert.deepEqual(
        await ids(),
        Array.from({ length: id }, (_, i) => i + 1),
      );
    }
  });

  it('answers a read outside any transaction while a transaction is open, with what is committed only', async () => {
    await transact(store.db, insert(1));
    let release!: () => void;
    let inserted!: () => void;
    const written = new Promise<void>((resolve) => (inserted = resolve));
    const open = transact(store.db, async (trx) => {
      await insert(2)(trx);
      inserted();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await written;
    assert.deepEqual(await ids(), [1], 'the read waited for the transaction or saw its uncommitted row');
    release();
    await open;
    assert.deepEqual(await ids(), [1, 2]);
  });

  it('rejects a transaction whose commit fails (a deferred foreign key), with nothing written; on SQLite its whole group rejects', async () => {
    const [orphan, neighbour] = await Promise.allSettled([
      // The parent is checked at commit only: the statement itself succeeds.
      transact(store.db, (trx) => as(trx).insertInto('notes').values({ id: 1, parent_id: 404 }).execute()),
      transact(store.db, insert(7)),
    ]);
    assert.equal(orphan.status, 'rejected');
    assert.ok(orphan.reason instanceof ForeignKeyViolation);
    assert.deepEqual(await db.selectFrom('notes').select('id').execute(), []);
    if (dialect === 'sqlite') {
      // Both shared one physical transaction: its commit failed for both, and neither is written.
      assert.equal(neighbour.status, 'rejected');
      assert.ok(neighbour.reason instanceof ForeignKeyViolation);
      assert.deepEqual(await ids(), []);
    } else {
      // PostgreSQL commits each transaction on its own.
      assert.equal(neighbour.status, 'fulfilled');
      assert.deepEqual(await ids(), [7]);
    }
    // The store goes on: the next transactions commit.
    await Promise.all([transact(store.db, insert(8)), transact(store.db, insert(9))]);
    assert.deepEqual(await ids(), dialect === 'sqlite' ? [8, 9] : [7, 8, 9]);
  });
});
