import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  Kysely,
  PostgresDialect,
  SelectQueryNode,
  sql,
  type KyselyPlugin,
  type LogEvent,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type SqliteDatabase,
  type UnknownRow,
} from 'kysely';
import { createPrivateFile, makePrivateDirectory } from '../lib/private-files.js';
import { isConnectionFailure } from './errors.js';
import { rememberDialect } from './dialects.js';
import { SQLITE_SYNCHRONOUS } from './transaction.js';
import { ReadsAsideSqliteDialect } from './sqlite-reads-aside.js';
import type { StoreHealth } from './health.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

/** An open store: the Kysely instance and how to close it. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** For SQLite: the absolute path of the database file. */
  readonly sqlitePath?: string;
  ping(): Promise<void>;
  /** PostgreSQL: the connection pool right now; undefined for SQLite (one in-process connection, no pool). */
  pool(): PoolStats | undefined;
  /**
   * Runs `work` while no other process runs work under the same lock: a PostgreSQL advisory lock
   * held by one pooled connection while `work` uses others. SQLite serialises writers by itself.
   */
  exclusively<T>(lock: ExclusiveLock, work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A connection pool at one moment. */
export interface PoolStats {
  /** The most connections the pool opens. */
  readonly max: number;
  /** Connections open, in use or idle. */
  readonly open: number;
  readonly idle: number;
  /** Queries waiting for a connection. */
  readonly waiting: number;
}

/** What processes starting together must do one at a time. */
export type ExclusiveLock = 'migrations' | 'bootstrap';

/** PostgreSQL advisory lock keys: "tessera" in ASCII, then 1 or 2. */
const LOCK_KEYS: Record<ExclusiveLock, string> = { migrations: '8386093285548597505', bootstrap: '8386093285548597506' };

export interface StoreOptions {
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number;
  /** Told about every query's outcome, so that connection failures mark the store unavailable. */
  health?: StoreHealth;
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

/** How long opening a PostgreSQL connection may take before the attempt counts as failed. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** Connection settings shared by the pool and the change feed's own connection. */
export function postgresClientConfig(url: string): pg.ClientConfig {
  // keepAlive: a connection to a server that vanished without closing it is noticed.
  return { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, application_name: 'tessera' };
}

/**
 * SQLite has no `SELECT … FOR UPDATE`: it serialises writers on its own (one write transaction
 * at a time per file). Repositories ask for row locks portably; on SQLite this drops them.
 */
class WithoutRowLocks implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node;
    if (!SelectQueryNode.is(node) || !node.endModifiers?.length) return node;
    return { ...node, endModifiers: node.endModifiers.filter((m) => m.modifier !== 'ForUpdate') };
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** Statements kept prepared by the embedded store, by SQL text. */
const STATEMENT_CACHE = 200;

/**
 * The SQLite connection as Kysely sees it, with its prepared statements kept by SQL text: Kysely
 * prepares every query it runs, and preparing a statement costs better-sqlite3 about as much as
 * running it (a flush of a busy minute runs the same hundred-row statement thousands of times).
 * A statement busy in an iteration is never handed out twice.
 */
function withStatementCache(database: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sqlText) {
      let statement = cache.get(sqlText);
      if (statement !== undefined && !statement.busy) return statement;
      statement = database.prepare(sqlText);
      if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
      cache.set(sqlText, statement);
      return statement;
    },
  };
}

/** Opens the store named by a database URL (SQLite in WAL mode, or a PostgreSQL pool). */
export function openStore(url: string, options: StoreOptions = {}): Store {
  const parsed = parseDatabaseUrl(url);
  if (parsed.dialect === 'sqlite') {
    // The data directory 0700 and the database 0600 whatever the umask, when Tessera creates them
    // (an empty file is an empty database). SQLite creates the -wal and -shm files with the
    // database file's mode. Existing ones are left as they are; the server warns about them.
    makePrivateDirectory(dirname(parsed.path));
    createPrivateFile(parsed.path);
    const database = new SQLite(parsed.path);
    database.pragma('journal_mode = WAL');
    database.pragma(`synchronous = ${SQLITE_SYNCHRONOUS}`);
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    // Reads outside transactions go to a connection of their own (sqlite-reads-aside.ts).
    const reader = new SQLite(parsed.path, { readonly: true });
    reader.pragma('busy_timeout = 5000');
    const dialect = new ReadsAsideSqliteDialect(withStatementCache(database), withStatementCache(reader));
    const db = new Kysely<Database>({ dialect, plugins: [new WithoutRowLocks()] });
    rememberDialect(db, 'sqlite');
    return {
      db,
      dialect: 'sqlite',
      sqlitePath: parsed.path,
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      pool: () => undefined,
      exclusively: (_lock, work) => work(),
      close: () => db.destroy(),
    };
  }
  const health = options.health;
  const max = options.poolSize ?? 10;
  const pool = new pg.Pool({ ...postgresClientConfig(parsed.url), max });
  // An idle connection that breaks is dropped by the pool, which reports it here; without a
  // listener the 'error' event would end the process.
  pool.on('error', (err) => health?.queryFailed(err));
  // A connection in use that breaks emits 'error' too: the query running on it fails, which is
  // how the caller learns of it; the event itself must not end the process.
  pool.on('connect', (client) => client.on('error', () => {}));
  const observed = {
    connect: async () => {
      try {
        return await pool.connect();
      } catch (err) {
        health?.queryFailed(err);
        throw err;
      }
    },
    end: () => pool.end(),
  };
  // Every query reports to the health: a lost connection marks the store down, any answer from
  // the server (even a refusal such as a unique violation) marks it up.
  const log = (event: LogEvent) => {
    if (event.level === 'error' && isConnectionFailure(event.error)) health?.queryFailed(event.error);
    else health?.querySucceeded();
  };
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: observed }), log });
  rememberDialect(db, 'postgres');
  return {
    db,
    dialect: 'postgres',
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    pool: () => ({ max, open: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    exclusively: (lock, work) =>
      db.connection().execute(async (locked) => {
        await sql`select pg_advisory_lock(${LOCK_KEYS[lock]}::bigint)`.execute(locked);
        try {
          return await work();
        } finally {
          // If the connection broke meanwhile, the lock went with its session.
          await sql`select pg_advisory_unlock(${LOCK_KEYS[lock]}::bigint)`.execute(locked).catch(() => {});
        }
      }),
    close: () => db.destroy(),
  };
}
