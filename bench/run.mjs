// npm run bench — Tessera's token endpoint under load, side by side with node-oidc-provider,
// and its admin write path. A script, never a test. See docs/benchmarks.md for the method.
//
//   node bench/run.mjs [--scenarios rs256,es256,eddsa,clients100k,postgres,federated-es256,federated-rs256,federated-es256-fresh,federated-rs256-fresh,propagation,mtls-keepalive,mtls-handshake,latency,logging,introspection,credentials,clients-write,clients-write-postgres,apply,clients1m]
//                      [--rounds 5] [--duration 10]
//                      [--warmup 3] [--first-warmup 10] [--connections 64] [--no-peer] [--workers N] [--load-processes 2]
//                      [--writers 32] [--apply-clients 10000] [--latency-loads 0.25,0.5,0.75] [--open-loop-connections 50] [--open-loop-warmup 2] [--flush-seconds 70]
//                      [--against DIR] [--cpu-prof DIR]
//
// clients-write: POST /clients with --writers requests in flight against a fresh SQLite server
// (creates per second, each round --duration seconds). apply: POST /config/apply of a document
// of --apply-clients clients (client_secret_basic, three in four with a service account) and as
// many grants on four APIs, then the same document again; both times and objects per second.
// clients-write-postgres: the same on a PostgreSQL database of its own (started as the postgres scenario's).
// None of these runs by default (they write); name them: `npm run bench -- --scenarios apply,clients-write,clients-write-postgres`.
//
// logging: tokens/s of a server at TESSERA_LOG_LEVEL=info (a JSON line per token, its stdout a pipe
// read by this process and appended to a file) against one at warn, in the same rounds.
//
// clients1m: 1,000,000 clients inserted straight into a SQLite store (about a minute), then the
// time from spawning `tessera serve` to /health/ready, the peak RSS of each of its processes, and
// its tokens/s against a one-client Tessera in the same rounds (wrk sends a random 100,000 of the
// million's credentials). Not run by default (the seeding takes time): `--scenarios clients1m`.
//
// --against DIR measures the Tessera built in another checkout (DIR/dist, e.g. a worktree of the
// previous release: `git worktree add ../before v0.1 && (cd ../before && npm ci)`) in the same
// rounds as this one, so a change's cost on the token path is a ratio within one run.
//
// --cpu-prof DIR starts every Tessera with node --cpu-prof (its primary and each worker write a
// .cpuprofile into DIR when they stop), to see where a scenario's time goes.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, createHmac, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEVICE_SUBJECT_DN, makeBenchCertificates } from './certificates.mjs';
import { startBenchIssuer } from './issuer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce(
      (acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]?.startsWith('--') || all[i + 1] === undefined ? 'true' : all[i + 1]]] : acc),
      [],
    ),
);
const SCENARIOS = (
  args.scenarios ??
  'rs256,es256,eddsa,clients100k,postgres,federated-es256,federated-rs256,federated-es256-fresh,federated-rs256-fresh,propagation,mtls-keepalive,mtls-handshake,latency,logging,introspection,credentials'
).split(',');
const ROUNDS = Number(args.rounds ?? 5);
const DURATION = Number(args.duration ?? 10);
const WARMUP = Number(args.warmup ?? 3);
const FIRST_WARMUP = Number(args['first-warmup'] ?? 10);
const CONNECTIONS = Number(args.connections ?? 64);
const WITH_PEER = args['no-peer'] !== 'true';
const AGAINST = args.against;
const AGAINST_NAME = AGAINST ? `tessera (${AGAINST})` : undefined;
const CPU_PROF = args['cpu-prof'];
const ADMIN_TOKEN = `bench-${randomBytes(16).toString('hex')}`;
const work = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
const children = new Set();

function log(line) {
  process.stderr.write(`${line}\n`);
}

function ensureWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (err) {
    if (err.code !== 'ENOENT' && err.status !== 1) throw err;
    if (err.status === 1) return; // wrk --version exits 1 after printing its version
    log('installing wrk from Debian…');
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  }
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function start(command, argv, { env = {}, cwd = root, ready }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd, env: { PATH: process.env.PATH, ...env } });
    children.add(child);
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${argv.join(' ')} did not start:\n${output}`)), 120_000);
    const onData = (chunk) => {
      output += chunk.toString();
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      children.delete(child);
      clearTimeout(timer);
      reject(new Error(`${argv.join(' ')} exited ${code}:\n${output}`));
    });
  });
}

/** Processes stopped on purpose (their exit is not reported). */
const stopping = new WeakSet();

async function stop(child) {
  if (!child || child.exitCode !== null) return;
  stopping.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** A process and its descendants (Tessera's workers), from /proc. */
function processTree(pid) {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      const children = readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'utf8').trim();
      if (children) pids.push(...children.split(' ').map(Number));
    } catch {}
  }
  return pids;
}

/** CPU seconds used so far by a process and its descendants, and the largest peak resident memory (MB) of any of them. */
function procStats(pid) {
  let cpu = 0;
  let peakMb = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu += (Number(fields[11]) + Number(fields[12])) / 100;
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      peakMb = Math.max(peakMb, hwm ? Number(hwm[1]) / 1024 : 0);
    } catch {}
  }
  return { cpu, peakMb, processes: processTree(pid).length };
}

/**
 * Drives `url` with bench/token.lua (POST, Basic credentials rotated from the file, or the form
 * bodies of the file `bodies`, with the file's first credentials when both are given; with `once`,
 * each body sent at most once); wrk counts every answer of 400 or more.
 */
function wrk(url, { credentials, bodies, once, duration, path = '/oauth2/token' }) {
  // The Basic values are encoded here once, not in Lua by each wrk thread (slow for 100,000 lines).
  const basic = `${credentials}.basic`;
  if (credentials && !existsSync(basic)) {
    const lines = readFileSync(credentials, 'utf8').split('\n').filter(Boolean);
    writeFileSync(basic, `${lines.map((l) => Buffer.from(l).toString('base64')).join('\n')}\n`);
  }
  const argv = ['-t2', `-c${CONNECTIONS}`, `-d${duration}s`, '--latency', '-s', join(root, 'bench/token.lua'), url];
  const env = {
    ...process.env,
    BENCH_PATH: path,
    ...(bodies ? { BENCH_BODIES: bodies } : {}),
    ...(credentials ? { BENCH_BASIC: basic } : {}),
    ...(once ? { BENCH_ONCE: '1', BENCH_THREADS: '2' } : {}),
  };
  return benchResult('wrk', execFileSync('wrk', argv, { env, encoding: 'utf8', maxBuffer: 1 << 24 }));
}

/** The BENCH_RESULT line that bench/token.lua and bench/tls-load.mjs print: requests/s, failures, p50 and p99 (ms). */
function benchResult(generator, out) {
  const m = /BENCH_RESULT requests=(\d+) non200=(\d+) errors=(\d+) p50_us=(\d+) p99_us=(\d+) duration_us=(\d+)/.exec(out);
  if (!m) throw new Error(`${generator} printed no result:\n${out}`);
  const [, requests, non200, errors, p50, p99, durationUs] = m.map(Number);
  return { rps: requests / (durationUs / 1e6), non200, errors, p50ms: p50 / 1000, p99ms: p99 / 1000 };
}

/** One request checked in full before measuring, on a connection of its own: 200, and a token in the body (or what `checkAnswer` accepts). */
function checkOne(target) {
  const firstLine = (file) => readFileSync(file, 'utf8').split('\n')[0];
  const [id, secret] = target.credentials ? firstLine(target.credentials).split(':') : [];
  const authorization = !target.credentials ? {} : { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
  return new Promise((resolve, reject) => {
    const req = request(
      `${target.url}${target.path}`,
      {
        method: 'POST',
        agent: false,
        headers: { ...authorization, 'content-type': 'application/x-www-form-urlencoded', connection: 'close' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          let body = {};
          try {
            body = JSON.parse(text);
          } catch {}
          const expected = target.checkAnswer ? target.checkAnswer(body) : typeof body.access_token === 'string';
          if (res.statusCode !== 200 || !expected) reject(new Error(`${target.name} answered ${res.statusCode} ${text}`));
          else resolve();
        });
      },
    );
    req.on('error', reject);
    req.end(target.bodies ? firstLine(target.bodies) : 'grant_type=client_credentials');
  });
}

/** Processes of bench/tls-load.mjs driving a target together (the connections shared among them), as wrk runs two threads. */
const LOAD_PROCESSES = Number(args['load-processes'] ?? 2);

/** Runs bench/tls-load.mjs once with `options`; answers its standard output, or rejects with its error output. */
function tlsLoadProcess(options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bench/tls-load.mjs'), JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench/tls-load.mjs exited ${code}:\n${err}`))));
  });
}

/**
 * Drives a target with bench/tls-load.mjs (the TLS scenarios: wrk cannot present a client
 * certificate): LOAD_PROCESSES processes at once for `duration` seconds, their counts added and
 * their latencies merged; or, with `check`, one request whose answer is checked in full (200, an
 * access token, its cnf when `load.thumbprint` is set).
 */
async function tlsLoad(load, { duration, check = false }) {
  if (check) return void (await tlsLoadProcess({ ...load, duration, check }));
  const parts = Array.from({ length: LOAD_PROCESSES }, (_, i) => ({
    ...load,
    duration,
    connections: Math.ceil(load.connections / LOAD_PROCESSES),
    latencies: join(work, `latencies-${i}.txt`),
  }));
  const outs = await Promise.all(parts.map(tlsLoadProcess));
  let rps = 0;
  let non200 = 0;
  let errors = 0;
  for (const out of outs) {
    const one = benchResult('bench/tls-load.mjs', out);
    rps += one.rps;
    non200 += one.non200;
    errors += one.errors;
  }
  const latencies = parts.flatMap((p) => readFileSync(p.latencies, 'utf8').split('\n').filter(Boolean).map(Number)).sort((a, b) => a - b);
  const at = (q) => (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) / 1000;
  return { rps, non200, errors, p50ms: at(0.5), p99ms: at(0.99) };
}

async function measure(target) {
  const load = { credentials: target.credentials, bodies: target.bodies, once: target.once, path: target.path };
  // A target whose bodies work once (target.freshBodies) gets a file of new ones for each run of wrk.
  const bodies = (duration) => (target.freshBodies ? { bodies: target.freshBodies(duration) } : {});
  // The bodies are made before the clock starts: minting them is the runner's work, not the server's.
  const drive = target.tlsLoad
    ? (duration) => () => tlsLoad(target.tlsLoad, { duration })
    : (duration) => {
        const made = bodies(duration);
        return () => wrk(target.url, { ...load, ...made, duration });
      };
  if (target.tlsLoad) await tlsLoad(target.tlsLoad, { duration: 0, check: true });
  else await checkOne(target);
  // A server just started compiles its hot paths for several seconds: its first warm-up is longer.
  await drive(target.warmedUp ? WARMUP : Math.max(WARMUP, FIRST_WARMUP))();
  target.warmedUp = true;
  const run = drive(DURATION);
  const before = procStats(target.child.pid);
  const startedMs = Date.now();
  const r = await run();
  const after = procStats(target.child.pid);
  return { ...r, cpuCores: (after.cpu - before.cpu) / ((Date.now() - startedMs) / 1000), peakMb: after.peakMb, processes: after.processes };
}

