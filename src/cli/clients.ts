import { readFileSync } from 'node:fs';
import type { Static } from '@sinclair/typebox';
import { Option, type Command } from 'commander';
import type { Client, ClientCreated, SecretCreated } from '../http/schemas/clients.js';
import type { TokenCutoff } from '../http/schemas/revocations.js';
import { segment } from './admin-client.js';
import {
  adminCommand,
  adminGroup,
  changes,
  clears,
  defined,
  deleteCommand,
  getCommand,
  listCommand,
  orNull,
  repeatable,
  wholeNumber,
} from './admin-command.js';
import { selfSignedJwks } from './certificate-files.js';
import { usageError } from './errors.js';
import { credentialsFrom, GITHUB_ISSUER, GITLAB_ISSUER, type CredentialOptions } from './federation-presets.js';
import { field } from './output.js';

type ClientOut = Static<typeof Client>;

/** Printed on stderr beside a secret shown once. */
export const SECRET_NOTE = 'Store the client secret now: it will not be shown again.';

interface MetadataOptions extends Omit<CredentialOptions, 'federatedCredential'> {
  /** false: `--no-federated-credential` (update), every credential removed. */
  federatedCredential?: string[] | false;
  name?: string;
  type?: string;
  audience?: string[] | false;
  scope?: string[] | false;
  grantType?: string[];
  responseType?: string[];
  authMethod?: string | false;
  serviceAccountId?: string | false;
  ttl?: number | false;
  active?: boolean;
  dpop?: boolean;
  jwksUri?: string | false;
  jwks?: string | false;
  tlsSubjectDn?: string | false;
  tlsSanDns?: string | false;
  tlsSanUri?: string | false;
  tlsSanIp?: string | false;
  tlsSanEmail?: string | false;
  selfSignedCert?: string;
  certificateBound?: boolean;
}

/**
 * The client metadata options of create and update (RFC 7591 names in the help). Update also
 * takes `--no-…` to clear a field; `--no-active` disables the client on both.
 */
const metadataOptions = (update: boolean) => [
  new Option('--name <name>', 'client_name'),
  new Option('--type <type>', 'client_type').choices(['machine_to_machine', 'spa', 'native']),
  new Option('--audience <audience>', 'an audience the client may ask for itself (repeatable)').argParser(repeatable),
  ...clears(update, '--no-audience', 'no audiences of its own'),
  new Option('--scope <scope>', 'a scope the client may ask for with its own audiences (repeatable, or space-separated)').argParser(repeatable),
  ...clears(update, '--no-scope', 'no scopes of its own'),
  new Option('--grant-type <type>', 'grant_types entry (repeatable; default client_credentials)').argParser(repeatable),
  new Option('--response-type <type>', 'response_types entry (repeatable)').argParser(repeatable),
  new Option(
    '--auth-method <method>',
    'token_endpoint_auth_method: one secret method only, private_key_jwt (implied by --jwks or --jwks-uri), federated (no secret: federated credentials only), tls_client_auth (implied by --tls-…) or self_signed_tls_client_auth (implied by --self-signed-cert)',
  ).choices(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'federated', 'tls_client_auth', 'self_signed_tls_client_auth']),
  ...clears(update, '--no-auth-method', 'accept both secret methods'),
  new Option('--service-account-id <id>', 'the service account the client acts for'),
  ...clears(update, '--no-service-account-id', 'act for no service account'),
  new Option('--ttl <seconds>', "access_token_ttl: this client's token lifetime").argParser(wholeNumber),
  ...clears(update, '--no-ttl', "use the API's or the tenant's lifetime"),
  ...(update ? [new Option('--active', 'enable the client')] : []),
  new Option('--no-active', 'disable the client: it fails authentication'),
  new Option('--dpop', 'dpop_bound_access_tokens: every token request must carry a DPoP proof'),
  ...clears(update, '--no-dpop', 'DPoP proofs optional'),
  new Option('--jwks-uri <url>', 'where its public keys are: the client authenticates with private_key_jwt'),
  ...clears(update, '--no-jwks-uri', 'remove jwks_uri'),
  new Option('--jwks <file>', 'a JSON file holding its public JWK Set: the client authenticates with private_key_jwt'),
  ...clears(update, '--no-jwks', 'remove jwks'),
  ...tlsOptions(update),
  ...credentialOptions(update),
];

