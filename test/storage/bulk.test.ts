import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { openStore, type Store } from '../../src/storage/database.js';
import { executeBulk, valuesList } from '../../src/storage/repositories/executor.js';
import { transactCounts } from '../../src/storage/transaction.js';
import type { Database } from '../../src/storage/schema.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { sharedPostgres } from '../helpers/postgres.js';

describeEachDialect('bulk statements compiled once per number of rows', (dialect) => {
  let dir: string;
  let store: Store;
  let db: Kysely<{ pairs: { k: string; v: number } }>;
  /** Upserts the rows with executeBulk; counts how often the statement had to be built. */
  let builds = 0;
  const upsert = (on: Kysely<Database>, rows: [string, number][], statement = 'upsert pairs') =>
    executeBulk(on, statement, rows.flat(), () => {
      builds += 1;
      return sql`insert into pairs (k, v) values ${valuesList(rows)} on conflict (k) do update set v = excluded.v`;
    });
  const stored = async () => (await db.selectFrom('pairs').selectAll().orderBy('k').execute()).map((r) => [r.k, Number(r.v)]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-bulk-'));
    store = openStore(dialect === 'sqlite' ? `sqlite:${join(dir, 'store.db')}` : await (await sharedPostgres()).createDatabase());
    db = store.db as unknown as typeof db;
    await sql`create table pairs (k varchar(10) primary key, v integer not null)`.execute(db);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs each statement with its own parameters, building it once per number of rows', async () => {
    await upsert(store.db, [
      ['a', 1],
      ['b', 2],
    ]);
    await upsert(store.db, [
      ['c', 3],
      ['a', 10],
    ]);
    assert.equal(builds, 1, 'the same statement for as many rows was built again');
    await upsert(store.db, [
      ['d', 4],
      ['e', 5],
      ['b', 20],
    ]);
    assert.equal(builds, 2);
    // In a transaction of counts too, with the SQL compiled outside it.
    await transactCounts(store.db, (trx) =>
      upsert(trx, [
        ['e', 50],
        ['f', 6],
      ]),
    );
    assert.equal(builds, 2);
    assert.deepEqual(await stored(), [
      ['a', 10],
      ['b', 20],
      ['c', 3],
      ['d', 4],
      ['e', 50],
      ['f', 6],
    ]);
  });

  it('refuses a statement whose parameters are not the ones given', async () => {
    await assert.rejects(
      executeBulk(store.db, 'mismatched', ['x', 1], () => sql`insert into pairs (k, v) values (${'x'}, ${1}), (${'y'}, ${2})`),
      /mismatched: the statement has 4 parameters, not 2/,
    );
    assert.deepEqual(
      (await stored()).map(([k]) => k),
      ['a', 'b', 'c', 'd', 'e', 'f'],
    );
  });

  it('builds the statement each time on a handle whose store it does not know', async () => {
    const standIn = { executeQuery: store.db.executeQuery.bind(store.db), getExecutor: () => store.db.getExecutor() } as unknown as Kysely<Database>;
    const before = builds;
    await upsert(
      standIn,
      [
        ['g', 7],
        ['h', 8],
      ],
      'upsert pairs elsewhere',
    );
    await upsert(
      standIn,
      [
        ['g', 70],
        ['h', 80],
      ],
      'upsert pairs elsewhere',
    );
    assert.equal(builds, before + 2);
    assert.deepEqual((await stored()).slice(-2), [
      ['g', 70],
      ['h', 80],
    ]);
  });
});
