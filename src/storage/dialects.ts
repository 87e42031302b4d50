import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { DialectName } from './database.js';

/** The store each database handle (or transaction) works on, as openStore and transactCounts tell. */
const dialects = new WeakMap<Kysely<Database>, DialectName>();

/** Notes which store a handle works on (openStore, for each handle it opens; a transaction it starts). */
export function rememberDialect(db: Kysely<Database>, dialect: DialectName): void {
  dialects.set(db, dialect);
}

/** The store a handle works on, or undefined for a handle nothing told of (a test's stand-in). */
export function dialectOf(db: Kysely<Database>): DialectName | undefined {
  return dialects.get(db);
}