/** Mutual TLS (RFC 8705): the certificate name of a tls_client_auth client, a self-signed certificate, bound tokens. */
const tlsOptions = (update: boolean) => [
  ...TLS_NAME_FLAGS.flatMap(([flag, value, member]) => [
    new Option(`--tls-${flag} <${value}>`, `${member}: the client authenticates with tls_client_auth, by a certificate naming this`),
    ...clears(update, `--no-tls-${flag}`, `remove ${member}`),
  ]),
  new Option('--self-signed-cert <file>', 'a PEM file holding its certificate: the client authenticates with self_signed_tls_client_auth'),
  new Option('--certificate-bound', "tls_client_certificate_bound_access_tokens: every token is bound to the client's certificate"),
  ...clears(update, '--no-certificate-bound', 'tokens not bound to the certificate'),
];

/** The tls_client_auth flags: `--tls-<flag> <value>` sets the metadata member (RFC 8705 §2.1.2). */
const TLS_NAME_FLAGS = [
  ['subject-dn', 'dn', 'tls_client_auth_subject_dn'],
  ['san-dns', 'name', 'tls_client_auth_san_dns'],
  ['san-uri', 'uri', 'tls_client_auth_san_uri'],
  ['san-ip', 'ip', 'tls_client_auth_san_ip'],
  ['san-email', 'email', 'tls_client_auth_san_email'],
] as const;

/** Federated credentials, written out or from a platform's preset; each option adds one (docs/cli.md#federated-credentials). */
const credentialOptions = (update: boolean) => [
  new Option(
    '--federated-credential <ISSUER=SUBJECT[,claim=value…]>',
    `a federated credential (repeatable; a claim named again makes a list)${update ? '; the credentials given replace the old ones' : ''}`,
  ).argParser(repeatable),
  ...clears(update, '--no-federated-credential', 'remove every federated credential'),
  new Option('--kubernetes-service-account <ISSUER=NAMESPACE:NAME>', 'preset: subject system:serviceaccount:NAMESPACE:NAME (repeatable)').argParser(repeatable),
  new Option('--github-actions <OWNER/REPO[:CONTEXT]>', 'preset: subject repo:OWNER/REPO:CONTEXT, context default ref:refs/heads/main (repeatable)').argParser(
    repeatable,
  ),
  new Option('--repository-id <id>', 'with --github-actions: the repository_id claim, which pins the repository'),
  new Option('--github-issuer <url>', `with --github-actions: the issuer (GitHub Enterprise Server; default ${GITHUB_ISSUER})`),
  new Option(
    '--gitlab-ci <GROUP/PROJECT[:CONTEXT]>',
    'preset: subject project_path:GROUP/PROJECT:CONTEXT, context default ref_type:branch:ref:main (repeatable)',
  ).argParser(repeatable),
  new Option('--project-id <id>', 'with --gitlab-ci: the project_id claim, which pins the project'),
  new Option('--gitlab-issuer <url>', `with --gitlab-ci: the issuer (self-managed GitLab; default ${GITLAB_ISSUER})`),
  new Option('--spiffe-id <spiffe://TRUST_DOMAIN/PATH>', 'preset: issuer spiffe://TRUST_DOMAIN, subject the SPIFFE ID (repeatable)').argParser(repeatable),
];

/**
 * Options → RFC 7591 metadata; options not given are left out. Keys given (`--jwks`,
 * `--jwks-uri`) without `--auth-method` mean private_key_jwt: the only method keys serve.
 */
