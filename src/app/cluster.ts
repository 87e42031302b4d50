import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import type { Logger } from 'pino';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue, type Registry } from 'prom-client';
import { parseChange, type Change } from '../domain/changes.js';
import type { AuthAttempt } from '../protocol/brute-force.js';
import type { SingleUseRecord } from '../domain/single-use.js';
import { turnBatched } from '../lib/turn-batch.js';
import { StoreUnavailable } from '../storage/errors.js';
import type { Config } from './config.js';
import type { QuotaShared } from '../domain/quotas/counts.js';
import type { ClusterPeers, Deps, QuotaBaseline, UsageCounts } from './deps.js';
import { createLogger } from './logger.js';
import { handOverUsage, startServer, type RunningServer } from './server.js';

/**
 * `tessera serve --workers N` (N > 1): one primary process serves the admin listener and runs
 * the shared upkeep (key rotation, purges); N worker processes share the public port (node:cluster
 * hands each new connection to the next worker) and each keeps its own read model.
 *
 * Changes travel over the cluster's IPC channel: a change made in one process is applied by every
 * other before the write that made it is answered (an admin write is visible to every worker at
 * once), a failed client authentication is counted by every worker (one brute-force limit for
 * the whole cluster), a DPoP proof used in one worker is known to all (a replay is refused), and
 * once a minute the primary asks every worker for its counts (secret use, token activity) and
 * writes them with its own: one write of the minute's counts, holding every process's. Token
 * quota counts go to every sibling at the end of the event-loop turn that added them (through the
 * primary, which also hears the windows crossed and shares the other servers' counts after each
 * quota sync: docs/quotas.md). Assertions' single-use jtis are recorded by the primary for its
 * workers (one writer on the token path's one write; a worker's jtis of one turn in one message). With
 * PostgreSQL, other machines still hear changes by LISTEN/NOTIFY; the processes of one cluster
 * share an origin id and ignore each other's notifications.
 */

/** What the processes of a cluster say to each other; `tessera` tells them apart from other IPC traffic. */
type Message =
  | { readonly tessera: 'change'; readonly id: number; readonly change: Change }
  | { readonly tessera: 'change-applied'; readonly id: number }
  | { readonly tessera: 'auth-failure'; readonly attempt: AuthAttempt }
  | { readonly tessera: 'dpop-proof'; readonly key: string; readonly forgetAtMs: number }
  | { readonly tessera: 'ready'; readonly publicAddress: string }
  | { readonly tessera: 'metrics-request'; readonly id: number }
  | { readonly tessera: 'metrics'; readonly id: number; readonly metrics: WorkerMetrics }
  | { readonly tessera: 'usage-request'; readonly id: number }
  | { readonly tessera: 'usage'; readonly usage: UsageCounts }
  | { readonly tessera: 'usage-handed-over'; readonly id: number }
  | { readonly tessera: 'quota'; readonly shared: QuotaShared }
  | { readonly tessera: 'quota-baseline'; readonly baseline: QuotaBaseline }
  | { readonly tessera: 'single-use'; readonly id: number; readonly records: readonly SingleUseRecord[] }
  | { readonly tessera: 'single-use-recorded'; readonly id: number; readonly fresh: readonly (boolean | null)[] }
  | { readonly tessera: 'stop' };

/** A worker's registry as prom-client's AggregatorRegistry takes it. */
type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

/** Entries per usage message (secrets, or clients' activity): a minute of a hundred thousand clients goes in pieces, each serialised between requests. */
const USAGE_PIECE = 10_000;

/** Usage in messages of at most USAGE_PIECE secrets or clients' activity. */
function usagePieces({ secrets, activity }: UsageCounts): UsageCounts[] {
  const pieces: UsageCounts[] = [];
  for (const [tenantId, ids, times] of secrets) {
    for (let i = 0; i < ids.length; i += USAGE_PIECE)
      pieces.push({ secrets: [[tenantId, ids.slice(i, i + USAGE_PIECE), times.slice(i, i + USAGE_PIECE)]], activity: [] });
  }
  for (const [tenantId, minute, clientIds, counts] of activity) {
    for (let i = 0; i < clientIds.length; i += USAGE_PIECE) {
      pieces.push({ secrets: [], activity: [[tenantId, minute, clientIds.slice(i, i + USAGE_PIECE), counts.slice(3 * i, 3 * (i + USAGE_PIECE))]] });
    }
  }
  return pieces;
}