/**
 * Measures each target in turn, ROUNDS times, and logs each measurement: the results by target
 * name (in round order, filled in as they come: `options.results` when given) and whether any
 * request failed. `unit` names what a target answers per second (a word, or a function of the
 * target); with `cpu`, each line gives the CPU cores of the target's processes too. Options:
 * `order(round)` the targets of a round (all, in turn, by default), `before(target)` runs before
 * each measurement, `afterRound()` after each round.
 */
async function measureRounds(targets, unit, { cpu = false, order = () => targets, before, afterRound, results = new Map() } = {}) {
  const unitOf = typeof unit === 'function' ? unit : () => unit;
  for (const t of targets) results.set(t.name, []);
  let failed = false;
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of order(round)) {
      before?.(target);
      const r = await measure(target);
      failed ||= r.non200 > 0 || r.errors > 0;
      const cores = cpu ? `, CPU ${fmt(r.cpuCores, 2)} cores` : '';
      log(`  ${target.name} round ${round + 1}: ${fmt(r.rps)} ${unitOf(target)}/s, p99 ${fmt(r.p99ms, 1)} ms${cores}, non-200 ${r.non200}`);
      results.get(target.name).push(r);
    }
    afterRound?.();
  }
  return { results, failed };
}

async function adminCall(adminUrl, method, path, body) {
  const res = await fetch(`${adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  const json = await res.json().catch(() => undefined);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function startTessera(dataDir, databaseUrl, build = root, extraEnv = {}, readyWithinS = 60) {
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  const env = {
    TESSERA_DATABASE_URL: databaseUrl ?? `sqlite:${join(dataDir, 'tessera.db')}`,
    ...(databaseUrl ? { TESSERA_SECRET: randomBytes(32).toString('hex') } : {}),
    ...(args.workers ? { TESSERA_WORKERS: args.workers } : {}),
    TESSERA_PUBLIC_PORT: String(publicPort),
    TESSERA_ADMIN_PORT: String(adminPort),
    TESSERA_ADMIN_TOKEN: ADMIN_TOKEN,
    TESSERA_LOG_LEVEL: 'warn',
    // With TLS on, the listener speaks HTTPS only and the issuer is its https:// address.
    ...(extraEnv.TESSERA_TLS_CERT ? { TESSERA_PUBLIC_URL: `https://127.0.0.1:${publicPort}` } : {}),
    ...extraEnv,
  };
  // Readiness from the admin health endpoint (logs are quiet at warn).
  const profile = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF] : [];
  const child = spawn(process.execPath, [...profile, join(build, 'dist/src/main.js'), 'serve'], { cwd: build, env: { PATH: process.env.PATH, ...env } });
  children.add(child);
  // Its log (warnings and errors only) is kept, and shown if it stops during the run.
  const logFile = join(dataDir, 'tessera.log');
  // Open once, as a log collector keeps its file open (not opened and closed per chunk).
  const logFd = openSync(logFile, 'a');
  child.stdout.on('data', (chunk) => writeSync(logFd, chunk));
  child.stderr.on('data', (chunk) => writeSync(logFd, chunk));
  child.on('close', () => closeSync(logFd));
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!stopping.has(child))
      log(`Tessera stopped (${signal ?? code}); its log:\n${existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : '(empty)'}`);
  });
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${adminUrl}/health/ready`)).ok) break;
    } catch {}
    if (i > readyWithinS * 10 || child.exitCode !== null) throw new Error('Tessera did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url: `${extraEnv.TESSERA_TLS_CERT ? 'https' : 'http'}://127.0.0.1:${publicPort}`, adminUrl };
}

/**
 * Inserts `count` clients with known secrets straight into the store (a benchmark fixture), in one
 * transaction; answers the `id:secret` lines of a random `sample` of them (all by default). Each
 * secret is derived from a key of the run and the client id (distinct, and cheaper than drawing
 * random bytes a million times); the store keeps its SHA-256 digest, as Tessera does.
 */
async function seedClients(dataDir, count, sample = count) {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(join(dataDir, 'tessera.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const now = new Date().toISOString();
  const insertClient = db.prepare(
    `insert into clients (tenant_id, client_id, client_name, client_type, grant_types, response_types, audience, scope,
       token_endpoint_auth_method, jwks, jwks_uri, service_account_id, access_token_ttl, active, created_at, updated_at)
     values ('default', ?, '', 'machine_to_machine', '["client_credentials"]', '[]', '["https://api.bench/"]', 'read',
       null, null, null, null, null, 1, ?, ?)`,
  );
  const insertSecret = db.prepare(
    `insert into client_secrets (tenant_id, id, client_id, digest, created_at, expires_at, last_used_at) values ('default', ?, ?, ?, ?, null, null)`,
  );
  // Which clients' credentials are answered: a partial Fisher–Yates shuffle of the indexes.
  const picked = new Uint8Array(count);
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < sample; i++) {
    const j = i + Math.floor(Math.random() * (count - i));
    [order[i], order[j]] = [order[j], order[i]];
    picked[order[i]] = 1;
  }
  const runKey = randomBytes(32);
  const lines = [];
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const id = `bench-${String(i).padStart(6, '0')}`;
      const secret = createHmac('sha256', runKey).update(id).digest('base64url');
      insertClient.run(id, now, now);
      insertSecret.run(`sec_bench_${String(i).padStart(6, '0')}`, id, createHash('sha256').update(secret).digest('hex'), now);
      if (picked[i]) lines.push(`${id}:${secret}`);
    }
  })();
  db.close();
  return lines;
}

/** A PostgreSQL server of its own for the postgres scenario (the test suite's helper: Debian's binaries, run as user postgres). */
let postgres = null;
async function postgresDatabase() {
  if (!postgres) {
    const { startPostgres } = await import(join(root, 'dist/test/helpers/postgres.js'));
    log('starting PostgreSQL…');
    postgres = await startPostgres();
  }
  return postgres.createDatabase();
}

async function tesseraTarget(alg, clients, store, build = root, extraEnv = {}) {
  const dataDir = mkdtempSync(join(work, `tessera-${alg}-`));
  const databaseUrl = store === 'postgres' ? await postgresDatabase() : undefined;
  let server = await startTessera(dataDir, databaseUrl, build, extraEnv);
  if (alg !== 'RS256') await adminCall(server.adminUrl, 'PATCH', '/tenants/default', { signing_alg: alg });
  let lines;
  if (clients === 1) {
    const c = await adminCall(server.adminUrl, 'POST', '/clients', { client_id: 'bench', audience: ['https://api.bench/'], scope: 'read' });
    lines = [`bench:${c.client_secret}`];
  } else {
    await stop(server.child);
    lines = await seedClients(dataDir, clients);
    server = await startTessera(dataDir, undefined, build);
  }
  const credentials = join(dataDir, 'credentials.txt');
  writeFileSync(credentials, `${lines.join('\n')}\n`);
  return { name: 'tessera', ...server, path: '/oauth2/token', credentials };
}

async function peerTarget(alg, peerDir) {
  const port = await freePort();
  const secret = randomBytes(32).toString('base64url');
  const credentials = join(peerDir, `credentials-${alg}.txt`);
  writeFileSync(credentials, `bench:${secret}\n`);
  const child = await start(process.execPath, [join(peerDir, 'peer.mjs'), String(port), alg, credentials], {
    cwd: peerDir,
    ready: 'PEER_READY',
    env: { NODE_ENV: 'production' },
  });
  return { name: 'node-oidc-provider', child, url: `http://127.0.0.1:${port}`, path: '/token', credentials };
}

