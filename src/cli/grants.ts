import type { Static } from '@sinclair/typebox';
import { Option, type Command } from 'commander';
import type { Grant } from '../http/schemas/grants.js';
import { segment } from './admin-client.js';
import { adminCommand, adminGroup, changes, defined, deleteCommand, getCommand, listCommand, repeatable } from './admin-command.js';
import { field } from './output.js';

type GrantOut = Static<typeof Grant>;

interface Subject {
  clientId?: string;
  serviceAccountId?: string;
  apiId?: string;
}

const path = (id: string) => `/grants/${segment(id)}`;

/** The scopes of `--scope` options, each repeatable or space-separated. */
const scopesOf = (given: readonly string[] | undefined) => (given ?? []).flatMap((s) => s.split(' ')).filter((s) => s !== '');

export function registerGrants(program: Command): void {
  const group = adminGroup(program, 'grants', 'grants: scopes of an API given to a client or a service account (admin API)', [
    'tessera grants create --service-account-id sa_01m8232r9qy73jxrj3dnad6hrs --api-identifier https://cleanup.example.com/ --scope write',
    'tessera grants list --client-id my-api4',
    'tessera grants update grt_01m8232xz48ht3hve3ybqgswyw --scope "read write"',
    'tessera grants delete grt_01m8232xz48ht3hve3ybqgswyw',
  ]);

  adminCommand<Subject & { apiIdentifier?: string; scope?: string[] }>(
    group,
    {
      name: 'create',
      description: 'give a client or a service account (and so all its clients) scopes of one API',
      mutation: true,
      options: [
        new Option('--client-id <id>', 'the client given the scopes').conflicts('serviceAccountId'),
        new Option('--service-account-id <id>', 'the service account given the scopes'),
        new Option('--api-id <id>', 'the API, by id').conflicts('apiIdentifier'),
        new Option('--api-identifier <audience>', 'the API, by identifier'),
        new Option('--scope <scope>', 'a scope the API defines (repeatable, or space-separated); none: an empty grant').argParser(repeatable),
      ],
      examples: [
        'tessera grants create --service-account-id sa_01m8232r9qy73jxrj3dnad6hrs --api-identifier https://cleanup.example.com/ --scope write --reason grant-write',
        'tessera grants create --client-id my-api4 --api-id api_01m8232xy71v4xv12mhcfh4qna --scope "read write"',
      ],
    },
    async (ctx, _args, o) => {
      const scopes = scopesOf(o.scope);
      const grant = await ctx.api.post<GrantOut>(
        ctx.api.tenantPath('/grants'),
        defined({ client_id: o.clientId, service_account_id: o.serviceAccountId, api_id: o.apiId, api_identifier: o.apiIdentifier, scopes }),
      );
      ctx.show(grant);
    },
  );

  listCommand<GrantOut, Subject>(group, {
    description: 'list grants',
    path: '/grants',
    options: [
      new Option('--client-id <id>', 'only the grants to this client'),
      new Option('--service-account-id <id>', 'only the grants to this service account'),
      new Option('--api-id <id>', 'only the grants on this API'),
    ],
    query: (o) => ({ client_id: o.clientId, service_account_id: o.serviceAccountId, api_id: o.apiId }),
    columns: [field('id'), field('client_id', 'CLIENT'), field('service_account_id', 'SERVICE_ACCOUNT'), field('api_identifier', 'API'), field('scopes')],
    examples: ['tessera grants list', 'tessera grants list --service-account-id sa_01m8232r9qy73jxrj3dnad6hrs --json'],
  });

  getCommand(group, { arg: 'id', path, description: 'show a grant', examples: ['tessera grants get grt_01m8232xz48ht3hve3ybqgswyw'] });

  adminCommand<{ scope?: string[] | false }>(
    group,
    {
      name: 'update <id>',
      description: "replace a grant's scopes",
      mutation: true,
      options: [
        new Option('--scope <scope>', 'a scope the API defines (repeatable, or space-separated); the list given replaces the old one').argParser(repeatable),
        new Option('--no-scope', 'leave the grant no scopes'),
      ],
      examples: [
        'tessera grants update grt_01m8232xz48ht3hve3ybqgswyw --scope "read write" --reason "write access for the cleanup job"',
        'tessera grants update grt_01m8232xz48ht3hve3ybqgswyw --no-scope',
      ],
    },
    async (ctx, [id], o) => {
      const body = changes({ scopes: o.scope === false ? [] : o.scope && scopesOf(o.scope) });
      ctx.show(await ctx.api.patch<GrantOut>(ctx.api.tenantPath(path(id!)), body));
    },
  );

  deleteCommand(group, {
    name: 'delete <id>',
    path: ([id]) => path(id!),
    deleted: ([id]) => `grant ${id}`,
    description: 'revoke a grant',
    examples: ['tessera grants delete grt_01m8232xz48ht3hve3ybqgswyw --reason "no longer needed"'],
  });
}