/** A sibling that has not applied a relayed change within this time is logged and no longer waited for. */
export const RELAY_TIMEOUT_MS = 2_000;
/**
 * How long the primary waits for a worker's minute of counts before writing without them (they
 * are written with the next minute's): a hundred thousand clients' counts take a busy worker
 * about a second to hand over.
 */
const USAGE_COLLECT_TIMEOUT_MS = 15_000;
/**
 * How long workers get to start. A worker loads every client of every tenant before it serves: a
 * million clients take each process tens of seconds on an idle machine, several times that on a
 * busy one (all processes load at once); a worker that hangs is still caught.
 */
const WORKER_START_TIMEOUT_MS = 300_000;
/** How long a stopping worker gets beyond its drain (TESSERA_SHUTDOWN_TIMEOUT) to hand over its counts and exit. */
const WORKER_STOP_GRACE_MS = 10_000;
/** Delay before replacing a worker that died. */
const RESPAWN_DELAY_MS = 1_000;
/** The environment variable that gives workers the cluster's id. */
const CLUSTER_ID_VARIABLE = 'TESSERA_CLUSTER_ID';

function asMessage(value: unknown): Message | undefined {
  if (typeof value !== 'object' || value === null || typeof (value as { tessera?: unknown }).tessera !== 'string') return undefined;
  const message = value as Message;
  if (message.tessera === 'change' && parseChange(message.change) === undefined) return undefined;
  return message;
}

/**
 * Requests to other processes of the cluster, each answered by id: `ask` resolves with the
 * answer, or with null when none came within `timeoutMs` or the process asked has left.
 */
class Replies<T> {
  #nextId = 1;

  constructor(private readonly timeoutMs: number = RELAY_TIMEOUT_MS) {}

  readonly #waiting = new Map<number, { from: number | null; done: (answer: T | null) => void }>();