function installPeer() {
  const dir = join(work, 'peer');
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench-peer', private: true, type: 'module' }));
  log('installing node-oidc-provider into a temporary folder…');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', 'oidc-provider@9', 'jose@6'], { cwd: dir, stdio: 'inherit' });
  writeFileSync(join(dir, 'peer.mjs'), readFileSync(join(root, 'bench/peer.mjs')));
  return dir;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const range = (xs, d = 0) => `${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}`;

/** RSA-2048 signatures per second with node:crypto on every core (bench/ceilings.mjs), 5 s. */
function rsaCeiling() {
  return JSON.parse(execFileSync(process.execPath, [join(root, 'bench/ceilings.mjs'), 'rsa', '5'], { encoding: 'utf8' }));
}

/**
 * A server of bench/ceilings.mjs (`mode` and its arguments after the port), driven by the same
 * requests as the token endpoint (bench/token.lua); it takes any credentials.
 */
async function ceilingsServer(name, mode, extraArgs, fields = {}) {
  const port = await freePort();
  const child = await start(process.execPath, [join(root, 'bench/ceilings.mjs'), mode, String(port), ...extraArgs], { ready: 'CEILING_READY' });
  const credentials = join(work, `${mode}-credentials.txt`);
  writeFileSync(credentials, `${mode}:${randomBytes(32).toString('base64url')}\n`);
  return { name, child, url: `http://127.0.0.1:${port}`, path: '/oauth2/token', credentials, ...fields };
}

/** The bare node:http server of the second ceiling. */
const bareTarget = () => ceilingsServer('bare node:http', 'http', [], { ceiling: true });

const REFERENCE = 'node:http + RS256 (reference)';

/**
 * The RS256 reference: what is left of a token server on node:http (bench/ceilings.mjs http-rs256),
 * one process per worker as Tessera, each answering every request with a fresh RS256 token signed
 * on the thread pool, without authenticating or checking anything. It shows how close to the RSA
 * ceiling any server on Node can come on this machine.
 */
const referenceTarget = () => ceilingsServer(REFERENCE, 'http-rs256', [String(args.workers ?? availableParallelism())]);

/**
 * The ES256 reference of the latency scenario: the same, signing P-256 on the event loop as Tessera
 * does (bench/ceilings.mjs http-es256). Under the same open-loop load it shows how much of Tessera's
 * tail any token server on Node pays for its signatures on this machine, and how much is Tessera's.
 */
const es256ReferenceTarget = () => ceilingsServer('node:http + ES256 (reference)', 'http-es256', [String(args.workers ?? availableParallelism())]);

/**
 * What each scenario measures, round by round. Every round measures each target in turn (the peer
 * and Tessera alternate), and also what Tessera's figure is compared with — the ceiling, or
 * Tessera's one-client SQLite figure — so each ratio is taken between measurements seconds apart:
 * this machine's speed drifts by several percent within minutes, and ratios of figures measured at
 * different times would carry that drift.
 */
const SCENARIO = {
  rs256: { alg: 'RS256', ceiling: 'rsa', reference: true },
  es256: { alg: 'ES256', ceiling: 'http' },
  eddsa: { alg: 'EdDSA', ceiling: 'http' },
  clients100k: { alg: 'ES256', clients: 100_000, baseline: 'one client' },
  postgres: { alg: 'ES256', store: 'postgres', baseline: 'SQLite' },
  'federated-es256': { alg: 'ES256', federated: true },
  'federated-rs256': { alg: 'RS256', federated: true },
  // Every request a token never seen before (a CI job's token, used once): each signature is checked.
  'federated-es256-fresh': { alg: 'ES256', federated: true, fresh: true },
  'federated-rs256-fresh': { alg: 'RS256', federated: true, fresh: true },
  propagation: { propagation: true },
  // Mutual TLS (RFC 8705): tls_client_auth and certificate-bound tokens, driven by bench/tls-load.mjs.
  'mtls-keepalive': { mtls: true, keepAlive: true },
  'mtls-handshake': { mtls: true, keepAlive: false },
  // Open-loop latency at 25, 50 and 75% of the maximum ES256 rate, Tessera, bare node:http and the ES256 reference under the same generator.
  latency: { latency: true },
  // The admin write path: POST /clients with WRITERS requests in flight on a fresh SQLite server.
  'clients-write': { write: true },
  // POST /config/apply of a document of APPLY_CLIENTS clients and as many grants, then the same document again.
  apply: { apply: true },
  // The admin write path on PostgreSQL: POST /clients with WRITERS requests in flight, a database of its own.
  'clients-write-postgres': { writePostgres: true },
  // The access log's cost: tokens/s of a server at TESSERA_LOG_LEVEL=info against one at warn, ES256, SQLite.
  logging: { logging: true },
  // POST /oauth2/introspect (RFC 7662) with client_secret_basic against the bare node:http server.
  introspection: { introspection: true },
  // One server: the secret path, private_key_jwt, a federated assertion and token exchange, each against the secret path.
  credentials: { credentials: true },
  // SCALE_CLIENTS clients in one SQLite store: start to ready, peak RSS of every process, tokens/s against one client.
  clients1m: { scale: true },
};

/** The summary row of one target's rounds in a scenario. */
function rowOf(scenario, target, rs) {
  return {
    scenario,
    target,
    rps: median(rs.map((r) => r.rps)),
    min: Math.min(...rs.map((r) => r.rps)),
    max: Math.max(...rs.map((r) => r.rps)),
    p50: median(rs.map((r) => r.p50ms)),
    p99: median(rs.map((r) => r.p99ms)),
    cpu: median(rs.map((r) => r.cpuCores)),
    peakMb: Math.max(...rs.map((r) => r.peakMb)),
    processes: Math.max(...rs.map((r) => r.processes)),
    non200: rs.reduce((a, r) => a + r.non200 + r.errors, 0),
  };
}

/**
 * Every target the run checks, in the order the scenarios record them: one value per round (a
 * ratio within the round, a rate, a time or a size), the target's bound, and whether the median
 * of the rounds meets it. Printed at the end as one table.
 */
const TARGETS = [];

/**
 * Records a target: `values` per round, `bound` the limit, `at` 'least' or 'most'; `format`
 * renders a value ('pct' for ratios as percentages, 'x' for multiples, or a unit such as 'ms').
 */
function recordTarget(scenario, name, values, bound, at, format) {
  TARGETS.push({ scenario, name, values, bound, at, format });
}

function formatValue(value, format) {
  if (format === 'pct') return `${fmt(100 * value, 1)}%`;
  if (format === 'x') return `${fmt(value, 2)}×`;
  return `${fmt(value, value >= 100 ? 0 : 1)} ${format}`;
}

/** The targets table: median and range of the rounds, the bound, met or not. */
function targetsTable() {
  const lines = ['| scenario | target | median | range | bound | met |', '|---|---|---:|---|---:|---|'];
  for (const t of TARGETS) {
    const m = median(t.values);
    const met = t.at === 'least' ? m >= t.bound : m <= t.bound;
    const span = `${formatValue(Math.min(...t.values), t.format)}–${formatValue(Math.max(...t.values), t.format)}`;
    lines.push(
      `| ${t.scenario} | ${t.name} | ${formatValue(m, t.format)} | ${span} | ${t.at === 'least' ? '≥' : '≤'} ${formatValue(t.bound, t.format)} | ${met ? 'yes' : 'NO'} |`,
    );
  }
  return lines;
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Platform tokens minted before a federated scenario and reused request after request, as a pod reuses its projected token. */
const ASSERTIONS = 16;
/**
 * Platform tokens of a `fresh` scenario, sent in turn: a token comes back only after many times
 * as many others as Tessera remembers verifying (4096 per key and process, oldest forgotten first),
 * so every signature is checked.
 */
const FRESH_ASSERTIONS = 20_000;
const WORKLOAD = 'system:serviceaccount:bench:workload';

/** The issuer identifier of the default tenant of a server (from its metadata): the audience of platform tokens meant for it. */
async function tenantIssuer(server) {
  return (await (await fetch(`${server.url}/.well-known/openid-configuration`)).json()).issuer;
}

/** Registers the bench issuer on a server and a client whose one federated credential is `subject`, with no secret. */
async function federatedClient(server, issuer, clientId, subject) {
  await adminCall(server.adminUrl, 'POST', '/federated-issuers', { name: 'bench', issuer: issuer.issuer });
  await adminCall(server.adminUrl, 'POST', '/clients', {
    client_id: clientId,
    token_endpoint_auth_method: 'federated',
    audience: ['https://api.bench/'],
    scope: 'read',
    federated_credentials: [{ issuer: issuer.issuer, subject }],
  });
}

/** The form body of a client_credentials request authenticated by a platform token (RFC 7523 §2.2). */
const assertionBody = (token) => `grant_type=client_credentials&client_assertion_type=${encodeURIComponent(ASSERTION_TYPE)}&client_assertion=${token}`;

/**
 * A federated scenario: one Tessera signing with `alg`, measured in each round on the secret path
 * (client_secret_basic) and on the federated path (client_credentials with a platform token of
 * the same algorithm as client_assertion; the issuer's keys cached after the first request).
 */
async function federatedScenario(scenario, alg, fresh) {
  const issuer = await startBenchIssuer({ port: await freePort(), dir: work, start });
  const secret = { ...(await tesseraTarget(alg, 1, 'sqlite', root, { TESSERA_OUTBOUND_ALLOW: '127.0.0.1' })), name: 'tessera (secret)' };
  await federatedClient(secret, issuer, 'bench-federated', WORKLOAD);
  const aud = await tenantIssuer(secret);
  const tokens = [];
  for (let n = fresh ? FRESH_ASSERTIONS : ASSERTIONS; tokens.length < n;)
    tokens.push(
      ...(await Promise.all(Array.from({ length: Math.min(1000, n - tokens.length) }, () => issuer.mint(alg, { sub: WORKLOAD, aud, jti: randomUUID() })))),
    );
  const bodies = join(work, `${scenario}-bodies.txt`);
  writeFileSync(bodies, `${tokens.map(assertionBody).join('\n')}\n`);
  const federated = { name: 'tessera (federated)', child: secret.child, url: secret.url, path: '/oauth2/token', bodies };
  const { results, failed } = await measureRounds([secret, federated], 'tokens');
  const keyFetches = issuer.requests();
  await stop(secret.child);
  await stop(issuer.child);
  const [ofSecret, ofFederated] = [secret, federated].map((t) => results.get(t.name));
  return {
    failed,
    keyFetches,
    rows: [rowOf(scenario, secret.name, ofSecret), rowOf(scenario, federated.name, ofFederated)],
    ratios: ofFederated.map((r, i) => r.rps / ofSecret[i].rps),
  };
}

/**
 * How long a credential change made through one server takes to work on another on the same
 * PostgreSQL database: the federated credential of a client is replaced through A, and B is asked
 * for a token with the new credential's platform token every 5 ms until it answers 200.
 */
async function propagationScenario(changes = 5) {
  const issuer = await startBenchIssuer({ port: await freePort(), dir: work, start });
  const databaseUrl = await postgresDatabase();
  // One secret for both, no lockout: B refuses the token until the change arrives.
  const env = { TESSERA_SECRET: randomBytes(32).toString('hex'), TESSERA_OUTBOUND_ALLOW: '127.0.0.1', TESSERA_BRUTE_FORCE_MAX_FAILURES: '0' };
  const a = await startTessera(mkdtempSync(join(work, 'propagation-a-')), databaseUrl, root, env);
  const b = await startTessera(mkdtempSync(join(work, 'propagation-b-')), databaseUrl, root, env);
  await federatedClient(a, issuer, 'bench-propagation', `${WORKLOAD}-0`);
  const aud = await tenantIssuer(b);
  const tokenFromB = async (token) =>
    (await fetch(`${b.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: assertionBody(token) }))
      .status;
  const times = [];
  // Change 0 warms B up (its first fetch of the issuer's keys); the others are measured.
  for (let i = 0; i <= changes; i++) {
    const subject = `${WORKLOAD}-${i + 1}`;
    const token = await issuer.mint('ES256', { sub: subject, aud });
    await adminCall(a.adminUrl, 'PATCH', '/clients/bench-propagation', { federated_credentials: [{ issuer: issuer.issuer, subject }] });
    const started = performance.now();
    while ((await tokenFromB(token)) !== 200) {
      if (performance.now() - started > 30_000) throw new Error('B never accepted the credential changed through A');
      await new Promise((r) => setTimeout(r, 5));
    }
    if (i > 0) times.push(performance.now() - started);
    log(`  propagation change ${i}: ${fmt(performance.now() - started)} ms`);
  }
  await stop(a.child);
  await stop(b.child);
  await stop(issuer.child);
  return times;
}

/** The certificates of the TLS scenarios (bench/certificates.mjs), made once per run. */
let benchCertificates;
const certificates = () => (benchCertificates ??= makeBenchCertificates(join(work, 'certificates')));

/** The client of the TLS scenarios: tls_client_auth by the device certificate's subject DN, its tokens bound to the certificate. */
const MTLS_CLIENT = 'bench-mtls';

/** What bench/tls-load.mjs sends to `url`: client_credentials, with the device's certificate when the URL is https. */
function tlsLoadOptions(url, keepAlive, extra = {}) {
  const c = certificates();
  const tls = url.startsWith('https:') ? { cert: c.clientCert, key: c.clientKey, ca: c.ca } : {};
  return { url, path: '/oauth2/token', body: 'grant_type=client_credentials', headers: {}, connections: CONNECTIONS, keepAlive, ...tls, ...extra };
}

/** The bare node:https server (bench/ceilings.mjs https): as many processes as Tessera's workers, Tessera's certificate and TLS options, a fixed answer. */
async function bareHttpsTarget(name, keepAlive) {
  const c = certificates();
  const server = await ceilingsServer(name, 'https', [String(args.workers ?? availableParallelism()), c.serverCert, c.serverKey]);
  const url = server.url.replace(/^http:/, 'https:');
  return { ...server, url, tlsLoad: tlsLoadOptions(url, keepAlive) };
}

/** Tessera over plain HTTP, ES256, one client_secret_basic client: the figure the keep-alive TLS scenario is compared with. */
async function plainTesseraTarget() {
  const target = await tesseraTarget('ES256', 1, 'sqlite');
  const basic = Buffer.from(readFileSync(target.credentials, 'utf8').trim()).toString('base64');
  return {
    ...target,
    name: 'tessera (plain HTTP, client secret)',
    tlsLoad: tlsLoadOptions(target.url, true, { headers: { authorization: `Basic ${basic}` } }),
  };
}

/**
 * Tessera with TLS on its public listener (the bench certificate, TESSERA_TLS_CLIENT_CA the bench
 * CA), ES256, SQLite, and one tls_client_auth client (RFC 8705 §2.1.2, subject DN) with bound
 * tokens (§3); the load checks the first token's cnf["x5t#S256"] against the device certificate.
 */
async function mtlsTesseraTarget(name, keepAlive) {
  const c = certificates();
  const dataDir = mkdtempSync(join(work, 'tessera-mtls-'));
  const server = await startTessera(dataDir, undefined, root, { TESSERA_TLS_CERT: c.serverCert, TESSERA_TLS_KEY: c.serverKey, TESSERA_TLS_CLIENT_CA: c.ca });
  await adminCall(server.adminUrl, 'PATCH', '/tenants/default', { signing_alg: 'ES256' });
  await adminCall(server.adminUrl, 'POST', '/clients', {
    client_id: MTLS_CLIENT,
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: DEVICE_SUBJECT_DN,
    tls_client_certificate_bound_access_tokens: true,
    audience: ['https://api.bench/'],
    scope: 'read',
  });
  const tlsLoad = tlsLoadOptions(server.url, keepAlive, { body: `grant_type=client_credentials&client_id=${MTLS_CLIENT}`, thumbprint: c.thumbprint });
  return { name, ...server, path: '/oauth2/token', tlsLoad };
}

/**
 * A mutual TLS scenario, every target driven by bench/tls-load.mjs. Keep-alive: the bare
 * node:https server, Tessera over plain HTTP with a client secret, then Tessera over mutual TLS
 * (ratio: mutual TLS ÷ plain HTTP). A new connection per token: the bare node:https server, then
 * Tessera (ratio: Tessera ÷ bare), and Tessera's tokens per CPU-second of its processes.
 */
async function mtlsScenario(scenario, keepAlive) {
  const bare = await bareHttpsTarget(keepAlive ? 'bare node:https (keep-alive)' : 'bare node:https (new connection)', keepAlive);
  const plain = keepAlive ? await plainTesseraTarget() : undefined;
  const mtls = await mtlsTesseraTarget(keepAlive ? 'tessera (mutual TLS, keep-alive)' : 'tessera (mutual TLS, new connection)', keepAlive);
  const targets = [bare, plain, mtls].filter(Boolean);
  const { results, failed } = await measureRounds(targets, (target) => (target === bare ? 'requests' : 'tokens'), { cpu: true });
  for (const target of targets) await stop(target.child);
  const of = (target) => results.get(target.name);
  const compared = keepAlive ? of(plain) : of(bare);
  return {
    failed,
    keepAlive,
    rows: targets.map((t) => rowOf(scenario, t.name, of(t))),
    bare: of(bare).map((r) => r.rps),
    tessera: of(mtls).map((r) => r.rps),
    ratios: of(mtls).map((r, i) => r.rps / compared[i].rps),
    ofBare: of(mtls).map((r, i) => r.rps / of(bare)[i].rps),
    perCpuSecond: of(mtls).map((r) => r.rps / r.cpuCores),
    // The same ratio per CPU-second of the servers' processes: what each answer costs, whoever is short of CPU
    // (the load generator shares the cores and may be what limits a round).
    cpuRatios: of(mtls).map((r, i) => r.rps / r.cpuCores / (compared[i].rps / compared[i].cpuCores)),
  };
}

/** Admin requests in flight in the clients-write scenario. */
const WRITERS = Number(args.writers ?? 32);

/** One admin call on a kept-alive connection of `agent`: its status and latency (ms). */
function timedAdminCall(agent, adminUrl, method, path, body) {
  const payload = Buffer.from(JSON.stringify(body));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      `${adminUrl}${path}`,
      { method, agent, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'content-length': payload.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Creates clients through POST /clients for `seconds`, WRITERS requests in flight (each writer
 * sends its next request when its answer arrives): creates per second, p50 and p99 (ms), failures.
 */
async function driveClientWrites(server, agent, prefix, seconds) {
  const latencies = [];
  let failures = 0;
  let next = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  const writer = async () => {
    while (performance.now() < until) {
      const n = next++;
      const r = await timedAdminCall(agent, server.adminUrl, 'POST', '/clients', {
        client_id: `${prefix}-${n}`,
        audience: ['https://api.bench/'],
        scope: 'read',
      });
      if (r.status === 201) latencies.push(r.ms);
      else failures++;
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rps: latencies.length / elapsed, non200: failures, errors: 0, p50ms: at(0.5), p99ms: at(0.99) };
}

/**
 * The clients-write scenario: POST /clients on a fresh SQLite server, a warm-up, then ROUNDS
 * rounds of DURATION seconds; with --against, the other build's server too, round by round.
 */
async function clientsWriteScenario(scenario, store = 'sqlite') {
  const targets = [{ name: 'tessera (POST /clients)', build: root }];
  if (AGAINST) targets.unshift({ name: `${AGAINST_NAME} (POST /clients)`, build: AGAINST });
  for (const target of targets) {
    target.server = await startTessera(mkdtempSync(join(work, 'clients-write-')), store === 'postgres' ? await postgresDatabase() : undefined, target.build);
    target.agent = new Agent({ keepAlive: true, maxSockets: WRITERS });
    target.results = [];
    await driveClientWrites(target.server, target.agent, 'warm', WARMUP);
  }
  let failed = false;
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of targets) {
      const { server } = target;
      // Connections of its own each round: a server closes those left idle while the other target ran.
      target.agent.destroy();
      target.agent = new Agent({ keepAlive: true, maxSockets: WRITERS });
      const before = procStats(server.child.pid);
      const startedMs = Date.now();
      const r = await driveClientWrites(server, target.agent, `round${round}`, DURATION);
      const after = procStats(server.child.pid);
      const one = { ...r, cpuCores: (after.cpu - before.cpu) / ((Date.now() - startedMs) / 1000), peakMb: after.peakMb, processes: after.processes };
      if (r.non200 > 0) failed = true;
      log(
        `  ${target.name} round ${round + 1}: ${fmt(r.rps)} creates/s, p50 ${fmt(r.p50ms, 1)} ms, p99 ${fmt(r.p99ms, 1)} ms, CPU ${fmt(one.cpuCores, 2)} cores, failed ${r.non200}`,
      );
      target.results.push(one);
    }
  }
  for (const target of targets) {
    target.agent.destroy();
    await stop(target.server.child);
  }
  const tessera = targets.at(-1);
  return {
    failed,
    rows: targets.map((t) => rowOf(scenario, t.name, t.results)),
    row: rowOf(scenario, tessera.name, tessera.results),
    rates: tessera.results.map((r) => r.rps),
    ofAgainst: AGAINST ? tessera.results.map((r, i) => r.rps / targets[0].results[i].rps) : undefined,
  };
}

/** Clients (and grants) in the document of the apply scenario. */
const APPLY_CLIENTS = Number(args['apply-clients'] ?? 10_000);

/**
 * The document of the apply scenario: tenant `default` with four APIs, APPLY_CLIENTS clients
 * authenticating with client_secret_basic (three in four with a service account of their own),
 * and one grant per client on one of the APIs.
 */
function applyDocument() {
  const apis = Array.from({ length: 4 }, (_, i) => ({
    identifier: `https://api${i}.bench/`,
    scopes: ['read', 'write', 'admin'].map((value) => ({ value })),
  }));
  const clients = [];
  const serviceAccounts = [];
  const grants = [];
  for (let i = 0; i < APPLY_CLIENTS; i++) {
    const clientId = `apply-${String(i).padStart(5, '0')}`;
    const api = apis[i % apis.length].identifier;
    const client = { client_id: clientId, token_endpoint_auth_method: 'client_secret_basic', audience: [api], scope: 'read write' };
    if (i % 4 !== 3) {
      serviceAccounts.push({ user_name: `sa-${clientId}` });
      client.service_account = `sa-${clientId}`;
    }
    clients.push(client);
    grants.push({ client: clientId, api, scopes: i % 2 ? ['read', 'write'] : ['read'] });
  }
  return { version: 1, tenants: [{ id: 'default', apis, service_accounts: serviceAccounts, clients, grants }] };
}

/** POST /config/apply of `body` (JSON text): the answer and the seconds it took. */
async function timedApply(server, body) {
  const started = performance.now();
  const res = await fetch(`${server.adminUrl}/config/apply`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body,
  });
  const json = await res.json().catch(() => undefined);
  const seconds = (performance.now() - started) / 1000;
  if (res.status !== 200) throw new Error(`POST /config/apply: ${res.status} ${JSON.stringify(json)?.slice(0, 2000)}`);
  return { result: json, seconds };
}

