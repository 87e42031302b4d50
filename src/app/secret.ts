import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, type Config } from './config.js';

/**
 * The key-encryption key for signing keys at rest: TESSERA_SECRET, or for SQLite a secret
 * generated once into `tessera.secret` beside the database file (mode 0600).
 */
export function resolveKeyEncryptionKey(config: Config, sqlitePath: string | undefined): Buffer {
  if (config.secret) return Buffer.from(config.secret, 'hex');
  if (!sqlitePath) throw new ConfigError('TESSERA_SECRET is required with PostgreSQL: every process must share it (`openssl rand -hex 32`)');
  const file = join(dirname(sqlitePath), 'tessera.secret');
  if (!existsSync(file)) {
    try {
      writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new ConfigError(`${file} does not hold 64 hex characters; restore it or set TESSERA_SECRET`);
  return Buffer.from(hex, 'hex');
}
