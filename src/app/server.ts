import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildAdminApp } from '../http/admin/app.js';
import { buildPublicApp } from '../http/public/app.js';
import { AT_ONCE, type Pace } from '../lib/pace.js';
import { bootstrap, loadReadModel } from './bootstrap.js';
import type { Config } from './config.js';
import { createDeps, type ClusterPeers, type Deps, type DepsOptions } from './deps.js';
import { readTlsPair, type TlsPaths } from './tls-files.js';
import { reloadTlsOnChange, type SecureContextTarget } from './tls-reload.js';

export interface RunningServer {
  readonly deps: Deps;
  /** Where the listeners are bound, e.g. http://127.0.0.1:4444 (the real port when 0 was asked). */
  readonly publicAddress: string;
  readonly adminAddress: string;
  /** The admin token generated on first start, to print once; undefined otherwise. */
  readonly generatedAdminToken: string | undefined;
  /** Whether this start found an empty store (else a generated token replaces the last one, deleted meanwhile). */
  readonly firstStart: boolean;
  close(): Promise<void>;
}

/**
 * How long each of the minute's two writes of counts (secret uses, then token activity) is spread
 * over when it is large (a hundred thousand clients' counts): the same work, as PostgreSQL spreads
 * its checkpoints, taken from the requests a little at a time rather than in a burst of seconds.
 */
export const COUNTS_WRITE_SPREAD_MS = 15_000;

/** What one process serves: both listeners, or one side of a cluster (src/app/cluster.ts). */
export interface ServerRole {
  /** Serves the public listener (false in a cluster's primary). */
  readonly public: boolean;
  /** Serves the admin listener and runs the upkeep the whole deployment shares (false in a cluster's workers). */
  readonly admin: boolean;
}

export const SINGLE_PROCESS: ServerRole = { public: true, admin: true };

export interface ServerOptions extends DepsOptions {
  role?: ServerRole;
  /**
   * Called once the read model is loaded, before any listener opens: a worker applies the
   * changes relayed to it while it was loading.
   */
  beforeListening?: (deps: Deps) => Promise<void>;
  /**
   * Called once bootstrap is done, and run while the read model loads (it is done before
   * `beforeListening`): a cluster's primary starts its workers there, so that each loads its
   * read model at the same time as the primary rather than after it.
   */
  whileLoading?: (deps: Deps) => Promise<void>;
}

/**
 * Periodic upkeep every TESSERA_UPKEEP_INTERVAL seconds (key rotation, secret use and token activity
 * writes, purge of expired revocations), one task at a time; a failed task is logged and retried on the next round.
 * Every process writes what it counted in memory (a worker through the primary, usageTasks); the shared upkeep runs where the admin listener does.
 */
function startMaintenance(deps: Deps, role: ServerRole, cluster: ClusterPeers | undefined): { stop(): Promise<void> } {
  // Stopping: a write of counts spread over the minute goes on at full speed.
  const stopping = new AbortController();
  const tasks = usageTasks(deps, cluster, { spreadMs: COUNTS_WRITE_SPREAD_MS, hurry: stopping.signal });
  if (role.admin) {
    tasks.unshift(['key rotation', () => deps.keyRotation.tick()]);
    tasks.push(
      ['revocation purge', () => deps.services.revocations.purgeExpired()],
      ['client assertion jti purge', () => deps.clientAuth.jtis.purgeExpired()],
      ['federated assertion jti purge', () => deps.federatedJtis.purgeExpired()],
    );
  }
  let running: Promise<void> | null = null;
  const round = () => {
    running ??= (async () => {
      for (const [name, task] of tasks) {
        try {
          await task();
        } catch (err) {
          deps.logger.warn({ err, task: name }, 'maintenance task failed');
        }
      }
    })().finally(() => {
      running = null;
    });
    return running;
  };
  void round();
  const timer = setInterval(() => void round(), deps.config.upkeepInterval * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      stopping.abort();
      await running;
    },
  };
}

