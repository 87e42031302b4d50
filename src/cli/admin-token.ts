import { Option, type Command } from 'commander';
import { FULL_REACH } from '../domain/admin-reach.js';
import { NotFoundError } from '../domain/errors.js';
import { DEFAULT_TENANT } from '../domain/tenants/model.js';
import { wholeNumber } from './admin-command.js';

export function registerAdminToken(program: Command): void {
  const group = program
    .command('admin-token')
    .description('admin tokens, written straight to the database: no server or token needed (bootstrap and recovery)')
    .addHelpText(
      'after',
      '\n"tessera admin-token create" opens the database itself (TESSERA_DATABASE_URL): use it on the\n' +
        'server\'s machine when no admin token is at hand. "tessera admin-tokens create|list|delete" goes\n' +
        'through the admin API of a running server and needs an admin token.\n\n' +
        'Examples:\n  $ tessera admin-token create --name recovery --expires-in 3600\n  $ tessera admin-token create --name ci-pipeline --tenant acme --database-url postgres://tessera@db/tessera\n',
    );
  group
    .command('create')
    .description('create an admin token and print it once')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--tenant <tenant>', 'limit the token to one tenant')
    .addOption(new Option('--expires-in <seconds>', 'the token stops working this many seconds from now (60-31536000; default: never)').argParser(wholeNumber))
    .option('--database-url <url>', 'sqlite:PATH or postgres://… (TESSERA_DATABASE_URL)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  tessera admin-token create --name ci-pipeline --tenant acme')
    .action(async (options: { name: string; tenant?: string; expiresIn?: number; databaseUrl?: string; json?: boolean }) => {
      // Loaded here, not at the top: the admin commands start without the server and storage modules.
      const [{ loadConfig }, { createDeps }, { createLogger }] = await Promise.all([
        import('../app/config.js'),
        import('../app/deps.js'),
        import('../app/logger.js'),
      ]);
      const config = loadConfig(process.env, options.databaseUrl ? { databaseUrl: options.databaseUrl } : {});
      const deps = await createDeps(config, { logger: createLogger('warn') });
      try {
        const actor = { id: 'cli', reason: 'tessera admin-token create' };
        // Taking turns with servers that may be bootstrapping the same empty database.
        await deps.store.exclusively('bootstrap', async () => {
          try {
            await deps.services.tenants.get(DEFAULT_TENANT);
          } catch (err) {
            if (!(err instanceof NotFoundError)) throw err;
            await deps.services.tenants.create(actor, { id: DEFAULT_TENANT, name: 'Default' });
          }
        });
        // The operator at the database holds everything.
        const { token, value } = await deps.services.adminTokens.create(
          actor,
          { name: options.name, tenantId: options.tenant ?? null, expiresIn: options.expiresIn },
          FULL_REACH,
        );
        if (options.json) {
          process.stdout.write(
            `${JSON.stringify({ id: token.id, name: token.name, tenant: token.tenantId, token: value, created_at: token.createdAt, expires_at: token.expiresAt })}\n`,
          );
        } else {
          process.stdout.write(`${value}\n`);
          const expiry = token.expiresAt ? `, expires ${token.expiresAt}` : '';
          process.stderr.write(
            `admin token ${token.id} (${token.name}${token.tenantId ? `, tenant ${token.tenantId}` : ''}${expiry}): shown once, keep it safe\n`,
          );
        }
      } finally {
        await deps.close();
      }
    });
}
