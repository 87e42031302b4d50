import type { FastifyInstance } from 'fastify';
import { buildAdminApp } from '../http/admin/app.js';
import { buildPublicApp } from '../http/public/app.js';
import { bootstrap, loadReadModel } from './bootstrap.js';
import type { Config } from './config.js';
import { createDeps, type Deps, type DepsOptions } from './deps.js';

export interface RunningServer {
  readonly deps: Deps;
  /** Where the listeners are bound, e.g. http://127.0.0.1:4444 (the real port when 0 was asked). */
  readonly publicAddress: string;
  readonly adminAddress: string;
  /** The admin token generated on first start, to print once; undefined otherwise. */
  readonly generatedAdminToken: string | undefined;
  close(): Promise<void>;
}

/** How often background upkeep runs (key rotation, secret use and token activity flushes, purge of expired revocations). */
export const MAINTENANCE_INTERVAL_MS = 60_000;

/** Periodic upkeep, one task at a time; a failed task is logged and retried on the next round. */
function startMaintenance(deps: Deps): { stop(): Promise<void> } {
  const tasks: [string, () => Promise<unknown>][] = [
    ['key rotation', () => deps.keyRotation.tick()],
    ['secret use flush', () => deps.secretUsage.flush()],
    ['token activity flush', () => deps.tokenActivity.flush()],
    ['revocation purge', () => deps.services.revocations.purgeExpired()],
    ['client assertion jti purge', () => deps.clientAuth.jtis.purgeExpired()],
  ];
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
  const timer = setInterval(() => void round(), MAINTENANCE_INTERVAL_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}

function addressOf(app: FastifyInstance): string {
  const address = app.server.address();
  if (address === null || typeof address === 'string') return String(address);
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Starts Tessera: migrations, bootstrap, read model, then both listeners. */
export async function startServer(config: Config, options: DepsOptions = {}): Promise<RunningServer> {
  const deps = await createDeps(config, options);
  const apps: FastifyInstance[] = [];
  try {
    // Listening first: a change another process makes while this one loads is not missed.
    await deps.changes.start();
    // Processes starting together on an empty database: one bootstraps, the others find it done.
    const { generatedAdminToken } = await deps.store.exclusively('bootstrap', () => bootstrap(deps));
    await loadReadModel(deps);
    const publicApp = buildPublicApp(deps);
    apps.push(publicApp);
    const adminApp = await buildAdminApp(deps);
    apps.push(adminApp);
    await publicApp.listen({ host: config.publicHost, port: config.publicPort });
    await adminApp.listen({ host: config.adminHost, port: config.adminPort });
    const maintenance = startMaintenance(deps);
    return {
      deps,
      publicAddress: addressOf(publicApp),
      adminAddress: addressOf(adminApp),
      generatedAdminToken,
      close: async () => {
        await maintenance.stop();
        await Promise.all(apps.map((a) => a.close()));
        await deps.secretUsage.flush().catch((err: unknown) => deps.logger.warn({ err }, 'could not record secret use'));
        await deps.tokenActivity.flush().catch((err: unknown) => deps.logger.warn({ err }, 'could not record token activity'));
        await deps.close();
      },
    };
  } catch (err) {
    await Promise.allSettled(apps.map((a) => a.close()));
    await deps.close();
    throw err;
  }
}