/** Counts of a plan's changes by action. */
function actionCounts(changes) {
  const counts = { create: 0, update: 0, delete: 0, unchanged: 0 };
  for (const c of changes) counts[c.action]++;
  return counts;
}

/**
 * The apply scenario: a fresh SQLite server, the document applied once (everything created) and
 * then again (everything unchanged); each timed from sending the body to the last byte of the answer.
 */
async function applyScenario() {
  const server = await startTessera(mkdtempSync(join(work, 'apply-')));
  const document = applyDocument();
  const objects = document.tenants.reduce((n, t) => n + t.apis.length + t.service_accounts.length + t.clients.length + t.grants.length, 0);
  const body = JSON.stringify(document);
  log(`  document: ${objects} objects, ${fmt(body.length / 1024)} KiB`);
  const first = await timedApply(server, body);
  const firstCounts = actionCounts(first.result.changes);
  log(`  first apply: ${fmt(first.seconds, 1)} s, ${JSON.stringify(firstCounts)}, ${first.result.secrets.length} secrets`);
  const second = await timedApply(server, body);
  const secondCounts = actionCounts(second.result.changes);
  log(`  second apply: ${fmt(second.seconds, 1)} s, ${JSON.stringify(secondCounts)}`);
  await stop(server.child);
  // The tenant exists already (unchanged both times): everything else is created, then left as it is.
  const failed =
    firstCounts.create !== objects ||
    first.result.secrets.length !== APPLY_CLIENTS ||
    secondCounts.unchanged !== second.result.changes.length ||
    secondCounts.unchanged < objects;
  return { failed, objects, first: first.seconds, second: second.seconds };
}

// ---- open-loop latency ----

/** The fractions of the maximum ES256 rate the latency scenario sends at. */
const LATENCY_LOADS = (args['latency-loads'] ?? '0.25,0.5,0.75').split(',').map(Number);
/** Connections of the open-loop generator (as `hey -c 50`). */
const OPEN_LOOP_CONNECTIONS = Number(args['open-loop-connections'] ?? 50);
/**
 * Seconds the generator sends at the measured rate, on the same connections, before it counts (as
 * wrk2's calibration period): the first second of a fresh generator — its own code warming up, 50
 * connections opened and handed to the server's processes — made Tessera's p99 at 25% 60 ms where
 * the seconds after it held 3–4 ms.
 */
const OPEN_LOOP_WARMUP = Number(args['open-loop-warmup'] ?? 2);
/** How long the latency scenario's last measurement runs at half the maximum, to hold at least one of the minute's count flushes. */
const FLUSH_SECONDS = Number(args['flush-seconds'] ?? 70);

/** Percentiles (ms) of latencies in µs. */
function latencySummary(latencies) {
  const sorted = latencies.sort();
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1000;
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: sorted[sorted.length - 1] / 1000, over100: sorted.filter((x) => x > 100_000).length };
}

/**
 * Sends `rate` requests per second for `seconds` to a target with bench/open-loop.mjs, in
 * LOAD_PROCESSES processes (each half the rate and half the connections, as wrk's two threads),
 * and returns the latencies' percentiles counted from each request's scheduled time.
 */
