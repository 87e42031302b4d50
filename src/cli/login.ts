import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { ADMIN_API_IDENTIFIER } from '../domain/admin-scopes.js';
import { examples, repeatable } from './admin-command.js';
import { EXIT_CODES_HELP, usageError } from './errors.js';
import { httpUrl } from './http.js';
import { deleteLogin, loginFile, writeLogin, type LoginCredential } from './login-cache.js';
import { requestLoginToken } from './login-token.js';
import { ASSERTION_TYPES, tokenEndpoint, type AssertionTypeName } from './token-endpoint.js';

interface LoginOptions {
  endpoint: string;
  clientId: string;
  clientSecret?: string;
  clientSecretFile?: string;
  assertionFile?: string;
  assertionType: AssertionTypeName;
  issuer?: string;
  tenant?: string;
  tokenUrl?: string;
  scope?: string[];
}

/** The one credential of the options: a secret (kept in the login file), a secret's file or a platform's token file (their paths kept). */
function credentialOf(o: LoginOptions, command: Command): LoginCredential {
  const onCommandLine = (name: string) => command.getOptionValueSource(name) === 'cli';
  const files = [o.clientSecretFile, o.assertionFile].filter((f) => f !== undefined);
  if (files.length > 1 || (files.length === 1 && onCommandLine('clientSecret'))) {
    throw usageError('give one of --client-secret, --client-secret-file and --assertion-file');
  }
  if (onCommandLine('assertionType') && o.assertionFile === undefined) throw usageError('--assertion-type goes with --assertion-file');
  // A secret in the environment (TESSERA_CLIENT_SECRET) stays unused when a file is given.
  if (o.assertionFile !== undefined) return { type: 'assertion_file', path: resolve(o.assertionFile), assertion_type: o.assertionType };
  if (o.clientSecretFile !== undefined) return { type: 'client_secret_file', path: resolve(o.clientSecretFile) };
  if (o.clientSecret !== undefined) return { type: 'client_secret', secret: o.clientSecret };
  throw usageError('give --client-secret (or TESSERA_CLIENT_SECRET), --client-secret-file or --assertion-file');
}

/** The token endpoint: --token-url as given, or the one the metadata of --issuer (of --tenant under it) names. */
async function tokenUrlOf(o: LoginOptions): Promise<string> {
  if (o.tokenUrl !== undefined) {
    if (o.issuer !== undefined || o.tenant !== undefined) throw usageError('give --issuer (with --tenant) or --token-url, not both');
    return httpUrl(o.tokenUrl, '--token-url').href;
  }
  if (o.issuer === undefined) throw usageError("give --issuer (the public URL of Tessera, or a tenant's issuer) or --token-url");
  const base = httpUrl(o.issuer, '--issuer').href.replace(/\/+$/, '');
  const issuer = o.tenant === undefined || o.tenant === 'default' ? base : `${base}/t/${encodeURIComponent(o.tenant)}`;
  return (await tokenEndpoint(issuer)).href;
}

/** `tessera login`, `tessera logout`. */
export function registerLogin(program: Command): void {
  program
    .command('login')
    .description(
      `get an access token for the admin API (audience ${ADMIN_API_IDENTIFIER}) as a client, and keep it for the admin commands: they use it when no --token is given, and get a new one when it expires`,
    )
    .addOption(
      new Option('--endpoint <url>', 'the admin API the token is for (the default of later admin commands)')
        .env('TESSERA_ADMIN_URL')
        .default('http://127.0.0.1:4445'),
    )
    .addOption(new Option('--client-id <id>', 'the client, with a grant on urn:tessera:admin').makeOptionMandatory())
    .addOption(
      new Option('--client-secret <secret>', 'its secret, kept in the login file (better from the environment: it stays out of the shell history)').env(
        'TESSERA_CLIENT_SECRET',
      ),
    )
    .addOption(new Option('--client-secret-file <path>', 'a file holding its secret, read again at each renewal (only the path is kept)'))
    .addOption(
      new Option(
        '--assertion-file <path>',
        "a federated issuer's token (Kubernetes, CI, SPIFFE), sent as the client assertion; read again at each renewal: no secret",
      ),
    )
    .addOption(
      new Option('--assertion-type <type>', 'with --assertion-file: jwt-bearer (RFC 7523) or jwt-spiffe (a SPIFFE JWT-SVID)')
        .choices(Object.keys(ASSERTION_TYPES))
        .default('jwt-bearer'),
    )
    .addOption(new Option('--issuer <url>', "the public URL of Tessera (TESSERA_PUBLIC_URL), or the client's tenant's issuer"))
    .addOption(new Option('--tenant <id>', "with --issuer: the client's tenant (issuer {issuer}/t/{id}); default: tenant default"))
    .addOption(new Option('--token-url <url>', 'the token endpoint itself, instead of --issuer'))
    .addOption(
      new Option('--scope <scope>', 'the admin scopes wanted (repeatable, or space-separated); default: every one the client is granted').argParser(repeatable),
    )
    .addHelpText(
      'after',
      `${examples([
        'tessera login --issuer http://localhost:4444 --client-id ops-cli --client-secret-file ~/.secrets/ops-cli',
        'tessera login --issuer https://tessera.example.com --tenant acme --client-id acme-ci --assertion-file "$RUNNER_TEMP/oidc-token" --scope "clients:write"',
        'tessera login --token-url https://tessera.example.com/oauth2/token --client-id auditor --scope audit:read',
      ])}\nThe login is kept in $XDG_CONFIG_HOME/tessera/login.json (else ~/.config/tessera/login.json), mode 0600; "tessera logout" deletes it.\n${EXIT_CODES_HELP}\n`,
    )
    .action(async (o: LoginOptions, command: Command) => {
      const credential = credentialOf(o, command);
      const endpoint = httpUrl(o.endpoint, '--endpoint (TESSERA_ADMIN_URL)').href.replace(/\/+$/, '');
      const scope = (o.scope ?? []).join(' ').trim();
      const login = await requestLoginToken({ endpoint, token_url: await tokenUrlOf(o), client_id: o.clientId, scope: scope || null, credential });
      const path = loginFile();
      writeLogin(login, path);
      const until = new Date(login.expires_at * 1000).toISOString().replace('.000Z', 'Z');
      process.stdout.write(`logged in to ${endpoint} as client ${o.clientId}; the token expires at ${until} and is renewed as needed\n`);
      const kept = credential.type === 'client_secret' ? ', with the client secret (readable by you only)' : '';
      process.stderr.write(`saved in ${path}${kept}; "tessera logout" deletes it\n`);
    });

  program
    .command('logout')
    .description('forget the login of "tessera login": delete its file (the token itself stays valid until it expires)')
    .addHelpText('after', `${examples(['tessera logout'])}`)
    .action(() => {
      const path = loginFile();
      process.stdout.write(deleteLogin(path) ? `logged out: deleted ${path}\n` : `not logged in: no ${path}\n`);
    });
}