type Task = [name: string, run: () => Promise<unknown>];

/**
 * Every TESSERA_QUOTA_SYNC_INTERVAL seconds, in the process that writes for the server (a single
 * process, a cluster's primary): this server's token quota counts written, the other servers'
 * read (then given to the workers), the windows crossed audited (docs/quotas.md). A failed sync is
 * logged and its work retried by the next one.
 */
function startQuotaSync(deps: Deps, cluster: ClusterPeers | undefined): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const sync = () =>
    (running ??= deps.quotaSync
      .run()
      .then(() => cluster?.shareQuotaBaseline?.(deps.quotas.baseline(deps.clock.now())))
      .catch((err: unknown) => deps.logger.warn({ err }, 'token quota sync failed'))
      .finally(() => {
        running = null;
      }));
  const timer = setInterval(() => void sync(), deps.config.quotaSyncInterval * 1000);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
      // What was counted since the last sync is written before the process ends.
      await sync();
    },
  };
}

/**
 * What becomes of the secret use and token activity this process counted: every minute (written
 * at `pace`), and at close (`'close'`: written at once). A worker hands its counts to its primary
 * when the primary asks for them (collectUsage, just before the primary writes the minute's
 * counts), and at close; a primary collects its workers' counts, then writes them with its own; a
 * single process writes its own.
 */
function usageTasks(deps: Deps, cluster: ClusterPeers | undefined, when: Pace | 'close'): Task[] {
  const handOver = cluster?.handOverUsage;
  if (handOver) return when === 'close' ? [['secret use and token activity hand-over', () => handOverUsage(deps, handOver)]] : [];
  const collect = cluster?.collectUsage;
  const pace = when === 'close' ? AT_ONCE : when;
  return [
    ...(collect ? [["the workers' secret use and token activity", collect] satisfies Task] : []),
    ['secret use flush', () => deps.secretUsage.flush(pace)],
    ['token activity flush', () => deps.tokenActivity.flush(pace)],
  ];
}

/**
 * A worker's secret use and token activity go to the primary, which writes them with its own: the
 * embedded store has one write lock, and workers writing a busy minute (a hundred thousand
 * clients) took turns on it while serving tokens, each wait blocking its event loop. What the
 * primary cannot take (it is gone) is written here.
 */
export async function handOverUsage(deps: Deps, handOver: NonNullable<ClusterPeers['handOverUsage']>): Promise<void> {
  const left = await handOver({ secrets: deps.secretUsage.take(), activity: deps.tokenActivity.take() });
  if (left.length === 0) return;
  // Taken back as the primary would have taken them.
  for (const usage of left) deps.inbox.usage(usage);
  await deps.secretUsage.flush();
  await deps.tokenActivity.flush();
}

/**
 * Closes the listeners gracefully: no new connection, idle keep-alive connections closed, every
 * request in flight answered (the last on its connection, with `Connection: close`). Connections
 * still open after `timeoutMs` (a request that never completes, a slow reader) are closed.
 */
async function drainListeners(apps: readonly FastifyInstance[], timeoutMs: number, logger: Deps['logger']): Promise<void> {
  const late = setTimeout(() => {
    logger.warn({ timeout_s: timeoutMs / 1000 }, 'requests still in flight at the end of the shutdown timeout; closing their connections');
    for (const app of apps) app.server.closeAllConnections();
  }, timeoutMs);
  try {
    await Promise.all(apps.map((a) => a.close()));
  } finally {
    clearTimeout(late);
  }
}