  /** Sends a request (`send` gets its id) to process `from` (a worker id, or null for the primary). */
  ask(from: number | null, send: (id: number) => void): Promise<T | null> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), this.timeoutMs);
      const done = (answer: T | null) => {
        clearTimeout(timer);
        this.#waiting.delete(id);
        resolve(answer);
      };
      this.#waiting.set(id, { from, done });
      send(id);
    });
  }

  answer(id: number, answer: T): void {
    this.#waiting.get(id)?.done(answer);
  }

  /** Process `from` answers nothing more (it died): its requests resolve with null now. */
  gone(from: number): void {
    for (const entry of [...this.#waiting.values()]) if (entry.from === from) entry.done(null);
  }
}

/** Records a worker's single-use value in the primary: true, false for a replay, null when it could not be recorded (logged). */
async function recordHere(deps: Deps | undefined, record: SingleUseRecord, logger: Logger): Promise<boolean | null> {
  if (!deps) return null;
  try {
    return record.kind === 'client_assertion' ? await deps.clientAuth.jtis.remember(record) : await deps.federatedJtis.remember(record);
  } catch (err) {
    logger.warn({ err, kind: record.kind }, 'could not record a single-use value');
    return null;
  }
}

/** Hands a change to `workers` and resolves once each has applied it (or left, or timed out: logged). */
async function relayToWorkers(change: Change, workers: readonly Worker[], applied: Replies<true>, logger: Logger): Promise<void> {
  const answers = await Promise.all(workers.map((w) => applied.ask(w.id, (id) => w.send({ tessera: 'change', id, change } satisfies Message))));
  const late = workers.filter((w, i) => answers[i] === null && !w.isDead()).map((w) => w.id);
  if (late.length > 0) logger.warn({ change, worker_ids: late }, 'workers did not apply a change in time');
}

/**
 * Asks every worker for the secret use and token activity it counted, and resolves once each has
 * handed them over (the pieces come before the worker's answer on its channel) or left or timed
 * out (logged: what it sends later is written with the next minute's counts).
 */
async function collectUsage(workers: readonly Worker[], handedOver: Replies<true>, logger: Logger): Promise<void> {
  const answers = await Promise.all(workers.map((w) => handedOver.ask(w.id, (id) => w.send({ tessera: 'usage-request', id } satisfies Message))));
  const late = workers.filter((w, i) => answers[i] === null && !w.isDead()).map((w) => w.id);
  if (late.length > 0) logger.warn({ worker_ids: late }, "workers did not hand over their counts in time; they go with the next minute's");
}

/**
 * `/metrics` of the primary: its own registry (admin listener) and every worker's (token
 * endpoint), asked over IPC and summed per series by prom-client's AggregatorRegistry (gauges
 * declare how they combine). A worker that does not answer within the relay timeout is left out.
 */
async function clusterMetrics(local: Registry, workers: readonly Worker[], replies: Replies<WorkerMetrics>): Promise<{ contentType: string; body: string }> {
  const fromWorkers = await Promise.all(workers.map((w) => replies.ask(w.id, (id) => w.send({ tessera: 'metrics-request', id } satisfies Message))));
  const all = [await local.getMetricsAsJSON(), ...fromWorkers.filter((m): m is WorkerMetrics => m !== null)];
  const merged = AggregatorRegistry.aggregate(all);
  return { contentType: merged.contentType, body: await merged.metrics() };
}

/** Runs the primary of a cluster of `config.workers` workers; resolves once every worker serves and the admin listener is open. */
export async function startClusterPrimary(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const clusterId = randomUUID();
  const workers = new Map<number, Worker>();
  const applied = new Replies<true>();
  const metricsReplies = new Replies<WorkerMetrics>();
  const usageHandedOver = new Replies<true>(USAGE_COLLECT_TIMEOUT_MS);
  let deps: Deps | undefined;
  let publicAddress = '';
  let stopping = false;

  const others = (exceptId?: number) => [...workers.values()].filter((w) => w.id !== exceptId && w.isConnected());

  const onMessage = async (worker: Worker, raw: unknown) => {
    const message = asMessage(raw);
    if (!message) return;
    switch (message.tessera) {
      case 'change':
        // A worker's change (a revocation): apply it here and in every other worker, then answer.
        await deps?.inbox.change(message.change).catch((err: unknown) => logger.warn({ err }, 'could not apply a relayed change'));
        await relayToWorkers(message.change, others(worker.id), applied, logger);
        if (worker.isConnected()) worker.send({ tessera: 'change-applied', id: message.id } satisfies Message);
        break;
      case 'change-applied':
        applied.answer(message.id, true);
        break;
      case 'auth-failure':
      case 'dpop-proof':
        for (const other of others(worker.id)) other.send(message);
        break;
      case 'metrics':
        metricsReplies.answer(message.id, message.metrics);
        break;
      case 'usage':
        deps?.inbox.usage(message.usage);
        break;
      case 'usage-handed-over':
        usageHandedOver.answer(message.id, true);
        break;
      case 'single-use': {
        // A worker's values of one turn, recorded with the other workers' of this turn (SingleUseBatches).
        const fresh = await Promise.all(message.records.map((record) => recordHere(deps, record, logger)));
        if (worker.isConnected()) worker.send({ tessera: 'single-use-recorded', id: message.id, fresh } satisfies Message);
        break;
      }
      case 'quota':
        deps?.inbox.quota(message.shared);
        // The other workers add the counts; the windows crossed are audited here only.
        for (const other of others(worker.id)) other.send({ tessera: 'quota', shared: { counts: message.shared.counts, excess: [] } } satisfies Message);
        break;
      default:
        break;
    }
  };

  /** Forks one worker; resolves with it once it serves, rejects if it dies first. */
  const fork = (): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({ [CLUSTER_ID_VARIABLE]: clusterId });
      // Relayed to from the start: a change made while it loads is applied once it has loaded.
      workers.set(worker.id, worker);
      const timer = setTimeout(
        () => reject(new Error(`worker ${worker.id} did not start within ${WORKER_START_TIMEOUT_MS / 1000} s`)),
        WORKER_START_TIMEOUT_MS,
      );
      const onReady = (raw: unknown) => {
        const message = asMessage(raw);
        if (message?.tessera !== 'ready') return;
        clearTimeout(timer);
        worker.off('message', onReady);
        publicAddress = message.publicAddress;
        resolve(worker);
      };
      // Sending to a worker that has just died fails with EPIPE: its exit is handled below.
      worker.on('error', (err) => logger.debug({ err, worker_id: worker.id }, 'could not reach a worker'));
      worker.on('message', onReady);
      worker.on('message', (raw: unknown) => void onMessage(worker, raw));
      worker.once('exit', (code, signal) => {
        clearTimeout(timer);
        workers.delete(worker.id);
        applied.gone(worker.id);
        metricsReplies.gone(worker.id);
        usageHandedOver.gone(worker.id);
        reject(new Error(`worker ${worker.id} exited (${signal ?? code}) before it was ready`));
        if (stopping) return;
        logger.error({ worker_id: worker.id, pid: worker.process.pid, code, signal }, 'a worker stopped; starting another');
        setTimeout(() => {
          if (!stopping) fork().catch((err: unknown) => logger.error({ err }, 'could not replace a worker'));
        }, RESPAWN_DELAY_MS).unref();
      });
    });

  const stopWorkers = async () => {
    stopping = true;
    await Promise.all(
      [...workers.values()].map(async (worker) => {
        // Gone once it has exited and its channel is closed: what it sent last (its counts) has been read.
        const event = (name: 'exit' | 'disconnect') => new Promise<void>((done) => worker.once(name, () => done()));
        const gone = [...(worker.isDead() ? [] : [event('exit')]), ...(worker.isConnected() ? [event('disconnect')] : [])];
        if (gone.length === 0) return;
        const timer = setTimeout(() => worker.process.kill('SIGKILL'), config.shutdownTimeout * 1000 + WORKER_STOP_GRACE_MS);
        if (worker.isConnected()) worker.send({ tessera: 'stop' } satisfies Message);
        else worker.process.kill('SIGTERM');
        await Promise.all(gone);
        clearTimeout(timer);
      }),
    );
  };

  const peers: ClusterPeers = {
    id: clusterId,
    relayChange: (change) => relayToWorkers(change, others(), applied, logger),
    // The primary's only token requests are the console playground's: they count here only.
    relayAuthFailure: () => {},
    relayDpopProof: () => {},
    collectUsage: () => collectUsage(others(), usageHandedOver, logger),
    relayQuota: (counts) => {
      if (counts.length === 0) return;
      for (const worker of others()) worker.send({ tessera: 'quota', shared: { counts, excess: [] } } satisfies Message);
    },
    shareQuotaBaseline: (baseline) => {
      for (const worker of others()) worker.send({ tessera: 'quota-baseline', baseline } satisfies Message);
    },
  };
  try {
    const server = await startServer(config, {
      logger,
      cluster: peers,
      metrics: { render: (local) => clusterMetrics(local, others(), metricsReplies) },
      role: { public: false, admin: true },
      // The workers load their read models while the primary loads its own (a million clients take
      // each process many seconds); the admin listener opens once every worker serves.
      whileLoading: async (loaded) => {
        deps = loaded;
        await Promise.all(Array.from({ length: config.workers }, fork));
      },
    });
    // `kill -HUP <primary>` reaches the primary only: each worker reloads its own listener's certificate.
    const forwardHangUp = () => {
      for (const worker of workers.values()) worker.process.kill('SIGHUP');
    };
    if (config.tlsCert !== undefined) process.on('SIGHUP', forwardHangUp);
    return {
      ...server,
      publicAddress,
      close: async () => {
        process.off('SIGHUP', forwardHangUp);
        await stopWorkers();
        await server.close();
      },
    };
  } catch (err) {
    await stopWorkers();
    throw err;
  }
}

