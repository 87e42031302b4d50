import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import { dialectOf, rememberDialect } from './dialects.js';
import { translated } from './errors.js';
import { GroupCommit } from './group-commit.js';

/** How the embedded store syncs its commits: every commit reaches the disk before it returns. */
export const SQLITE_SYNCHRONOUS = 'FULL';

/** The group committer of each embedded store's handle, made on its first transaction. */
const groups = new WeakMap<Kysely<Database>, GroupCommit>();

/**
 * Runs `work` in one transaction: everything it writes commits together, or nothing does; the
 * promise resolves once the commit is durable.
 *
 * SQLite: concurrent transactions are group-committed (group-commit.ts): each runs in a savepoint
 * of a transaction shared with the others waiting, committed (and synced to disk) once for all.
 * PostgreSQL: a transaction of its own on a pooled connection; the server groups the commits of
 * concurrent sessions itself.
 */
export function transact<T>(db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  const dialect = dialectOf(db);
  if (dialect === 'sqlite' && !db.isTransaction) {
    let group = groups.get(db);
    if (group === undefined) groups.set(db, (group = new GroupCommit(db)));
    return group.run(work);
  }
  return translated(() =>
    db.transaction().execute((trx) => {
      // Repositories that differ by store (advisory locks) ask the transaction which one it is.
      if (dialect !== undefined) rememberDialect(trx, dialect);
      return work(trx);
    }),
  );
}

/**
 * Runs `work` in one transaction whose commit does not wait for the disk: for counts written in
 * bulk once a minute (when each secret was last used, token activity), which a power failure may
 * lose without harm — the store stays consistent, and a later synced commit makes them durable.
 * Everything else keeps synced commits.
 *
 * SQLite: `synchronous = NORMAL` for this transaction only, on the one connection held from
 * before it starts until after it is set back, so no other query runs in between. PostgreSQL:
 * `synchronous_commit = off` for this transaction. A handle openStore did not open (an open
 * transaction, a test's stand-in): an ordinary transaction.
 */
export function transactCounts<T>(db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  switch (dialectOf(db)) {
    case 'sqlite':
      return translated(() =>
        db.connection().execute(async (connection) => {
          await sql`pragma synchronous = NORMAL`.execute(connection);
          try {
            return await connection.transaction().execute((trx) => {
              rememberDialect(trx, 'sqlite');
              return work(trx);
            });
          } finally {
            await sql.raw(`pragma synchronous = ${SQLITE_SYNCHRONOUS}`).execute(connection);
          }
        }),
      );
    case 'postgres':
      return translated(() =>
        db.transaction().execute(async (trx) => {
          rememberDialect(trx, 'postgres');
          await sql`set local synchronous_commit = off`.execute(trx);
          return work(trx);
        }),
      );
    default:
      return transact(db, work);
  }
}
