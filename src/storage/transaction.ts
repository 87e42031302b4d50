import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import { translated } from './errors.js';

/** Runs `work` in one transaction: everything it writes commits together, or nothing does. */
export function transact<T>(db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  return translated(() => db.transaction().execute(work));
}
