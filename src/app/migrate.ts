import { openStore } from '../storage/database.js';
import { migrateToLatest } from '../storage/migrations/index.js';

/** Applies the pending migrations to the database at `databaseUrl`; resolves with their names. */
export async function migrateDatabase(databaseUrl: string): Promise<string[]> {
  const store = openStore(databaseUrl);
  try {
    return await store.exclusively('migrations', () => migrateToLatest(store.db));
  } finally {
    await store.close();
  }
}
