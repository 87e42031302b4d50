import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/storage/database.js';
import type { TestDialect } from './dialects.js';
import { storeEnv } from './tessera.js';

/**
 * Opens a store of `dialect` in a directory of its own (`prefix` names it): a SQLite file there,
 * or a fresh PostgreSQL database. Not migrated. Closing it removes the directory too.
 */
export async function openTestStore(dialect: TestDialect, prefix: string): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const store = openStore((await storeEnv(dialect, dir)).TESSERA_DATABASE_URL!);
  const close = store.close.bind(store);
  return Object.assign(store, {
    close: async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
