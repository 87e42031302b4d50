import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { openStore, type Store } from '../../src/storage/database.js';

// The embedded store keeps its prepared statements by SQL text: what follows is what that must not change.
describe('the embedded store reusing prepared statements', () => {
  let dir: string;
  let store: Store;
  // A table of this test's own, outside the schema's types.
  let db: Kysely<{ t: { id: number; v: string } }>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-store-'));
    store = openStore(`sqlite:${join(dir, 'store.db')}`);
    db = store.db as unknown as typeof db;
    await sql`create table t (id integer primary key, v text not null)`.execute(db);
    await db
      .insertInto('t')
      .values([1, 2, 3].map((id) => ({ id, v: `v${id}` })))
      .execute();
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a query again after a stream of the same query was left unfinished', async () => {
    const query = () => db.selectFrom('t').select(['id', 'v']).orderBy('id');
    for await (const row of query().stream()) {
      assert.equal(row.id, 1);
      break;
    }
    assert.deepEqual(
      (await query().execute()).map((r) => r.id),
      [1, 2, 3],
    );
    const streamed: number[] = [];
    for await (const row of query().stream()) streamed.push(row.id);
    assert.deepEqual(streamed, [1, 2, 3]);
  });

  it('answers with the table as it is after a schema change, not as it was when first prepared', async () => {
    const all = () => sql<Record<string, unknown>>`select * from t where id = ${1}`.execute(db);
    assert.deepEqual((await all()).rows, [{ id: 1, v: 'v1' }]);
    await sql`alter table t add column w text not null default 'added'`.execute(db);
    assert.deepEqual((await all()).rows, [{ id: 1, v: 'v1', w: 'added' }]);
  });

  it('runs as many different statements as asked, beyond what it keeps prepared', async () => {
    for (let n = 1; n <= 450; n++) {
      const ids = Array.from({ length: n }, (_, i) => i + 1);
      const { rows } = await sql<{ n: number }>`select count(*) as n from t where id in (${sql.join(ids)})`.execute(db);
      assert.equal(rows[0]!.n, Math.min(n, 3));
    }
    assert.equal((await db.selectFrom('t').select('v').where('id', '=', 2).executeTakeFirst())?.v, 'v2');
  });
});
