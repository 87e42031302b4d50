import type { Static } from '@sinclair/typebox';
import { Option, type Command } from 'commander';
import type { Tenant } from '../http/schemas/tenants.js';
import { segment } from './admin-client.js';
import { adminCommand, adminGroup, changes, clears, defined, deleteCommand, listCommand, repeatable, wholeNumber } from './admin-command.js';
import { readPemCertificates } from './certificate-files.js';
import { block, field } from './output.js';

type TenantOut = Static<typeof Tenant>;

interface TenantOptions {
  id?: string;
  name?: string;
  signingAlg?: string;
  ttl?: number;
  /** false: `--no-tls-client-ca` (update), every CA removed. */
  tlsClientCa?: string[] | false;
}

const tenantOptions = (update: boolean) => [
  new Option('--name <name>', 'name shown to people (default: the id)'),
  new Option('--signing-alg <alg>', 'signing algorithm of its tokens; a change rotates to a key of the new algorithm').choices([
    'RS256',
    'PS256',
    'ES256',
    'EdDSA',
  ]),
  new Option('--ttl <seconds>', 'access_token_ttl: default lifetime of its tokens').argParser(wholeNumber),
  new Option(
    '--tls-client-ca <file>',
    `a PEM file of CA certificates trusted for its tls_client_auth clients (repeatable; a bundle counts each)${update ? '; replaces the old ones' : ''}`,
  ).argParser(repeatable),
  ...clears(update, '--no-tls-client-ca', 'remove every CA of its own'),
];

const body = (o: TenantOptions) =>
  defined({
    id: o.id,
    name: o.name,
    signing_alg: o.signingAlg,
    access_token_ttl: o.ttl,
    tls_client_cas: o.tlsClientCa === false ? [] : o.tlsClientCa?.flatMap((file) => readPemCertificates('--tls-client-ca', file)),
  });
const path = (id: string) => `/tenants/${segment(id)}`;

/** A tenant for people: its CAs by their details (tls_client_ca_details), not as PEM text. */
const human = (tenant: TenantOut) => block(Object.fromEntries(Object.entries(tenant).filter(([key]) => key !== 'tls_client_cas')));
const installationWide = { tenantScoped: false } as const;

export function registerTenants(program: Command): void {
  const group = adminGroup(program, 'tenants', 'tenants: each has its own issuer, keys and resources (admin API)', [
    'tessera tenants create --id acme --name Acme --signing-alg ES256',
    'tessera tenants list',
    'tessera clients list --tenant acme',
  ]);

  adminCommand<TenantOptions>(
    group,
    {
      ...installationWide,
      name: 'create',
      description: 'create a tenant with its first signing key (needs an unrestricted admin token)',
      mutation: true,
      options: [new Option('--id <id>', 'tenant id: [a-z0-9][a-z0-9-]{0,62}').makeOptionMandatory(), ...tenantOptions(false)],
      examples: ['tessera tenants create --id acme --name Acme --signing-alg ES256 --ttl 600'],
    },
    async (ctx, _args, o) => {
      const tenant = await ctx.api.post<TenantOut>('/tenants', body(o));
      ctx.print(tenant, () => human(tenant));
    },
  );

  listCommand<TenantOut>(group, {
    ...installationWide,
    description: 'list tenants (a tenant-limited token sees its own)',
    path: '/tenants',
    columns: [field('id'), field('name'), field('issuer'), field('signing_alg', 'ALG'), field('access_token_ttl', 'TTL')],
    examples: ['tessera tenants list', 'tessera tenants list --all --json'],
  });

  adminCommand(
    group,
    { ...installationWide, name: 'get <id>', description: 'show a tenant, its issuer and its CAs', examples: ['tessera tenants get acme'] },
    async (ctx, [id]) => {
      const tenant = await ctx.api.get<TenantOut>(path(id!));
      ctx.print(tenant, () => human(tenant));
    },
  );

  adminCommand<TenantOptions>(
    group,
    {
      ...installationWide,
      name: 'update <id>',
      description: 'change a tenant',
      mutation: true,
      options: tenantOptions(true),
      examples: [
        'tessera tenants update acme --signing-alg EdDSA --reason "smaller tokens"',
        'tessera tenants update acme --tls-client-ca acme-devices-ca.pem',
        'tessera tenants update acme --no-tls-client-ca',
      ],
    },
    async (ctx, [id], o) => {
      const tenant = await ctx.api.patch<TenantOut>(path(id!), changes(body(o)));
      ctx.print(tenant, () => human(tenant));
    },
  );

  deleteCommand(group, {
    ...installationWide,
    name: 'delete <id>',
    path: ([id]) => path(id!),
    deleted: ([id]) => `tenant ${id} and everything it owned`,
    description: 'delete a tenant and everything it owns (audit events are kept)',
    examples: ['tessera tenants delete acme --reason "customer left"'],
  });
}
