import type { Command } from 'commander';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (also done at every start)')
    .option('--database-url <url>', 'sqlite:PATH or postgres://… (TESSERA_DATABASE_URL)')
    .action(async (options: { databaseUrl?: string }) => {
      // Loaded here, not at the top: the admin commands start without the storage modules.
      const [{ loadConfig }, { migrateDatabase }] = await Promise.all([import('../app/config.js'), import('../app/migrate.js')]);
      const config = loadConfig(process.env, options.databaseUrl ? { databaseUrl: options.databaseUrl } : {});
      const applied = await migrateDatabase(config.databaseUrl);
      process.stdout.write(applied.length > 0 ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n');
    });
}
