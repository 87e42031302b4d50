import { keepPace, type Pace } from '../lib/pace.js';
import type { Executor } from '../storage/repositories/executor.js';
import { transactCounts } from '../storage/transaction.js';

/**
 * Rows per statement of the minute's writes of counts (secret uses, token activity). The embedded
 * store writes synchronously, and the processes of one `tessera serve` share its write lock: a
 * large write goes in short statements, between requests.
 */
export const ROWS_PER_STATEMENT = 100;
/**
 * Statements per transaction: a commit per thousand rows rather than per hundred (the commits of
 * counts do not wait for the disk, transactCounts), while the write lock is held a few
 * milliseconds only (a worker recording a client assertion's jti waits for it).
 */
const STATEMENTS_PER_TRANSACTION = 10;

/**
 * Writes the minute's counts: `write` runs each of `statements` (of at most ROWS_PER_STATEMENT
 * rows), STATEMENTS_PER_TRANSACTION to a transaction, the transactions at `pace`. A transaction
 * only writes, so its first statement takes the write lock (one that read first could not take it
 * in SQLite once another process wrote meanwhile). When a transaction fails, `keep` gets the
 * statements not written (for the next write) and the error is thrown.
 */
export async function writeCounts<S>(
  db: Executor,
  statements: readonly S[],
  pace: Pace,
  write: (trx: Executor, statement: S) => Promise<void>,
  keep: (unwritten: S[]) => void,
): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < statements.length; i += STATEMENTS_PER_TRANSACTION) {
    if (i > 0) await keepPace(started, i, statements.length, pace);
    const group = statements.slice(i, i + STATEMENTS_PER_TRANSACTION);
    try {
      await transactCounts(db, async (trx) => {
        for (const statement of group) await write(trx, statement);
      });
    } catch (err) {
      keep(statements.slice(i));
      throw err;
    }
  }
}
