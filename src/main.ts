#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from './app/config.js';
import { InvalidError } from './domain/errors.js';
import { registerAdminToken } from './cli/admin-token.js';
import { registerMigrate } from './cli/migrate.js';
import { registerServe } from './cli/serve.js';

/** Exit codes: 0 success, 1 failure, 2 wrong usage or configuration. */
async function main(argv: string[]): Promise<void> {
  const program = new Command('tessera')
    .description('Tessera: an OAuth 2.0 authorization server for machine-to-machine identity')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerServe(program);
  registerMigrate(program);
  registerAdminToken(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    if (err instanceof ConfigError || err instanceof InvalidError) {
      process.stderr.write(`tessera: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`tessera: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}

await main(process.argv);