async function openLoop(target, rate, seconds, burst = 1) {
  const basic = `${target.credentials}.basic`;
  if (!existsSync(basic)) wrk(target.url, { credentials: target.credentials, duration: 1 });
  const runs = Array.from({ length: LOAD_PROCESSES }, (_, i) => {
    const out = join(work, `open-loop-${i}.bin`);
    const env = {
      ...process.env,
      BENCH_BASIC: basic,
      BENCH_CONNECTIONS: String(Math.ceil(OPEN_LOOP_CONNECTIONS / LOAD_PROCESSES)),
      BENCH_BURST: String(Math.ceil(burst / LOAD_PROCESSES)),
      BENCH_WARMUP: String(OPEN_LOOP_WARMUP),
    };
    const argv = [join(root, 'bench/open-loop.mjs'), target.url, String(rate / LOAD_PROCESSES), String(seconds), out];
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, argv, { env });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.stderr.on('data', (chunk) => (text += chunk));
      child.on('exit', () => {
        const m = /OPEN_LOOP requests=(\d+) non200=(\d+) errors=(\d+) late=(\d+) unanswered=(\d+)/.exec(text);
        if (!m) reject(new Error(`open-loop printed no result:\n${text}`));
        else resolve({ requests: Number(m[1]), failed: Number(m[2]) + Number(m[3]), unanswered: Number(m[5]), latencies: readFileSync(out) });
      });
    });
  });
  const results = await Promise.all(runs);
  // An overloaded server's unanswered requests count as 10 s late (the generator's limit).
  const unanswered = results.reduce((n, r) => n + r.unanswered, 0);
  const all = new Float64Array(results.reduce((n, r) => n + r.latencies.length / 8, unanswered)).fill(10_000_000);
  let offset = 0;
  for (const r of results) {
    all.set(new Float64Array(r.latencies.buffer, r.latencies.byteOffset, r.latencies.length / 8), offset);
    offset += r.latencies.length / 8;
  }
  return { ...latencySummary(all), requests: all.length, unanswered, failed: results.reduce((n, r) => n + r.failed, 0) };
}

/**
 * The latency scenario: in each round Tessera's maximum ES256 rate (wrk, closed loop), then the
 * bare node:http server, the ES256 reference and Tessera under the same open-loop generator at
 * each LATENCY_LOADS share of that maximum; last, Tessera alone at half the maximum for FLUSH_SECONDS, so that the
 * minute's count flushes happen under load.
 */
async function latencyScenario(scenario) {
  const bare = await bareTarget();
  const reference = await es256ReferenceTarget();
  const tessera = await tesseraTarget('ES256', 1, 'sqlite');
  await measure(reference);
  const rounds = [];
  let failed = false;
  for (let round = 0; round < ROUNDS; round++) {
    const max = await measure(tessera);
    failed ||= max.non200 > 0 || max.errors > 0;
    log(`  tessera round ${round + 1}: maximum ${fmt(max.rps)} tokens/s (wrk, ${CONNECTIONS} connections)`);
    const loads = [];
    for (const share of LATENCY_LOADS) {
      const rate = Math.round(max.rps * share);
      const b = await openLoop(bare, rate, DURATION);
      const ref = await openLoop(reference, rate, DURATION);
      const t = await openLoop(tessera, rate, DURATION);
      failed ||= b.failed > 0 || ref.failed > 0 || t.failed > 0;
      for (const [name, r] of [
        ['bare node:http', b],
        ['ES256 reference', ref],
        ['tessera', t],
      ])
        log(`    ${name} at ${fmt(100 * share)}% (${rate}/s): p50 ${fmt(r.p50, 2)} p99 ${fmt(r.p99, 2)} p99.9 ${fmt(r.p999, 2)} max ${fmt(r.max, 1)} ms`);
      loads.push({ share, rate, bare: b, reference: ref, tessera: t });
    }
    rounds.push({ max: max.rps, loads });
  }
  // As `hey -c 50 -q N` sends: its 50 workers' tickers line up, so requests come 50 at once.
  const burstRate = Math.round(median(rounds.map((r) => r.max)) * 0.25);
  const bursts = {
    bare: await openLoop(bare, burstRate, DURATION, OPEN_LOOP_CONNECTIONS),
    tessera: await openLoop(tessera, burstRate, DURATION, OPEN_LOOP_CONNECTIONS),
  };
  const flushRate = Math.round(median(rounds.map((r) => r.max)) * 0.5);
  const flush = await openLoop(tessera, flushRate, FLUSH_SECONDS);
  failed ||= flush.failed > 0;
  log(`  tessera at ${flushRate}/s for ${FLUSH_SECONDS} s: p99 ${fmt(flush.p99, 2)} max ${fmt(flush.max, 1)} ms, ${flush.over100} over 100 ms`);
  await stop(bare.child);
  await stop(reference.child);
  await stop(tessera.child);
  for (const [i, share] of LATENCY_LOADS.entries()) {
    if (share > 0.5) continue;
    const of = (f) => rounds.map((r) => f(r.loads[i]));
    recordTarget(
      scenario,
      `p50 at ${100 * share}% of the maximum: Tessera − bare node:http`,
      of((l) => l.tessera.p50 - l.bare.p50),
      1,
      'most',
      'ms',
    );
    recordTarget(
      scenario,
      `p99 at ${100 * share}% of the maximum: Tessera / bare node:http`,
      of((l) => l.tessera.p99 / l.bare.p99),
      2,
      'most',
      'x',
    );
  }
  recordTarget(scenario, `slowest request in ${FLUSH_SECONDS} s at 50% (the minute's flushes included)`, [flush.max], 100, 'most', 'ms');
  return { rounds, flush, flushRate, bursts, burstRate, failed };
}

/** The latency table: per load, p50, p99, p99.9 and max of both servers (medians of the rounds). */
function latencyLines(latency) {
  const lines = [
    '',
    `Open-loop latency (bench/open-loop.mjs: ${OPEN_LOOP_CONNECTIONS} connections, a fixed rate, each latency from the request's scheduled time), ES256, Tessera's maximum ${fmt(median(latency.rounds.map((r) => r.max)))} tokens/s (wrk, median of the rounds); medians of the rounds, ms:`,
    '| load | rate/s | server | p50 | p99 | p99.9 | max |',
    '|---|---:|---|---:|---:|---:|---:|',
  ];
  for (const [i, share] of LATENCY_LOADS.entries()) {
    const loads = latency.rounds.map((r) => r.loads[i]);
    for (const [server, name] of [
      ['bare', 'bare node:http'],
      ['reference', 'node:http + ES256 (reference: signs, checks nothing)'],
      ['tessera', 'Tessera'],
    ]) {
      const m = (k) => fmt(median(loads.map((l) => l[server][k])), 2);
      lines.push(`| ${100 * share}% | ${fmt(median(loads.map((l) => l.rate)))} | ${name} | ${m('p50')} | ${m('p99')} | ${m('p999')} | ${m('max')} |`);
    }
  }
  const { bare, tessera } = latency.bursts;
  lines.push(
    `In bursts of ${OPEN_LOOP_CONNECTIONS} requests at once (as \`hey -c ${OPEN_LOOP_CONNECTIONS} -q\` sends), ${latency.burstRate}/s: bare node:http p50 ${fmt(bare.p50, 2)}, p99 ${fmt(bare.p99, 2)} ms; Tessera p50 ${fmt(tessera.p50, 2)}, p99 ${fmt(tessera.p99, 2)} ms`,
  );
  const f = latency.flush;
  lines.push(
    `Tessera at ${latency.flushRate}/s for ${FLUSH_SECONDS} s: p50 ${fmt(f.p50, 2)}, p99 ${fmt(f.p99, 2)}, p99.9 ${fmt(f.p999, 2)}, max ${fmt(f.max, 1)} ms; ${f.over100} requests over 100 ms (target: none)`,
  );
  return lines;
}

// ---- admin writes on PostgreSQL, logging cost ----

/** The clients-write-postgres scenario: clients-write against a server on a PostgreSQL database of its own. */
const clientsWritePostgresScenario = (scenario) => clientsWriteScenario(scenario, 'postgres');

/** The log file a Tessera target's stdout and stderr are written to by this process (startTessera). */
const logFileOf = (target) => join(dirname(target.credentials), 'tessera.log');

/**
 * The logging scenario: two Tessera servers (SQLite, ES256, one client), one at
 * TESSERA_LOG_LEVEL=info (a `request completed` line per token) and one at warn, measured in turn
 * in every round. Each server's stdout is a pipe read by this process and appended to a file, as a
 * container runtime or systemd does. The ratio info / warn is the share the access log leaves.
 */
async function loggingScenario(scenario) {
  const info = { ...(await tesseraTarget('ES256', 1, 'sqlite', root, { TESSERA_LOG_LEVEL: 'info' })), name: 'tessera (info: a line per token)' };
  const warn = { ...(await tesseraTarget('ES256', 1, 'sqlite')), name: 'tessera (warn)' };
  const targets = [info, warn];
  // With --against, the other build's pair too, in the same rounds: its own info / warn ratio.
  if (AGAINST)
    targets.push(
      { ...(await tesseraTarget('ES256', 1, 'sqlite', AGAINST, { TESSERA_LOG_LEVEL: 'info' })), name: `${AGAINST_NAME} (info)` },
      { ...(await tesseraTarget('ES256', 1, 'sqlite', AGAINST)), name: `${AGAINST_NAME} (warn)` },
    );
  const { results, failed } = await measureRounds(targets, 'tokens', {
    cpu: true,
    // Each round starts with the other server, so that neither always runs on the warmer machine.
    order: (round) => (round % 2 ? [...targets].reverse() : targets),
  });
  for (const target of targets) await stop(target.child);
  // The lines the info server wrote (every token it answered, warm-ups included), once it has stopped.
  const text = readFileSync(logFileOf(info), 'utf8');
  const lines = text.split('\n').filter((line) => line.includes('"request completed"')).length;
  const [atInfo, atWarn, againstInfo, againstWarn] = targets.map((t) => results.get(t.name));
  return {
    againstRatios: AGAINST ? againstInfo.map((r, i) => r.rps / againstWarn[i].rps) : undefined,
    failed,
    rows: targets.map((t) => rowOf(scenario, t.name, results.get(t.name))),
    ratios: atInfo.map((r, i) => r.rps / atWarn[i].rps),
    cpuRatios: atInfo.map((r, i) => r.rps / r.cpuCores / (atWarn[i].rps / atWarn[i].cpuCores)),
    lines,
    logMb: Buffer.byteLength(text) / 1e6,
    bytesPerLine: lines ? Buffer.byteLength(text) / lines : 0,
  };
}

// ---- introspection and credentials ----

/** Access tokens minted before the introspection scenario and introspected in turn. */
const INTROSPECTED_TOKENS = 1000;