function metadata(o: MetadataOptions, note: (text: string) => void): Record<string, unknown> {
  const keysGiven = typeof o.jwks === 'string' || typeof o.jwksUri === 'string';
  if (o.selfSignedCert !== undefined && o.jwks !== undefined) throw usageError('--self-signed-cert makes the jwks: give it or --jwks, not both');
  const tlsNames = [o.tlsSubjectDn, o.tlsSanDns, o.tlsSanUri, o.tlsSanIp, o.tlsSanEmail];
  const implied = keysGiven
    ? 'private_key_jwt'
    : o.selfSignedCert !== undefined
      ? 'self_signed_tls_client_auth'
      : tlsNames.some((name) => typeof name === 'string')
        ? 'tls_client_auth'
        : undefined;
  const { federatedCredential, ...presets } = o;
  const federated = credentialsFrom({ ...presets, ...(federatedCredential ? { federatedCredential } : {}) });
  for (const warning of federated?.warnings ?? []) note(warning);
  if (federatedCredential === false && federated !== undefined) throw usageError('--no-federated-credential removes every credential: give no other');
  return defined({
    client_name: o.name,
    client_type: o.type,
    audience: o.audience === false ? [] : o.audience,
    scope: o.scope === false ? '' : o.scope?.join(' '),
    grant_types: o.grantType,
    response_types: o.responseType,
    token_endpoint_auth_method: o.authMethod === undefined ? implied : orNull(o.authMethod),
    service_account_id: orNull(o.serviceAccountId),
    access_token_ttl: orNull(o.ttl),
    active: o.active,
    dpop_bound_access_tokens: o.dpop,
    jwks_uri: orNull(o.jwksUri),
    jwks:
      o.selfSignedCert !== undefined
        ? selfSignedJwks('--self-signed-cert', o.selfSignedCert)
        : typeof o.jwks === 'string'
          ? readJson('--jwks', o.jwks)
          : orNull(o.jwks),
    tls_client_auth_subject_dn: orNull(o.tlsSubjectDn),
    tls_client_auth_san_dns: orNull(o.tlsSanDns),
    tls_client_auth_san_uri: orNull(o.tlsSanUri),
    tls_client_auth_san_ip: orNull(o.tlsSanIp),
    tls_client_auth_san_email: orNull(o.tlsSanEmail),
    tls_client_certificate_bound_access_tokens: o.certificateBound,
    federated_credentials: federatedCredential === false ? [] : federated?.credentials,
  });
}

/** The JSON of a file an option names (a JWK Set); a file that cannot be read or parsed is wrong usage. */
export function readJson(flag: string, path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw usageError(`${flag} ${path}: ${(err as Error).message}`);
  }
}

const path = (id: string) => `/clients/${segment(id)}`;

/** A warning on stderr, with --json too: it concerns security, and stdout stays the API's JSON. */
const warn = (text: string) => void process.stderr.write(`${text}\n`);