/** Runs one worker of a cluster: the public listener, its own read model, changes and failures relayed through the primary. */
export async function startClusterWorker(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const clusterId = process.env[CLUSTER_ID_VARIABLE];
  if (!clusterId || !process.send) throw new Error('a cluster worker must be started by the primary');
  const send = (message: Message) => {
    if (process.connected) process.send!(message);
  };
  // A SIGHUP the primary passes on while this worker still loads must not end it (Node's default):
  // the listener's own handler (src/app/tls-reload.ts) reloads once it listens.
  if (config.tlsCert !== undefined) process.on('SIGHUP', () => {});
  let deps: Deps | undefined;
  /** Changes relayed before this worker had loaded; applied before it serves. */
  const early: Change[] = [];
  // The primary answers once the other workers have applied the change (each within RELAY_TIMEOUT_MS).
  const applied = new Replies<true>(RELAY_TIMEOUT_MS * 2);
  const recorded = new Replies<readonly (boolean | null)[]>();
  // A turn's single-use values go to the primary in one message, answered in one (null: not recorded).
  const recordInPrimary = turnBatched<SingleUseRecord, boolean | null>(
    async (records) => (await recorded.ask(null, (id) => send({ tessera: 'single-use', id, records }))) ?? records.map(() => null),
  );

  process.on('message', (raw: unknown) => {
    const message = asMessage(raw);
    if (!message) return;
    switch (message.tessera) {
      case 'change':
        if (!deps) {
          early.push(message.change);
          send({ tessera: 'change-applied', id: message.id });
          return;
        }
        void deps.inbox
          .change(message.change)
          .catch((err: unknown) => logger.warn({ err }, 'could not apply a relayed change'))
          .finally(() => send({ tessera: 'change-applied', id: message.id }));
        break;
      case 'change-applied':
        applied.answer(message.id, true);
        break;
      case 'auth-failure':
        deps?.inbox.authFailure(message.attempt);
        break;
      case 'dpop-proof':
        deps?.inbox.dpopProof(message.key, message.forgetAtMs);
        break;
      case 'quota':
        deps?.inbox.quota(message.shared);
        break;
      case 'quota-baseline':
        deps?.inbox.quotaBaseline(message.baseline);
        break;
      case 'single-use-recorded':
        recorded.answer(message.id, message.fresh);
        break;
      case 'metrics-request':
        if (deps) void deps.metrics.registry.getMetricsAsJSON().then((metrics) => send({ tessera: 'metrics', id: message.id, metrics }));
        break;
      case 'usage-request':
        // The primary is about to write the minute's counts: hand this worker's over, then say so.
        void (deps ? handOverUsage(deps, peers.handOverUsage) : Promise.resolve())
          .catch((err: unknown) => logger.warn({ err }, 'could not hand over secret use and token activity'))
          .finally(() => send({ tessera: 'usage-handed-over', id: message.id }));
        break;
      default:
        break;
    }
  });

  const peers: ClusterPeers & Required<Pick<ClusterPeers, 'handOverUsage'>> = {
    id: clusterId,
    relayChange: async (change) => {
      if (!process.connected) return;
      const answer = await applied.ask(null, (id) => send({ tessera: 'change', id, change }));
      if (answer === null) logger.warn({ change }, 'the other processes did not apply a change in time');
    },
    relayAuthFailure: (attempt) => send({ tessera: 'auth-failure', attempt: { ...attempt } }),
    relayDpopProof: (key, forgetAtMs) => send({ tessera: 'dpop-proof', key, forgetAtMs }),
    // With the windows this worker saw crossed: the primary audits them.
    relayQuota: (counts) => {
      const excess = deps?.quotas.takeExcess() ?? [];
      if (counts.length > 0 || excess.length > 0) send({ tessera: 'quota', shared: { counts, excess } });
    },
    recordOnce: async (record) => {
      const fresh = await recordInPrimary(record);
      if (fresh === null) throw new StoreUnavailable('the primary could not record a single-use value');
      return fresh;
    },
    handOverUsage: async (usage) => {
      const pieces = usagePieces(usage);
      for (const [i, piece] of pieces.entries()) {
        const sent =
          process.connected &&
          (await new Promise<boolean>((resolve) => process.send!({ tessera: 'usage', usage: piece } satisfies Message, undefined, {}, (err) => resolve(!err))));
        if (!sent) return pieces.slice(i);
        await setImmediate();
      }
      return [];
    },
  };
  const server = await startServer(config, {
    logger,
    cluster: peers,
    role: { public: true, admin: false },
    beforeListening: async (loaded) => {
      deps = loaded;
      for (const change of early.splice(0)) await loaded.inbox.change(change);
    },
  });
  send({ tessera: 'ready', publicAddress: server.publicAddress });
  return server;
}

/** Whether this process is a worker forked by a cluster primary. */
export function isClusterWorker(): boolean {
  return cluster.isWorker;
}

/** Makes a worker stop when its primary asks (or disappears): `stop` closes the server, then exits. */
export function onClusterStop(stop: (why: string) => void): void {
  process.on('message', (raw: unknown) => {
    if (asMessage(raw)?.tessera === 'stop') stop('primary');
  });
  process.on('disconnect', () => stop('primary gone'));
}
