import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** An open store: the Kysely instance and how to close it. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** For SQLite: the absolute path of the database file. */
  readonly sqlitePath?: string;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Parses `sqlite:PATH` or `postgres://…` into the dialect and its location. */
export function parseDatabaseUrl(url: string): { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string } {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new Error('empty SQLite path');
    return { dialect: 'sqlite', path: resolve(path) };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { dialect: 'postgres', url };
  throw new Error('expected sqlite:PATH or postgres://…');
}

/** Opens the store named by a database URL (SQLite in WAL mode, or a PostgreSQL pool). */
export function openStore(url: string, options: { poolSize?: number } = {}): Store {
  const parsed = parseDatabaseUrl(url);
  if (parsed.dialect === 'sqlite') {
    mkdirSync(dirname(parsed.path), { recursive: true });
    const database = new SQLite(parsed.path);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
    return {
      db,
      dialect: 'sqlite',
      sqlitePath: parsed.path,
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: () => db.destroy(),
    };
  }
  const pool = new pg.Pool({ connectionString: parsed.url, max: options.poolSize ?? 10 });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
