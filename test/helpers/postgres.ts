import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './ports.js';

const run = promisify(execFile);

/**
 * A real PostgreSQL server for tests, on 127.0.0.1 and a free port, in a temporary directory.
 * PostgreSQL refuses to run as root: when the tests run as root, initdb and pg_ctl run as the
 * `postgres` user (Debian's package creates it).
 */
export interface PostgresServer {
  readonly port: number;
  /** A fresh, empty database on this server; answers its connection URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown: open connections are cut), keeping its data. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it at once and removes its directory (synchronous, so it can run at process exit). */
  destroy(): void;
}

/** The newest PostgreSQL server binaries: TESSERA_TEST_PG_BIN, else Debian's /usr/lib/postgresql/N/bin. */
export function postgresBinDir(): string | undefined {
  const explicit = process.env.TESSERA_TEST_PG_BIN;
  if (explicit) return explicit;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program, as the `postgres` user when we are root. */
function pgCommand(bin: string, program: string, args: string[]): [string, string[]] {
  const path = join(bin, program);
  return asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

function giveToPostgres(path: string): void {
  if (!asRoot) return;
  const { uid, gid } = postgresUser();
  chownSync(path, uid, gid);
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('the tests run as root but there is no `postgres` user to run PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/**
 * An initialised, never-started data directory, made once per machine and copied for each
 * server: initdb costs more than a second, a copy a few milliseconds.
 */
async function template(bin: string): Promise<string> {
  const version = /\d+(\.\d+)?/.exec((await run(join(bin, 'initdb'), ['--version'])).stdout)?.[0] ?? 'unknown';
  const path = join(tmpdir(), `tessera-test-pg-template-${version}-${asRoot ? 'root' : process.getuid?.()}`);
  if (existsSync(join(path, 'PG_VERSION'))) return path;
  const work = mkdtempSync(join(tmpdir(), 'tessera-test-pg-initdb-'));
  giveToPostgres(work);
  const data = join(work, 'data');
  const [cmd, args] = pgCommand(bin, 'initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  await run(cmd, args);
  try {
    renameSync(data, path);
  } catch (err) {
    // Another test process made it first: use theirs.
    if (!existsSync(join(path, 'PG_VERSION'))) throw err;
  }
  rmSync(work, { recursive: true, force: true });
  return path;
}

/** Starts a new PostgreSQL server with its own data directory. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) {
    throw new Error(
      'PostgreSQL server binaries not found (apt-get install postgresql, or set TESSERA_TEST_PG_BIN); ' +
        'to run the suite on SQLite only, set TESSERA_TEST_DIALECTS=sqlite',
    );
  }
  const base = mkdtempSync(join(tmpdir(), 'tessera-test-pg-'));
  giveToPostgres(base);
  const data = join(base, 'data');
  await run('cp', ['-a', await template(bin), data]);
  let port = await freePort();
  const options = () =>
    [
      `-p ${port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${base}`,
      '-c max_connections=300',
      // A throw-away server: durability is not what these tests measure.
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
    ].join(' ');
  const pgCtl = (...args: string[]) => pgCommand(bin, 'pg_ctl', ['-D', data, ...args]);
  const log = join(base, 'server.log');
  const start = async () => {
    const [cmd, args] = pgCtl('-l', log, '-o', options(), '-w', '-t', '60', 'start');
    try {
      await run(cmd, args);
    } catch (err) {
      const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${tail}`, { cause: err });
    }
  };
  // The free port may be taken before the server binds it: try others.
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (err) {
      if (attempt >= 5 || !/Address already in use/.test((err as Error).message)) throw err;
      port = await freePort();
    }
  }
  let databases = 0;
  let destroyed = false;
  return {
    get port() {
      return port;
    },
    async createDatabase() {
      const name = `tessera_${++databases}_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
      await admin.connect();
      try {
        await admin.query(`create database ${name}`);
      } finally {
        await admin.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      const [cmd, args] = pgCtl('-m', 'fast', '-w', 'stop');
      await run(cmd, args);
    },
    start,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      const [cmd, args] = pgCtl('-m', 'immediate', '-w', 'stop');
      spawnSync(cmd, args, { stdio: 'ignore' });
      rmSync(base, { recursive: true, force: true });
    },
  };
}

let shared: Promise<PostgresServer> | undefined;

/**
 * One server for the whole test file (each file runs in its own process), started on first use
 * and removed when the process exits. Each Tessera gets its own database on it.
 */
export function sharedPostgres(): Promise<PostgresServer> {
  shared ??= startPostgres().then((server) => {
    process.once('exit', () => server.destroy());
    return server;
  });
  return shared;
}

/**
 * Cuts every database session of a running Tessera (pool and change feed), as a failover would,
 * and resolves once its store has been seen unavailable and then available again: whatever
 * change was sent meanwhile never arrives, only the loss and the recovery are seen.
 */
export async function cutTesseraSessions(t: {
  readonly config: { readonly databaseUrl: string };
  readonly server: { readonly deps: { readonly storeHealth: { onChange(listener: (available: boolean) => void): void } } };
}): Promise<void> {
  const back = new Promise<void>((resolve) => {
    let lost = false;
    t.server.deps.storeHealth.onChange((available) => {
      if (!available) lost = true;
      else if (lost) resolve();
    });
  });
  const killer = new pg.Client({ connectionString: t.config.databaseUrl });
  await killer.connect();
  try {
    await killer.query(
      "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'tessera' and pid <> pg_backend_pid()",
    );
  } finally {
    await killer.end();
  }
  await back;
}