function addressOf(app: FastifyInstance, scheme: 'http' | 'https' = 'http'): string {
  const address = app.server.address();
  if (address === null || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}

/** The public listener's TLS settings (TESSERA_TLS_CERT, TESSERA_TLS_KEY), or undefined for plain HTTP. */
function tlsPaths(config: Config): TlsPaths | undefined {
  return config.tlsCert !== undefined && config.tlsKey !== undefined ? { certPath: config.tlsCert, keyPath: config.tlsKey } : undefined;
}

/** Warns at start when the issuer (the public URL) is http:// while the listener speaks HTTPS only. */
function warnOfHttpIssuer(config: Config, logger: Deps['logger']): void {
  if (config.publicUrl.startsWith('http://')) {
    logger.warn({ issuer: config.publicUrl }, 'TLS is on but TESSERA_PUBLIC_URL is http://: the issuer identifier should be https://');
  }
}

/** Warns at start when a trusted proxy's Client-Cert header would be believed from any address (TESSERA_TRUST_PROXY true or a hop count). */
function warnOfHeaderFromAnyone(config: Config, logger: Deps['logger']): void {
  const trustsAnyone = config.trustProxy === true || (typeof config.trustProxy === 'number' && config.trustProxy > 0);
  if (config.clientCertHeader === 'client-cert' && trustsAnyone) {
    logger.warn(
      { trust_proxy: config.trustProxy },
      "TESSERA_CLIENT_CERT_HEADER=client-cert believes the Client-Cert header from any address while TESSERA_TRUST_PROXY is true or a number of hops: set it to the proxy's addresses",
    );
  }
}

/**
 * Starts Tessera: migrations, bootstrap, read model, then the listeners of its role (both, for a
 * single process). Addresses of a listener this process does not serve are empty.
 */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const { role = SINGLE_PROCESS, beforeListening, whileLoading, ...depsOptions } = options;
  const deps = await createDeps(config, depsOptions);
  const apps: FastifyInstance[] = [];
  let tlsReload: { close(): void } | undefined;
  try {
    // Listening first: a change another process makes while this one loads is not missed.
    await deps.changes.start();
    // Processes starting together on an empty database: one bootstraps, the others find it done.
    const { generatedAdminToken, firstStart = false } = role.admin ? await deps.store.exclusively('bootstrap', () => bootstrap(deps)) : {};
    await Promise.all([loadReadModel(deps), whileLoading?.(deps)]);
    await beforeListening?.(deps);
    let publicAddress = '';
    let adminAddress = '';
    if (role.public) {
      const tls = tlsPaths(config);
      const publicApp = buildPublicApp(deps, tls && readTlsPair(tls));
      apps.push(publicApp);
      await publicApp.listen({ host: config.publicHost, port: config.publicPort });
      publicAddress = addressOf(publicApp, tls ? 'https' : 'http');
      warnOfHeaderFromAnyone(config, deps.logger);
      if (tls) {
        warnOfHttpIssuer(config, deps.logger);
        // An https.Server (limitedServer): it takes a new certificate for new connections.
        tlsReload = reloadTlsOnChange(tls, publicApp.server as unknown as SecureContextTarget, deps.logger);
      }
    }
    if (role.admin) {
      const adminApp = await buildAdminApp(deps);
      apps.push(adminApp);
      await adminApp.listen({ host: config.adminHost, port: config.adminPort });
      adminAddress = addressOf(adminApp);
      deps.adminListener.port = (adminApp.server.address() as AddressInfo).port;
    }
    const maintenance = startMaintenance(deps, role, depsOptions.cluster);
    const quotaSync = role.admin ? startQuotaSync(deps, depsOptions.cluster) : null;
    return {
      deps,
      publicAddress,
      adminAddress,
      generatedAdminToken,
      firstStart,
      close: async () => {
        tlsReload?.close();
        await maintenance.stop();
        await drainListeners(apps, config.shutdownTimeout * 1000, deps.logger);
        for (const [name, run] of usageTasks(deps, depsOptions.cluster, 'close')) {
          await run().catch((err: unknown) => deps.logger.warn({ err, task: name }, 'could not record usage at shutdown'));
        }
        await quotaSync?.stop();
        await deps.close();
      },
    };
  } catch (err) {
    tlsReload?.close();
    await Promise.allSettled(apps.map((a) => a.close()));
    await deps.close();
    throw err;
  }
}
