import type { Static } from '@sinclair/typebox';
import { Option, type Command } from 'commander';
import type { Tenant } from '../http/schemas/tenants.js';
import { segment } from './admin-client.js';
import { adminCommand, adminGroup, changes, defined, deleteCommand, getCommand, listCommand, wholeNumber } from './admin-command.js';
import { field } from './output.js';

type TenantOut = Static<typeof Tenant>;

interface TenantOptions {
  id?: string;
  name?: string;
  signingAlg?: string;
  ttl?: number;
}

const tenantOptions = () => [
  new Option('--name <name>', 'name shown to people (default: the id)'),
  new Option('--signing-alg <alg>', 'signing algorithm of its tokens; a change rotates to a key of the new algorithm').choices([
    'RS256',
    'PS256',
    'ES256',
    'EdDSA',
  ]),
  new Option('--ttl <seconds>', 'access_token_ttl: default lifetime of its tokens').argParser(wholeNumber),
];

const body = (o: TenantOptions) => defined({ id: o.id, name: o.name, signing_alg: o.signingAlg, access_token_ttl: o.ttl });
const path = (id: string) => `/tenants/${segment(id)}`;
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
      options: [new Option('--id <id>', 'tenant id: [a-z0-9][a-z0-9-]{0,62}').makeOptionMandatory(), ...tenantOptions()],
      examples: ['tessera tenants create --id acme --name Acme --signing-alg ES256 --ttl 600'],
    },
    async (ctx, _args, o) => {
      ctx.show(await ctx.api.post<TenantOut>('/tenants', body(o)));
    },
  );

  listCommand<TenantOut>(group, {
    ...installationWide,
    description: 'list tenants (a tenant-limited token sees its own)',
    path: '/tenants',
    columns: [field('id'), field('name'), field('issuer'), field('signing_alg', 'ALG'), field('access_token_ttl', 'TTL')],
    examples: ['tessera tenants list', 'tessera tenants list --all --json'],
  });

  getCommand(group, { ...installationWide, arg: 'id', path, description: 'show a tenant and its issuer', examples: ['tessera tenants get acme'] });

  adminCommand<TenantOptions>(
    group,
    {
      ...installationWide,
      name: 'update <id>',
      description: 'change a tenant',
      mutation: true,
      options: tenantOptions(),
      examples: ['tessera tenants update acme --signing-alg EdDSA --reason "smaller tokens"'],
    },
    async (ctx, [id], o) => {
      ctx.show(await ctx.api.patch<TenantOut>(path(id!), changes(body(o))));
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
