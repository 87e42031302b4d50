import { Migrator, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_revocation.js';
import * as m0003 from './0003_client_assertions.js';
import * as m0004 from './0004_dpop.js';
import * as m0005 from './0005_token_activity.js';
import * as m0006 from './0006_admin_token_digests.js';
import * as m0007 from './0007_federation.js';
import * as m0008 from './0008_mtls.js';
import * as m0009 from './0009_admin_scopes.js';
import * as m0010 from './0010_configuration.js';
import * as m0011 from './0011_token_shaping.js';

/** Every migration, in order. Listed statically so a bundle or a clone never depends on a directory scan. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_revocation': m0002,
  '0003_client_assertions': m0003,
  '0004_dpop': m0004,
  '0005_token_activity': m0005,
  '0006_admin_token_digests': m0006,
  '0007_federation': m0007,
  '0008_mtls': m0008,
  '0009_admin_scopes': m0009,
  '0010_configuration': m0010,
  '0011_token_shaping': m0011,
};

/** The names of every migration, in the order they apply. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

/**
 * Applies every pending migration. Run it inside `Store.exclusively('migrations', …)` so that
 * processes starting together on PostgreSQL take turns (the first migrates, the others find
 * nothing left to do).
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${describeError(result.error)}`, { cause: result.error });
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Applies the migrations up to and including `name` (tests build a database as an earlier release left it). */
export async function migrateUpTo(db: Kysely<any>, name: string): Promise<void> {
  if (!(name in MIGRATIONS)) throw new Error(`no migration ${name}`);
  const result = await new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } }).migrateTo(name);
  if (result.error) throw new Error(`migration to ${name} failed: ${describeError(result.error)}`, { cause: result.error });
}

/** A failed migration's error as text (Kysely reports it as `unknown`). */
function describeError(err: unknown): string {
  return err instanceof Error ? String(err) : JSON.stringify(err);
}
