import { Option, type Command } from 'commander';
import { JWT_BEARER_ASSERTION_TYPE } from '../protocol/client-auth/private-key-jwt.js';
import { JWT_BEARER_GRANT_TYPE } from '../protocol/grant-types/jwt-bearer.js';
import { ASYMMETRIC_JWS_ALGS, type AsymmetricJwsAlg } from '../lib/public-jwk.js';
import { examples, repeatable } from './admin-command.js';
import { readAssertionKey, signClientAssertion } from './client-assertion.js';
import { CliError, EXIT, EXIT_CODES_HELP, usageError } from './errors.js';
import { httpUrl } from './http.js';
import { block, json } from './output.js';
import {
  ASSERTION_TYPES,
  basicCredentials,
  postTokenRequest,
  readCredentialFile,
  tokenEndpoint,
  type AssertionTypeName,
  type TokenResponse,
} from './token-endpoint.js';

interface TokenOptions {
  issuer: string;
  clientId?: string;
  clientSecret?: string;
  assertionFile?: string;
  assertionType: AssertionTypeName;
  grant: 'client_credentials' | 'jwt-bearer';
  privateKey?: string;
  alg?: AsymmetricJwsAlg;
  kid?: string;
  scope?: string[];
  audience?: string[];
  resource?: string[];
  auth: 'basic' | 'post';
  decode?: boolean;
  json?: boolean;
}

/** Claims that are NumericDates (RFC 7519 §2), shown with a date for people. */
const DATE_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time']);

/**
 * The request's grant and client authentication from a platform's token: the jwt-bearer grant's
 * `assertion` (RFC 7523 §2.1, no client authentication), or a client assertion (RFC 7523 §2.2) on
 * client_credentials; `client_id` only if given.
 */
function federatedForm(o: TokenOptions, token: string): URLSearchParams {
  const form =
    o.grant === 'jwt-bearer'
      ? new URLSearchParams({ grant_type: JWT_BEARER_GRANT_TYPE, assertion: token })
      : new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPES[o.assertionType], client_assertion: token });
  if (o.clientId !== undefined) form.set('client_id', o.clientId);
  return form;
}

/** A client_credentials or jwt-bearer request (RFC 6749 §4.4, RFC 7523 §2.1); an error answer (§5.2) becomes exit 4 for invalid_client or invalid_grant, else 1. */
async function requestToken(o: TokenOptions): Promise<TokenResponse> {
  const form =
    o.assertionFile === undefined ? new URLSearchParams({ grant_type: 'client_credentials' }) : federatedForm(o, readCredentialFile(o.assertionFile));
  const scope = (o.scope ?? []).join(' ').trim();
  if (scope) form.set('scope', scope);
  for (const audience of o.audience ?? []) form.append('audience', audience);
  for (const resource of o.resource ?? []) form.append('resource', resource);
  const headers: Record<string, string> = {};
  // private_key_jwt (RFC 7523 §2.2): a key that cannot be used is wrong usage, found before anything is sent.
  const key = o.privateKey === undefined ? undefined : readAssertionKey(o.privateKey, { alg: o.alg, kid: o.kid });
  const endpoint = await tokenEndpoint(o.issuer);
  // The option checks made --client-id present whenever a secret or a key is used.
  if (o.assertionFile !== undefined) {
    // The platform's token is the only credential.
  } else if (key !== undefined) {
    form.set('client_assertion_type', JWT_BEARER_ASSERTION_TYPE);
    form.set('client_assertion', await signClientAssertion({ clientId: o.clientId!, audience: endpoint.href, key, nowSeconds: Math.floor(Date.now() / 1000) }));
  } else if (o.auth === 'basic') headers.authorization = basicCredentials(o.clientId!, o.clientSecret!);
  else {
    form.set('client_id', o.clientId!);
    form.set('client_secret', o.clientSecret!);
  }
  return postTokenRequest(endpoint, form, headers);
}

/** The header and claims of a JWT (RFC 7519 §7.2 steps 1–6, without verifying the signature). */
export function decodeJwt(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const parts = token.split('.');
  const [header, claims] = parts;
  const part = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Record<string, unknown>;
  try {
    if (parts.length !== 3 || header === undefined || claims === undefined) throw new Error('not three parts');
    return { header: part(header), claims: part(claims) };
  } catch {
    throw new CliError(EXIT.refused, 'the access token is not a JWT: nothing to decode');
  }
}

/** NumericDates also as UTC times, for people. */
const withDates = (claims: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(claims).map(([name, value]) =>
      DATE_CLAIMS.has(name) && typeof value === 'number' ? [name, `${value} (${new Date(value * 1000).toISOString().replace('.000Z', 'Z')})`] : [name, value],
    ),
  );

const indent = (text: string) => text.replace(/^(?=.)/gm, '  ');