export function registerClients(program: Command): void {
  const group = adminGroup(program, 'clients', 'OAuth clients (admin API)', [
    'tessera clients create --name billing --audience https://api.example.com/ --scope read',
    'tessera clients list --all',
    'tessera clients rotate-secret billing-7f3k --expires-in 3600 --reason "yearly rotation"',
  ]);

  adminCommand<MetadataOptions & { clientId?: string }>(
    group,
    {
      name: 'create',
      description: 'register a client; prints its secret once',
      mutation: true,
      options: [new Option('--client-id <id>', 'client_id (generated when absent)'), ...metadataOptions(false)],
      examples: [
        'tessera clients create --client-id my-api4 --audience https://localhost:5001/ --scope read:secrets',
        'tessera clients create --name "Periodic Cleanup" --service-account-id sa_01m8232r9qy73jxrj3dnad6hrs',
        'tessera clients create --name ci --json > client.json',
        'tessera clients create --client-id billing-job --jwks billing-job.jwks.json --audience https://billing.example.com/',
        'tessera clients create --client-id cleanup --auth-method federated --github-actions acme/cleanup --repository-id 892176',
        'tessera clients create --client-id reports --auth-method federated --kubernetes-service-account https://oidc.eks.example.com=jobs:reports',
        'tessera clients create --client-id device-1 --tls-subject-dn "CN=device-1,O=Acme,C=FR" --certificate-bound --audience https://api.example.com/',
        'tessera clients create --client-id sensor-7 --self-signed-cert sensor-7.pem --audience https://api.example.com/',
      ],
    },
    async (ctx, _args, options) => {
      const created = await ctx.api.post<Static<typeof ClientCreated>>(ctx.api.tenantPath('/clients'), {
        ...defined({ client_id: options.clientId }),
        ...metadata(options, warn),
      });
      ctx.show(created);
      if (created.client_secret !== undefined) ctx.note(SECRET_NOTE);
    },
  );

  listCommand<ClientOut, { serviceAccountId?: string }>(group, {
    description: 'list clients',
    path: '/clients',
    options: [new Option('--service-account-id <id>', 'only the clients acting for this service account')],
    query: (o) => ({ service_account_id: o.serviceAccountId }),
    columns: [
      field('client_id'),
      field('client_name', 'NAME'),
      field('client_type', 'TYPE'),
      field('service_account_id', 'SERVICE_ACCOUNT'),
      field('audience'),
      field('scope'),
      field('active'),
    ],
    examples: ['tessera clients list', 'tessera clients list --tenant acme --all --json'],
  });

  getCommand(group, { arg: 'client_id', path, description: 'show a client (never its secrets)', examples: ['tessera clients get my-api4'] });

  adminCommand<MetadataOptions>(
    group,
    {
      name: 'update <client_id>',
      description: 'change a client; lists given replace the old ones',
      mutation: true,
      options: metadataOptions(true),
      examples: [
        'tessera clients update my-api4 --scope read:secrets --scope write:secrets',
        'tessera clients update my-api4 --no-active --reason "leaked"',
        'tessera clients update cleanup --github-actions acme/cleanup:environment:prod --repository-id 892176',
      ],
    },
    async (ctx, [id], options) => {
      const updated = await ctx.api.patch<ClientOut>(ctx.api.tenantPath(path(id!)), changes(metadata(options, warn)));
      ctx.show(updated);
    },
  );

  deleteCommand(group, {
    name: 'delete <client_id>',
    path: ([id]) => path(id!),
    deleted: ([id]) => `client ${id}`,
    description: 'delete a client with its secrets and grants',
    examples: ['tessera clients delete my-api4 --reason decommissioned'],
  });

  adminCommand<{ expiresIn?: number }>(
    group,
    {
      name: 'rotate-secret <client_id>',
      description: 'add a new secret and print it once; --expires-in puts an expiry on the old ones',
      mutation: true,
      options: [new Option('--expires-in <seconds>', 'the existing secrets expire this many seconds from now').argParser(wholeNumber)],
      examples: ['tessera clients rotate-secret my-api4 --expires-in 3600', 'tessera clients rotate-secret my-api4 --json | jq -r .client_secret'],
    },
    async (ctx, [id], options) => {
      const secret = await ctx.api.post<Static<typeof SecretCreated>>(ctx.api.tenantPath(`${path(id!)}/secrets`), defined({ expires_in: options.expiresIn }));
      ctx.show(secret);
      ctx.note(SECRET_NOTE);
    },
  );

  deleteCommand(group, {
    name: 'delete-secret <client_id> <secret_id>',
    path: ([id, secretId]) => `${path(id!)}/secrets/${segment(secretId!)}`,
    deleted: ([id, secretId]) => `secret ${secretId} of client ${id}`,
    description: 'remove one secret of a client (secret ids from "clients get")',
    examples: ['tessera clients delete-secret my-api4 sec_01m8232kj2rab7y6tnqrvv2ys1'],
  });

  adminCommand(
    group,
    {
      name: 'revoke-tokens <client_id>',
      description: 'revoke every token the client holds now (introspection and the revocation feed)',
      mutation: true,
      examples: ['tessera clients revoke-tokens my-api4 --reason "secret leaked"'],
    },
    async (ctx, [id]) => {
      const cutoff = await ctx.api.post<Static<typeof TokenCutoff>>(ctx.api.tenantPath(`${path(id!)}/revoke-tokens`));
      ctx.show(cutoff);
    },
  );
}
