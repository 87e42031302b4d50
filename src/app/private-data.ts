import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { sharedMode } from '../lib/private-files.js';
import { secretFilePath } from './secret.js';

/** What of a SQLite installation must be private: its directory, the database with its WAL and shared memory, and the secret file when one is used. */
export function privateDataPaths(sqlitePath: string, usesSecretFile: boolean): string[] {
  return [dirname(sqlitePath), sqlitePath, `${sqlitePath}-wal`, `${sqlitePath}-shm`, ...(usesSecretFile ? [secretFilePath(sqlitePath)] : [])];
}

/**
 * One warn line per path that its group or others can access: Tessera creates them private
 * (0700, 0600) but leaves as they are those that existed before it started.
 */
export function warnAboutSharedData(paths: readonly string[], logger: Logger): void {
  for (const path of paths) {
    const mode = sharedMode(path);
    if (mode !== undefined) logger.warn({ path, mode }, 'data accessible to group or others: make it private (chmod 700 the directory, 600 the files)');
  }
}