export function registerToken(program: Command): void {
  program
    .command('token')
    .description(
      "get an access token as a client (client_credentials, with a secret, a private key or a platform's token; or the jwt-bearer grant) from the public endpoint; --decode shows its claims",
    )
    .addOption(new Option('--issuer <url>', "the tenant's issuer, e.g. http://localhost:4444 or http://localhost:4444/t/acme").makeOptionMandatory())
    .addOption(new Option('--client-id <id>', 'the client (optional with --assertion-file: the token names it)'))
    .addOption(
      new Option('--client-secret <secret>', "the client's secret (better from the environment: it stays out of the shell history and process list)").env(
        'TESSERA_CLIENT_SECRET',
      ),
    )
    .addOption(
      new Option('--private-key <file>', 'private_key_jwt: sign a client assertion with this key (PEM private key or private JWK) instead of sending a secret'),
    )
    .addOption(
      new Option(
        '--alg <alg>',
        "with --private-key: the assertion's algorithm (default: from the key, RSA RS256, EC P-256 ES256, Ed25519 EdDSA, or the JWK's alg)",
      ).choices(ASYMMETRIC_JWS_ALGS),
    )
    .addOption(new Option('--kid <kid>', "with --private-key: the assertion's kid (default: the JWK's kid; none for a PEM key)"))
    .addOption(
      new Option(
        '--assertion-file <path>',
        "a federated issuer's token (e.g. /var/run/secrets/tokens/tessera, a CI job's OIDC token, a JWT-SVID), sent as the client assertion: no secret",
      ),
    )
    .addOption(
      new Option('--assertion-type <type>', 'with --assertion-file: jwt-bearer (RFC 7523) or jwt-spiffe (a SPIFFE JWT-SVID)')
        .choices(Object.keys(ASSERTION_TYPES))
        .default('jwt-bearer'),
    )
    .addOption(
      new Option('--grant <grant>', "client_credentials, or jwt-bearer: send --assertion-file's token as the RFC 7523 grant's assertion instead")
        .choices(['client_credentials', 'jwt-bearer'])
        .default('client_credentials'),
    )
    .addOption(new Option('--scope <scope>', 'scopes wanted (repeatable, or space-separated)').argParser(repeatable))
    .addOption(new Option('--audience <audience>', 'an audience wanted (repeatable)').argParser(repeatable))
    .addOption(new Option('--resource <uri>', 'a resource indicator, RFC 8707 (repeatable)').argParser(repeatable))
    .addOption(new Option('--auth <method>', 'basic: client_secret_basic; post: client_secret_post').choices(['basic', 'post']).default('basic'))
    .option('--decode', 'print the header and claims of the token (not verified: for looking only)')
    .option('--json', 'print the whole token response (with --decode, plus "header" and "claims")')
    .addHelpText(
      'after',
      `${examples([
        'export TESSERA_CLIENT_SECRET="$(cat /run/secrets/my-api4)"',
        'tessera token --issuer http://localhost:4444 --client-id my-api4 --audience https://localhost:5001/ --decode',
        'TOKEN=$(tessera token --issuer http://localhost:4444/t/acme --client-id billing --scope read)',
        'tessera token --issuer http://localhost:4444 --client-id my-api4 --auth post --json',
        'tessera token --issuer http://localhost:4444 --client-id billing-job --private-key billing-job.key.pem --audience https://billing.example.com/',
        'tessera token --issuer https://tessera.example.com/t/acme --assertion-file /var/run/secrets/tokens/tessera',
        'tessera token --issuer https://tessera.example.com/t/acme --assertion-file "$RUNNER_TEMP/oidc-token" --grant jwt-bearer',
      ])}\nThe token endpoint is found in {issuer}/.well-known/oauth-authorization-server, else {issuer}/oauth2/token is used.\n${EXIT_CODES_HELP}\n`,
    )
    .action(async (o: TokenOptions, command: Command) => {
      assertCredentialOptions(o, command);
      const issuer = httpUrl(o.issuer, '--issuer').href.replace(/\/+$/, '');
      const response = await requestToken({ ...o, issuer });
      const decoded = o.decode ? decodeJwt(response.access_token) : undefined;
      if (o.json) process.stdout.write(json(decoded ? { ...response, ...decoded } : response));
      else if (decoded)
        process.stdout.write(`${block(response)}\nheader\n${indent(block(decoded.header))}\nclaims\n${indent(block(withDates(decoded.claims)))}`);
      else process.stdout.write(`${response.access_token}\n`);
    });
}

/** Refuses options that do not go together: one credential (a secret, a key, or a platform's token), and what each needs. */
function assertCredentialOptions(o: TokenOptions, command: Command): void {
  const given = (name: string) => command.getOptionValueSource(name) === 'cli';
  if (o.assertionFile !== undefined) {
    if (given('clientSecret') || o.privateKey !== undefined) throw usageError('give one of --client-secret, --private-key and --assertion-file');
    if (o.alg !== undefined || o.kid !== undefined) throw usageError('--alg and --kid go with --private-key');
    return;
  }
  if (given('assertionType') || given('grant')) throw usageError('--assertion-type and --grant go with --assertion-file');
  if (o.clientId === undefined) throw usageError('give --client-id (only --assertion-file does without it)');
  if (o.privateKey !== undefined && given('clientSecret')) throw usageError('give --client-secret or --private-key, not both');
  // A secret in the environment stays unused when a key is given.
  if (o.privateKey === undefined && o.clientSecret === undefined) throw usageError('give --client-secret (or TESSERA_CLIENT_SECRET) or --private-key');
  if (o.privateKey === undefined && (o.alg !== undefined || o.kid !== undefined)) throw usageError('--alg and --kid go with --private-key');
}
