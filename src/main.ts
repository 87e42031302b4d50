#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { InvalidError } from './domain/errors.js';
import { registerAdminToken } from './cli/admin-token.js';
import { registerAdminTokens } from './cli/admin-tokens.js';
import { registerApis } from './cli/apis.js';
import { registerApply } from './cli/apply.js';
import { registerFederatedIssuers } from './cli/federated-issuers.js';
import { registerAudit } from './cli/audit.js';
import { registerCertificates } from './cli/certificates.js';
import { registerClients } from './cli/clients.js';
import { CliError, EXIT } from './cli/errors.js';
import { registerExport } from './cli/export.js';
import { registerGrants } from './cli/grants.js';
import { registerImport } from './cli/import/command.js';
import { registerKeys } from './cli/keys.js';
import { registerLogin } from './cli/login.js';
import { registerMigrate } from './cli/migrate.js';
import { registerServe } from './cli/serve.js';
import { registerServiceAccounts } from './cli/service-accounts.js';
import { registerTenants } from './cli/tenants.js';
import { registerToken } from './cli/token.js';
import { registerWhoami } from './cli/whoami.js';

const HELP = `
Admin commands (clients, service-accounts, apis, federated-issuers, grants, keys, tenants, admin-tokens,
audit-events, certificates, whoami, apply, export) call the admin API of a running server: --endpoint or
TESSERA_ADMIN_URL (default http://127.0.0.1:4445), --token or TESSERA_ADMIN_TOKEN (the variable serve reads
too): an admin token or an access token for urn:tessera:admin; without one, the token of "tessera login".
"tessera apply" and "tessera export" plan, apply and export configuration documents (docs/gitops.md).
"tessera token" calls the public token endpoint as a client, with a secret or --private-key.
"tessera login" gets and keeps an access token for the admin API as a client; "tessera logout" forgets it.
serve, migrate and admin-token work on the database directly.
"tessera import" turns an Ory Hydra, Keycloak or Auth0 export into a configuration document, offline.

Exit codes:
  0  success
  1  the server refused or failed the request (its problem detail is printed), or another failure
  2  wrong usage: unknown command or option, missing or malformed value, bad configuration
  3  the server could not be reached (connection refused, unknown host, timeout)
  4  authentication or authorization refused (admin API 401/403, token endpoint invalid_client)
  5  tessera apply --plan: the document would change something (drift)

Examples:
  $ tessera serve
  $ export TESSERA_ADMIN_TOKEN=tsr_at_…
  $ tessera clients create --name billing --audience https://api.example.com/ --scope read
  $ tessera token --issuer http://localhost:4444 --client-id billing --decode

Every command has --help. Reference: docs/cli.md.
`;

/** Exit codes: see HELP (and docs/cli.md). */
async function main(argv: string[]): Promise<void> {
  const program = new Command('tessera')
    .description('Tessera: an OAuth 2.0 authorization server for machine-to-machine identity')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
    .addHelpText('after', HELP);
  registerServe(program);
  registerMigrate(program);
  registerAdminToken(program);
  registerClients(program);
  registerServiceAccounts(program);
  registerApis(program);
  registerFederatedIssuers(program);
  registerGrants(program);
  registerKeys(program);
  registerTenants(program);
  registerAdminTokens(program);
  registerAudit(program);
  registerApply(program);
  registerExport(program);
  registerCertificates(program);
  registerToken(program);
  registerLogin(program);
  registerWhoami(program);
  registerImport(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage);
    if (err instanceof CliError) {
      process.stderr.write(`tessera: ${err.message}\n${err.lines.map((l) => `${l}\n`).join('')}`);
      process.exit(err.exitCode);
    }
    // Only a command that has loaded the configuration module can have thrown its error.
    const { ConfigError } = await import('./app/config.js');
    if (err instanceof ConfigError || err instanceof InvalidError) {
      const fields = err instanceof InvalidError ? err.fields.map((f) => `  ${f.pointer}: ${f.detail}\n`).join('') : '';
      process.stderr.write(`tessera: ${err.message}\n${fields}`);
      process.exit(EXIT.usage);
    }
    process.stderr.write(`tessera: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(EXIT.refused);
  }
}

await main(process.argv);
