import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_revocation.js';
import * as m0003 from './0003_client_assertions.js';
import * as m0004 from './0004_dpop.js';

/** Every migration, in order. Listed statically so a bundle or a clone never depends on a directory scan. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_revocation': m0002,
  '0003_client_assertions': m0003,
  '0004_dpop': m0004,
};

/** PostgreSQL advisory lock key of Tessera's migrations ("tessera" in ASCII, then 1). */
const MIGRATION_LOCK_KEY = '8386093285548597505';

/**
 * Applies every pending migration. On PostgreSQL, processes starting together queue on an
 * advisory lock held around the whole run (including the creation of Kysely's own tables), so
 * one migrates and the others find nothing left to do. SQLite serialises writers by itself.
 */
export async function migrateToLatest(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<string[]> {
  if (dialect === 'sqlite') return migrate(db);
  // The lock is held by one pooled connection while the migrator works on others.
  return db.connection().execute(async (locked) => {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY}::bigint)`.execute(locked);
    try {
      return await migrate(db);
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY}::bigint)`.execute(locked);
    }
  });
}

async function migrate(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${String(result.error)}`, { cause: result.error });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
