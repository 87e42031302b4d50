import type { FastifyInstance } from 'fastify';
import { buildAdminApp } from '../http/admin/app.js';
import { buildPublicApp } from '../http/public/app.js';
import { bootstrap, loadReadModel } from './bootstrap.js';
import type { Config } from './config.js';
import { createDeps, type Deps, type DepsOptions } from './deps.js';

/** How often expired revocations and spent cut-offs are deleted. */
export const REVOCATION_PURGE_INTERVAL_MS = 10 * 60 * 1000;

export interface RunningServer {
  readonly deps: Deps;
  /** Where the listeners are bound, e.g. http://127.0.0.1:4444 (the real port when 0 was asked). */
  readonly publicAddress: string;
  readonly adminAddress: string;
  /** The admin token generated on first start, to print once; undefined otherwise. */
  readonly generatedAdminToken: string | undefined;
  close(): Promise<void>;
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
    const { generatedAdminToken } = await bootstrap(deps);
    await loadReadModel(deps);
    const publicApp = buildPublicApp(deps);
    apps.push(publicApp);
    const adminApp = await buildAdminApp(deps);
    apps.push(adminApp);
    await publicApp.listen({ host: config.publicHost, port: config.publicPort });
    await adminApp.listen({ host: config.adminHost, port: config.adminPort });
    let purging: Promise<unknown> = Promise.resolve();
    const purge = setInterval(() => {
      purging = deps.services.revocations.purgeExpired().then(
        (tenants) => tenants.length > 0 && deps.logger.info({ tenants }, 'expired revocations purged'),
        (err: unknown) => deps.logger.warn({ err }, 'purging expired revocations failed'),
      );
    }, REVOCATION_PURGE_INTERVAL_MS);
    purge.unref();
    return {
      deps,
      publicAddress: addressOf(publicApp),
      adminAddress: addressOf(adminApp),
      generatedAdminToken,
      close: async () => {
        clearInterval(purge);
        await Promise.all(apps.map((a) => a.close()));
        await purging;
        await deps.close();
      },
    };
  } catch (err) {
    await Promise.allSettled(apps.map((a) => a.close()));
    await deps.close();
    throw err;
  }
}