/** Tokens of `target`'s first client from its token endpoint, `count` of them, 50 requests at a time. */
async function mintAccessTokens(target, count, body = 'grant_type=client_credentials') {
  const basic = Buffer.from(readFileSync(target.credentials, 'utf8').split('\n')[0]).toString('base64');
  const tokens = [];
  while (tokens.length < count) {
    const batch = Array.from({ length: Math.min(50, count - tokens.length) }, async () => {
      const res = await fetch(`${target.url}/oauth2/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      const json = await res.json();
      if (res.status !== 200) throw new Error(`minting a token: ${res.status} ${JSON.stringify(json)}`);
      return json.access_token;
    });
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}

/** The claims of a JWT (not verified: the benchmark's own tokens). */
const jwtClaims = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());

/**
 * Whether an introspection answer is the whole answer RFC 7662 §2.2 expects for `token`: active,
 * every claim of the token, token_type Bearer, and nothing else.
 */
function isActiveAnswerOf(token) {
  const expected = { active: true, ...jwtClaims(token), token_type: 'Bearer' };
  return (body) =>
    Object.keys(body).length === Object.keys(expected).length && Object.entries(expected).every(([k, v]) => JSON.stringify(body[k]) === JSON.stringify(v));
}

/**
 * The introspection scenario: the bare node:http server, then POST /oauth2/introspect of one
 * Tessera (ES256, SQLite) with client_secret_basic, INTROSPECTED_TOKENS of its access tokens
 * introspected in turn; the ratio Tessera ÷ bare within each round.
 */
async function introspectionScenario(scenario) {
  const tessera = await tesseraTarget('ES256', 1, 'sqlite');
  const tokens = await mintAccessTokens(tessera, INTROSPECTED_TOKENS);
  const bodies = join(work, `${scenario}-bodies.txt`);
  writeFileSync(bodies, `${tokens.map((t) => `token=${t}&token_type_hint=access_token`).join('\n')}\n`);
  const introspect = { ...tessera, name: 'tessera (POST /oauth2/introspect)', path: '/oauth2/introspect', bodies, checkAnswer: isActiveAnswerOf(tokens[0]) };
  const bare = { ...(await bareTarget()), bodies, checkAnswer: () => true };
  const { results, failed } = await measureRounds([bare, introspect], 'requests');
  await stop(bare.child);
  await stop(tessera.child);
  const [ofBare, ofIntrospect] = [bare, introspect].map((t) => results.get(t.name));
  return {
    failed,
    rows: [rowOf(scenario, introspect.name, ofIntrospect)],
    bare: ofBare.map((r) => r.rps),
    rates: ofIntrospect.map((r) => r.rps),
    ratios: ofIntrospect.map((r, i) => r.rps / ofBare[i].rps),
  };
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** Subject access tokens minted before the credentials scenario and exchanged in turn. */
const SUBJECT_TOKENS = 1000;

/** A private_key_jwt client (ES256, its public key inline) on `server`; answers a signer of its client assertions for `aud`. */
async function privateKeyJwtClient(server, clientId, aud) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: 'bench' };
  await adminCall(server.adminUrl, 'POST', '/clients', {
    client_id: clientId,
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: { keys: [jwk] },
    audience: ['https://api.bench/'],
    scope: 'read',
  });
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'bench', typ: 'JWT' })).toString('base64url');
  // Signed here with node:crypto (not jose): a round needs tens of thousands, each used once.
  return () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = Buffer.from(JSON.stringify({ iss: clientId, sub: clientId, aud, iat: now, exp: now + 280, jti: randomUUID() })).toString('base64url');
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    return `${header}.${claims}.${signature}`;
  };
}

/** Writes `file` with `count` one-time client assertions (form bodies), and answers its name: a new file each time, as each line works once. */
function oneTimeAssertions(file, assertion, count) {
  writeFileSync(file, `${Array.from({ length: count }, () => assertionBody(assertion())).join('\n')}\n`);
  return file;
}

/**
 * The credentials scenario: ONE Tessera (ES256, SQLite), and in each round, with wrk, in turn: the
 * secret path (client_secret_basic); private_key_jwt (an ES256 client assertion, each used once,
 * minted for the round); a federated assertion (ASSERTIONS platform tokens reused); token
 * exchange (client_secret_basic, SUBJECT_TOKENS access tokens of another client exchanged in
 * turn). Each ratio to the secret path within the round.
 */
async function credentialsScenario(scenario) {
  const issuer = await startBenchIssuer({ port: await freePort(), dir: work, start });
  const secret = { ...(await tesseraTarget('ES256', 1, 'sqlite', root, { TESSERA_OUTBOUND_ALLOW: '127.0.0.1' })), name: 'client_secret_basic' };
  const aud = await tenantIssuer(secret);
  const base = { child: secret.child, url: secret.url, adminUrl: secret.adminUrl, path: '/oauth2/token' };

  const results = new Map();
  const assertion = await privateKeyJwtClient(secret, 'bench-private-key-jwt', aud);
  const privateKeyJwt = {
    ...base,
    name: 'private_key_jwt (ES256 assertion, each jti once)',
    bodies: join(work, `${scenario}-check.txt`),
    once: true,
    // Enough for 1.5× the secret path's figure measured just before in the round, at least 2,000.
    freshBodies: (seconds) =>
      oneTimeAssertions(join(work, `${scenario}-assertions.txt`), assertion, Math.max(2000, Math.ceil(1.5 * seconds * results.get(secret.name).at(-1).rps))),
  };

  await federatedClient(secret, issuer, 'bench-federated', WORKLOAD);
  const platformTokens = await Promise.all(Array.from({ length: ASSERTIONS }, () => issuer.mint('ES256', { sub: WORKLOAD, aud, jti: randomUUID() })));
  const federated = { ...base, name: 'federated assertion (ES256 platform token)', bodies: join(work, `${scenario}-federated.txt`) };
  writeFileSync(federated.bodies, `${platformTokens.map(assertionBody).join('\n')}\n`);

  const subjects = await mintAccessTokens(secret, SUBJECT_TOKENS);
  const exchanger = await adminCall(secret.adminUrl, 'POST', '/clients', {
    client_id: 'bench-exchange',
    grant_types: [TOKEN_EXCHANGE],
    audience: ['https://api.bench/'],
    scope: 'read',
  });
  const exchange = {
    ...base,
    name: 'token exchange (RFC 8693, client_secret_basic)',
    credentials: join(work, `${scenario}-exchange-credentials.txt`),
    bodies: join(work, `${scenario}-exchange.txt`),
  };
  writeFileSync(exchange.credentials, `bench-exchange:${exchanger.client_secret}\n`);
  writeFileSync(
    exchange.bodies,
    `${subjects.map((t) => `grant_type=${encodeURIComponent(TOKEN_EXCHANGE)}&subject_token=${t}&subject_token_type=${encodeURIComponent(ACCESS_TOKEN_TYPE)}`).join('\n')}\n`,
  );

  const targets = [secret, privateKeyJwt, federated, exchange];
  const { failed } = await measureRounds(targets, 'tokens', {
    results,
    // The assertion of the check before the measurement works once too.
    before: (target) => target === privateKeyJwt && oneTimeAssertions(target.bodies, assertion, 1),
  });
  await stop(secret.child);
  await stop(issuer.child);
  const of = (target) => results.get(target.name);
  return {
    failed,
    rows: targets.map((t) => rowOf(scenario, t.name, of(t))),
    types: targets.map((t) => ({ name: t.name, rates: of(t).map((r) => r.rps), ratios: of(t).map((r, i) => r.rps / of(secret)[i].rps) })),
  };
}

/**
 * The credentials table: each type's tokens/s (median, range), its ratio to the secret path
 * (median, range) and the target; the mTLS keep-alive row when that scenario ran (its own generator).
 */
function credentialsTable(credentials, mtlsKeepAlive) {
  const pct = (xs) =>
    `${fmt(100 * median(xs), 1)}% (${range(
      xs.map((x) => 100 * x),
      1,
    )})`;
  const lines = ['| credential type | tokens/s (median) | range | ratio to the secret path (range) | target |', '|---|---:|---|---|---|'];
  for (const [i, t] of credentials.types.entries())
    lines.push(`| ${t.name} | ${fmt(median(t.rates))} | ${range(t.rates)} | ${i === 0 ? '100%' : pct(t.ratios)} | ${i === 0 ? '—' : '≥ 60%'} |`);
  if (mtlsKeepAlive)
    lines.push(
      `| tls_client_auth, keep-alive (scenario mtls-keepalive, bench/tls-load.mjs: ratio to Tessera over plain HTTP with a secret) | ${fmt(median(mtlsKeepAlive.tessera))} | ${range(mtlsKeepAlive.tessera)} | ${pct(mtlsKeepAlive.ratios)} | ≥ 60% |`,
    );
  return lines;
}

// ---- scale of one server ----

/** Clients of the clients1m scenario, inserted straight into the store. */
const SCALE_CLIENTS = 1_000_000;
/** Of which wrk sends the credentials of a random subset: 1,000,000 prepared requests would cost wrk's two threads about a gigabyte and a minute to build. */
const SCALE_SAMPLE = 100_000;

/** Each process of a tree (Tessera's primary and workers): its pid, resident and peak resident memory (MB), from /proc. */
function processMemory(pid) {
  const out = [];
  for (const p of processTree(pid)) {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
      out.push({ pid: p, rssMb: kb('VmRSS'), peakMb: kb('VmHWM') });
    } catch {}
  }
  return out;
}

const memoryLine = (processes) => processes.map((p, i) => `${i === 0 ? 'primary' : `worker ${i}`} ${fmt(p.peakMb)} MB`).join(', ');

/**
 * clients1m: SCALE_CLIENTS clients inserted straight into a SQLite store, then `tessera serve`
 * timed from spawn to /health/ready answering 200, the peak RSS of each of its processes taken
 * after start and after every round, and its tokens/s against a one-client Tessera in the same
 * rounds (wrk sending a random SCALE_SAMPLE of the clients' credentials).
 */
async function scaleScenario(scenario) {
  const dataDir = mkdtempSync(join(work, 'tessera-scale-'));
  const first = await startTessera(dataDir);
  await adminCall(first.adminUrl, 'PATCH', '/tenants/default', { signing_alg: 'ES256' });
  await stop(first.child);
  const seededAt = performance.now();
  const lines = await seedClients(dataDir, SCALE_CLIENTS, SCALE_SAMPLE);
  log(`  ${SCALE_CLIENTS} clients inserted in ${fmt((performance.now() - seededAt) / 1000, 1)} s`);
  const startedAt = performance.now();
  // Its time to ready is what is measured: it is waited for well beyond the target.
  const server = await startTessera(dataDir, undefined, root, {}, 300);
  const startSeconds = (performance.now() - startedAt) / 1000;
  const afterStart = processMemory(server.child.pid);
  // The CPU time its processes took to get ready: on a busy machine, the wall time is mostly waiting.
  const startCpuSeconds = procStats(server.child.pid).cpu;
  log(`  start to ready: ${fmt(startSeconds, 1)} s (${fmt(startCpuSeconds, 1)} CPU-seconds in all); peak RSS after start: ${memoryLine(afterStart)}`);
  const credentials = join(dataDir, 'credentials.txt');
  writeFileSync(credentials, `${lines.join('\n')}\n`);
  const many = { name: 'tessera', ...server, path: '/oauth2/token', credentials };
  const one = { ...(await tesseraTarget('ES256', 1, 'sqlite')), name: 'tessera (one client)' };
  const peaks = [];
  const { results, failed } = await measureRounds([one, many], 'tokens', {
    afterRound: () => peaks.push(Math.max(...processMemory(server.child.pid).map((p) => p.peakMb))),
  });
  const [ofOne, ofMany] = [one, many].map((t) => results.get(t.name));
  const afterLoad = processMemory(server.child.pid);
  log(`  peak RSS after load: ${memoryLine(afterLoad)}`);
  await stop(one.child);
  await stop(many.child);
  return {
    failed,
    startSeconds,
    startCpuSeconds,
    afterStart,
    afterLoad,
    ratios: ofMany.map((r, i) => r.rps / ofOne[i].rps),
    peaks,
    rows: [rowOf(scenario, one.name, ofOne), rowOf(scenario, `tessera, ${SCALE_CLIENTS} clients`, ofMany)],
  };
}

// ---- the scenarios' runners ----

/**
 * The runners of the scenarios other than the token endpoint's, by the flag of their SCENARIO
 * entry: what the run's log says of the scenario, its run (its result, with `failed` and the
 * summary `rows` when it has them) and the targets recorded from its result.
 */
const RUNNERS = {
  federated: {
    what: (spec) => `${spec.alg}, the secret path and the federated path of one server, sqlite`,
    run: async (scenario, spec) => ({ ...(await federatedScenario(scenario, spec.alg, spec.fresh === true)), alg: spec.alg, fresh: spec.fresh === true }),
    record: (scenario, result) => recordTarget(scenario, 'federated path / secret path', result.ratios, 0.7, 'least', 'pct'),
  },
  mtls: {
    what: (spec) => `mutual TLS (tls_client_auth, bound tokens), ${spec.keepAlive ? 'keep-alive' : 'a new TLS connection per token'}, ES256, sqlite`,
    run: (scenario, spec) => mtlsScenario(scenario, spec.keepAlive),
    record: (scenario, result) =>
      result.keepAlive
        ? recordTarget(scenario, 'mutual TLS / plain HTTP with a secret', result.ratios, 0.8, 'least', 'pct')
        : recordTarget(scenario, 'Tessera / bare node:https, a handshake per token', result.ratios, 0.5, 'least', 'pct'),
  },
  write: {
    what: () => `POST /clients, ${WRITERS} requests in flight, a fresh SQLite store`,
    run: (scenario) => clientsWriteScenario(scenario),
    record: (scenario, result) => recordTarget(scenario, 'POST /clients per second, 32 in flight, SQLite', result.rates, 1000, 'least', '/s'),
  },
  apply: {
    what: () => `POST /config/apply of ${APPLY_CLIENTS} clients and ${APPLY_CLIENTS} grants, twice, a fresh SQLite store`,
    run: () => applyScenario(),
    record: (scenario, result) => {
      recordTarget(scenario, `apply of ${APPLY_CLIENTS} clients and grants`, [result.first], 30, 'most', 's');
      recordTarget(scenario, 'the same document again', [result.second], 10, 'most', 's');
    },
  },
  // It records its targets itself.
  latency: {
    what: () => 'open-loop latency, ES256, Tessera and bare node:http, sqlite',
    run: (scenario) => latencyScenario(scenario),
  },
  writePostgres: {
    what: () => `POST /clients, ${WRITERS} requests in flight, a fresh PostgreSQL database`,
    run: (scenario) => clientsWritePostgresScenario(scenario),
    record: (scenario, result) => recordTarget(scenario, `POST /clients per second, ${WRITERS} in flight, PostgreSQL`, result.rates, 500, 'least', '/s'),
  },
  logging: {
    what: () => 'ES256, one client, sqlite, a server at TESSERA_LOG_LEVEL=info and one at warn',
    run: (scenario) => loggingScenario(scenario),
    record: (scenario, result) => recordTarget(scenario, 'tokens/s at info (a line per token) / at warn', result.ratios, 0.9, 'least', 'pct'),
  },
  introspection: {
    what: () => `POST /oauth2/introspect, client_secret_basic, ${INTROSPECTED_TOKENS} ES256 tokens in turn, against bare node:http, sqlite`,
    run: (scenario) => introspectionScenario(scenario),
    record: (scenario, result) => recordTarget(scenario, 'introspection / bare node:http', result.ratios, 0.5, 'least', 'pct'),
  },
  credentials: {
    what: () => 'one server, ES256, sqlite: the secret path, private_key_jwt, a federated assertion, token exchange',
    run: (scenario) => credentialsScenario(scenario),
    record: (scenario, result) => {
      for (const t of result.types.slice(1)) recordTarget(scenario, `${t.name} / client_secret_basic`, t.ratios, 0.6, 'least', 'pct');
    },
  },
  scale: {
    what: () => `${SCALE_CLIENTS} clients inserted into a SQLite store, ES256, against one client in the same rounds`,
    run: (scenario) => scaleScenario(scenario),
    record: (scenario, result) => {
      recordTarget(scenario, `start to ready with ${SCALE_CLIENTS} clients`, [result.startSeconds], 30, 'most', 's');
      recordTarget(scenario, 'peak RSS of the largest process', result.peaks, 1024, 'most', 'MB');
      recordTarget(scenario, `${SCALE_CLIENTS} clients / one client`, result.ratios, 0.85, 'least', 'pct');
    },
  },
  // Its result is the times (ms) the changes took to work on the other server.
  propagation: {
    what: () => 'a credential changed through one server, used on another, postgres',
    run: () => propagationScenario(),
    record: (scenario, times) => recordTarget(scenario, 'a changed credential works on another server', times, 1000, 'most', 'ms'),
  },
};

async function main() {
  ensureWrk();
  if (!existsSync(join(root, 'dist/src/main.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  // node-oidc-provider is compared only in the token scenarios of one server (not the federated, TLS, write or apply ones).
  const comparesPeer = SCENARIOS.some((name) => SCENARIO[name]?.alg && !SCENARIO[name].federated && !SCENARIO[name].baseline);
  const peerDir = WITH_PEER && comparesPeer ? installPeer() : null;
  let cores = 0;
  const ceilings = { rsa: [], http: [] };

  const rows = [];
  const ratios = {};
  /** The results of the scenarios of RUNNERS, by scenario. */
  const done = {};
  let failed = false;
  for (const scenario of SCENARIOS) {
    const spec = SCENARIO[scenario];
    if (!spec) throw new Error(`unknown scenario ${scenario}`);
    const flag = Object.keys(RUNNERS).find((f) => spec[f]);
    if (flag) {
      const runner = RUNNERS[flag];
      log(`scenario ${scenario}: ${runner.what(spec)}`);
      const result = await runner.run(scenario, spec);
      if (result.failed) failed = true;
      rows.push(...(result.rows ?? []));
      runner.record?.(scenario, result);
      done[scenario] = result;
      continue;
    }
    const { alg, clients = 1, store = 'sqlite' } = spec;
    log(`scenario ${scenario}: ${alg}, ${clients} client(s), ${store}`);
    // In each round: the peer, then what Tessera is compared with, then Tessera.
    const tessera = await tesseraTarget(alg, clients, store);
    const targets = [tessera];
    if (spec.ceiling === 'http') targets.unshift(await bareTarget());
    if (spec.reference) targets.unshift(await referenceTarget());
    if (spec.baseline) targets.unshift({ ...(await tesseraTarget(alg, 1, 'sqlite')), name: `tessera (${spec.baseline})` });
    if (peerDir && !spec.baseline) targets.unshift(await peerTarget(alg, peerDir));
    if (AGAINST) targets.unshift({ ...(await tesseraTarget(alg, clients, store, AGAINST)), name: AGAINST_NAME });
    const results = new Map(targets.map((t) => [t.name, []]));
    const perRound = [];
    for (let round = 0; round < ROUNDS; round++) {
      let compared;
      for (const target of targets) {
        if (target === tessera && spec.ceiling === 'rsa') {
          const c = rsaCeiling();
          cores = c.cores;
          ceilings.rsa.push((compared = c.rsa2048_signs_per_s));
          log(`  RSA-2048 ceiling round ${round + 1}: ${compared} signatures/s`);
        }
        const r = await measure(target);
        if (r.non200 > 0 || r.errors > 0) failed = true;
        log(`  ${target.name} round ${round + 1}: ${fmt(r.rps)} ${target.ceiling ? 'requests' : 'tokens'}/s, p99 ${fmt(r.p99ms, 1)} ms, non-200 ${r.non200}`);
        results.get(target.name).push(r);
        if (target.ceiling) ceilings.http.push((compared = r.rps));
        else if (target !== tessera && spec.baseline && target.name !== AGAINST_NAME) compared = r.rps;
      }
      perRound.push({
        tessera: results.get('tessera').at(-1),
        compared,
        peer: results.get('node-oidc-provider')?.at(-1),
        reference: results.get(REFERENCE)?.at(-1),
        against: AGAINST_NAME && results.get(AGAINST_NAME).at(-1),
      });
    }
    ratios[scenario] = {
      compared: median(perRound.map((r) => r.tessera.rps / r.compared)),
      comparedRange: perRound.map((r) => r.tessera.rps / r.compared),
      peer: perRound[0].peer ? median(perRound.map((r) => r.tessera.rps / r.peer.rps)) : undefined,
      // The reference's share of the RSA ceiling of its round, and Tessera's share of the reference's figure.
      reference: perRound[0].reference ? perRound.map((r) => r.reference.rps / r.compared) : undefined,
      ofReference: perRound[0].reference ? perRound.map((r) => r.tessera.rps / r.reference.rps) : undefined,
      ofAgainst: AGAINST ? perRound.map((r) => r.tessera.rps / r.against.rps) : undefined,
    };
    const r = ratios[scenario];
    const peerRatios = perRound[0].peer ? perRound.map((x) => x.tessera.rps / x.peer.rps) : undefined;
    if (scenario === 'rs256') {
      if (r.ofReference) recordTarget(scenario, 'Tessera / the RS256 reference (node:http that only signs)', r.ofReference, 0.95, 'least', 'pct');
      if (peerRatios) recordTarget(scenario, "Tessera / node-oidc-provider's RS256", peerRatios, 1.5, 'least', 'x');
    } else if (spec.ceiling === 'http') {
      recordTarget(scenario, 'Tessera / bare node:http', r.comparedRange, 0.5, 'least', 'pct');
      if (peerRatios) recordTarget(scenario, 'Tessera / node-oidc-provider', peerRatios, 3, 'least', 'x');
    } else if (scenario === 'clients100k') {
      recordTarget(scenario, '100,000 clients / one client', r.comparedRange, 0.9, 'least', 'pct');
      recordTarget(
        scenario,
        'peak RSS of the largest process',
        results.get('tessera').map((x) => x.peakMb),
        300,
        'most',
        'MB',
      );
    }
    for (const target of targets) {
      const rs = results.get(target.name);
      if (!target.ceiling) rows.push(rowOf(scenario, target.name, rs));
      await stop(target.child);
    }
  }

  const ofRunner = (flag) => Object.fromEntries(Object.entries(done).filter(([scenario]) => SCENARIO[scenario][flag]));
  const federated = ofRunner('federated');
  const mtls = ofRunner('mtls');
  const { propagation, latency, logging, introspection, credentials } = done;
  const { 'clients-write': writes, apply: applied, 'clients-write-postgres': writesPostgres, clients1m: scale } = done;
  const out = [];
  out.push(`Tessera token endpoint benchmark — ${ROUNDS} rounds of ${DURATION} s (+${WARMUP} s warm-up), ${CONNECTIONS} connections, keep-alive, wrk -t2`);
  out.push(`node ${process.version}, ${cores || availableParallelism()} cores`);
  if (Object.keys(mtls).length)
    out.push(
      `mutual TLS scenarios: every server driven by bench/tls-load.mjs (${LOAD_PROCESSES} Node processes, ${CONNECTIONS} concurrent loops in all; wrk cannot present a client certificate), TLS 1.3, ES256, sqlite`,
    );
  out.push('');
  out.push('| scenario | server | processes | tokens/s (median) | range | p50 ms | p99 ms | CPU cores | peak RSS MB (largest process) | failed requests |');
  out.push('|---|---|---:|---:|---|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    out.push(
      `| ${r.scenario} | ${r.target} | ${r.processes} | ${fmt(r.rps)} | ${fmt(r.min)}–${fmt(r.max)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.cpu, 2)} | ${fmt(r.peakMb)} | ${r.non200} |`,
    );
  }
  out.push('');
  out.push('Ceilings (same run, measured in the rounds of the scenarios compared with them):');
  if (ceilings.rsa.length)
    out.push(
      `- RSA-2048 signatures/s, node:crypto on ${cores} cores: ${median(ceilings.rsa)} (median of ${ceilings.rsa.length}; range ${range(ceilings.rsa)})`,
    );
  if (ceilings.http.length)
    out.push(
      `- bare node:http (one process) answering fixed JSON to the same requests: ${fmt(median(ceilings.http))} requests/s (median of ${ceilings.http.length}; range ${range(ceilings.http)})`,
    );
  out.push('');
  out.push("Ratios (median of the rounds' ratios; range in brackets):");
  const get = (scenario, target) => rows.find((r) => r.scenario === scenario && r.target === target);
  const pct = (r) =>
    `${fmt(100 * r.compared, 1)}% (${range(
      r.comparedRange.map((x) => 100 * x),
      1,
    )})`;
  const esPeer = get('es256', 'node-oidc-provider');
  for (const scenario of ['rs256', 'es256', 'eddsa']) {
    const t = get(scenario, 'tessera');
    const r = ratios[scenario];
    if (!t) continue;
    const parts = [`${scenario}: Tessera ${fmt(t.rps)} tokens/s`];
    if (r.peer) parts.push(`${fmt(r.peer, 2)}× node-oidc-provider`);
    if (scenario === 'rs256') {
      parts.push(`${pct(r)} of the RSA ceiling (target ≥ 85%)`);
      if (r.reference) {
        const share = (xs) =>
          `${fmt(100 * median(xs), 1)}% (${range(
            xs.map((x) => 100 * x),
            1,
          )})`;
        parts.push(`the reference node:http server signing alike ${share(r.reference)} of it, Tessera ${share(r.ofReference)} of the reference`);
      }
    } else parts.push(`${pct(r)} of bare node:http (target ≥ 50%), p99 ${fmt(t.p99, 1)} ms (target < 15)`);
    if (scenario !== 'rs256' && esPeer) parts.push(`${fmt(t.rps / esPeer.rps, 2)}× node-oidc-provider ES256 (target ≥ 3×)`);
    out.push(`- ${parts.join(', ')}`);
  }
  if (ratios.postgres)
    out.push(
      `- postgres: Tessera ${fmt(get('postgres', 'tessera').rps)} tokens/s on PostgreSQL, ${pct(ratios.postgres)} of its SQLite figure in the same rounds (the token path reads only memory)`,
    );
  if (ratios.clients100k) {
    const many = get('clients100k', 'tessera');
    out.push(
      `- 100,000 clients: ${fmt(many.rps)} tokens/s, ${pct(ratios.clients100k)} of the one-client figure in the same rounds (target ≥ 90%), peak RSS ${fmt(many.peakMb)} MB (target < 300)`,
    );
  }
  for (const [scenario, f] of Object.entries(federated)) {
    const fed = get(scenario, 'tessera (federated)');
    out.push(
      `- federated ${f.alg}${f.fresh ? ', every token new' : ''}: ${fmt(fed.rps)} tokens/s = ${fmt(100 * median(f.ratios), 1)}% (${range(
        f.ratios.map((x) => 100 * x),
        1,
      )}) of the secret path in the same rounds (target ≥ 70%), p99 ${fmt(fed.p99, 1)} ms; ${
        f.fresh
          ? `${FRESH_ASSERTIONS} pre-minted platform tokens, sent in turn (each signature checked, as for CI jobs' one-time tokens)`
          : `${ASSERTIONS} pre-minted platform tokens reused (require_jti off, as Kubernetes and SPIRE reuse a token for its life)`
      }, the issuer asked ${f.keyFetches} times in all (discovery and JWK Set, once per process serving tokens), its keys cached since`,
    );
  }
  if (propagation)
    out.push(
      `- propagation: a federated credential changed through one server works on a second on the same PostgreSQL after ${fmt(median(propagation))} ms (median of ${propagation.length} changes; range ${range(propagation)} ms; target < 1000)`,
    );
  const pctOf = (xs) =>
    `${fmt(100 * median(xs), 1)}% (${range(
      xs.map((x) => 100 * x),
      1,
    )})`;
  for (const m of Object.values(mtls)) {
    if (m.keepAlive)
      out.push(
        `- mutual TLS, keep-alive (tls_client_auth, bound tokens): ${fmt(median(m.tessera))} tokens/s = ${pctOf(m.ratios)} of Tessera over plain HTTP with a client secret (ES256) in the same rounds (target ≥ 80%), ${pctOf(m.cpuRatios)} of it per CPU-second; the bare node:https server with keep-alive ${fmt(median(m.bare))} requests/s, Tessera ${pctOf(m.ofBare)} of it`,
      );
    else
      out.push(
        `- mutual TLS, a new connection per token (TLS 1.3, full handshake with the client certificate, no resumption): ${fmt(median(m.tessera))} tokens/s = ${pctOf(m.ratios)} of the bare node:https server's ${fmt(median(m.bare))} new connections/s in the same rounds (target ≥ 50%), ${pctOf(m.cpuRatios)} of it per CPU-second; ${fmt(median(m.perCpuSecond))} tokens per CPU-second of Tessera's processes (range ${range(m.perCpuSecond)}; Keycloak publishes 120 grants/s per vCPU with a handshake per request)`,
      );
  }
  if (writes)
    out.push(
      `- clients-write: ${fmt(writes.row.rps)} POST /clients per second with ${WRITERS} in flight on SQLite (median of ${writes.rates.length} rounds; range ${range(writes.rates)}; target ≥ 1000), p99 ${fmt(writes.row.p99, 1)} ms${
        writes.ofAgainst ? `; ${fmt(median(writes.ofAgainst), 2)}× ${AGAINST} in the same rounds (range ${range(writes.ofAgainst, 2)})` : ''
      }`,
    );
  if (applied)
    out.push(
      `- apply: ${applied.objects} objects (${APPLY_CLIENTS} clients, ${APPLY_CLIENTS} grants) created by one POST /config/apply in ${fmt(applied.first, 1)} s (${fmt(applied.objects / applied.first)} objects/s; target ≤ 30 s), the same document applied again in ${fmt(applied.second, 1)} s (${fmt(applied.objects / applied.second)} objects/s; target ≤ 10 s), SQLite`,
    );
  if (latency) out.push(...latencyLines(latency));
  if (writesPostgres)
    out.push(
      `- clients-write-postgres: ${fmt(writesPostgres.row.rps)} POST /clients per second with ${WRITERS} in flight on PostgreSQL (median of ${writesPostgres.rates.length} rounds; range ${range(writesPostgres.rates)}; target ≥ 500), p99 ${fmt(writesPostgres.row.p99, 1)} ms${
        writesPostgres.ofAgainst
          ? `; ${fmt(median(writesPostgres.ofAgainst), 2)}× ${AGAINST} in the same rounds (range ${range(writesPostgres.ofAgainst, 2)})`
          : ''
      }`,
    );
  if (logging)
    out.push(
      `- logging: at TESSERA_LOG_LEVEL=info (a line per token, stdout a pipe read by the benchmark and appended to a file) Tessera answers ${pctOf(logging.ratios)} of the tokens/s of a server at warn in the same rounds (target ≥ 90%), ${pctOf(logging.cpuRatios)} of it per CPU-second; ${logging.lines} lines, ${fmt(logging.logMb, 1)} MB, ${fmt(logging.bytesPerLine)} bytes a line${
        logging.againstRatios ? `; ${AGAINST} at info answers ${pctOf(logging.againstRatios)} of its figure at warn in the same rounds` : ''
      }`,
    );
  if (introspection)
    out.push(
      `- introspection: ${fmt(median(introspection.rates))} POST /oauth2/introspect per second (client_secret_basic, ${INTROSPECTED_TOKENS} ES256 tokens in turn) = ${pctOf(introspection.ratios)} of the bare node:http server's ${fmt(median(introspection.bare))} requests/s in the same rounds (target ≥ 50%)`,
    );
  if (credentials) {
    out.push('');
    out.push(
      `Credential types (scenario credentials: one Tessera, ES256, sqlite, wrk; ratios to client_secret_basic within each round${mtls['mtls-keepalive'] ? "; the mTLS row is the mtls-keepalive scenario's, measured with bench/tls-load.mjs" : ''}):`,
    );
    out.push(...credentialsTable(credentials, mtls['mtls-keepalive']));
  }
  if (scale)
    out.push(
      `- clients1m: ${SCALE_CLIENTS} clients (wrk sending a random ${SCALE_SAMPLE} of their credentials): start to ready ${fmt(scale.startSeconds, 1)} s (target ≤ 30; ${fmt(scale.startCpuSeconds, 1)} CPU-seconds in all its processes), ${pctOf(scale.ratios)} of the one-client tokens/s in the same rounds (target ≥ 85%); peak RSS after start ${memoryLine(scale.afterStart)}, after load ${memoryLine(scale.afterLoad)} (target ≤ 1024 MB each)`,
    );
  if (AGAINST) {
    out.push('');
    out.push(`This build against ${AGAINST} (same rounds; tokens/s of this build ÷ the other's, median and range):`);
    for (const scenario of SCENARIOS.filter((name) => ratios[name])) {
      const xs = ratios[scenario].ofAgainst;
      out.push(
        `- ${scenario}: ${fmt(100 * median(xs), 1)}% (${range(
          xs.map((x) => 100 * x),
          1,
        )})`,
      );
    }
  }
  if (TARGETS.length) {
    out.push('');
    out.push(`Targets (median and range of the ${ROUNDS} rounds):`);
    out.push(...targetsTable());
  }
  out.push('');
  out.push(failed ? 'RESULT: FAILED — some requests were not answered 200' : 'RESULT: every response was 200');
  process.stdout.write(`${out.join('\n')}\n`);
  return failed ? 1 : 0;
}

const cleanup = () => {
  for (const c of children) c.kill('SIGKILL');
  postgres?.destroy();
  rmSync(work, { recursive: true, force: true });
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
try {
  process.exitCode = await main();
} catch (err) {
  log(String(err?.stack ?? err));
  if (err?.cause) log(`cause: ${String(err.cause?.stack ?? err.cause)}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
