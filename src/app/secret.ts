import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createPrivateFile } from '../lib/private-files.js';
import { ConfigError, type Config } from './config.js';

/** Where the key-encryption key of a SQLite installation without TESSERA_SECRET lives: beside the database file. */
export function secretFilePath(sqlitePath: string): string {
  return join(dirname(sqlitePath), 'tessera.secret');
}

/**
 * The key-encryption key for signing keys at rest: TESSERA_SECRET, or for SQLite a secret
 * generated once into `tessera.secret` beside the database file (mode 0600).
 */
export function resolveKeyEncryptionKey(config: Config, sqlitePath: string | undefined): Buffer {
  if (config.secret) return Buffer.from(config.secret, 'hex');
  if (!sqlitePath) throw new ConfigError('TESSERA_SECRET is required with PostgreSQL: every process must share it (`openssl rand -hex 32`)');
  const file = secretFilePath(sqlitePath);
  // Mode 0600 whatever the umask; a file that exists is kept (the server warns when others can read it).
  createPrivateFile(file, `${randomBytes(32).toString('hex')}\n`);
  const hex = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new ConfigError(`${file} does not hold 64 hex characters; restore it or set TESSERA_SECRET`);
  return Buffer.from(hex, 'hex');
}
