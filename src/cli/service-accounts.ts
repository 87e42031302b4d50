import type { Static } from '@sinclair/typebox';
import { Option, type Command } from 'commander';
import type { ServiceAccount } from '../http/schemas/service-accounts.js';
import { segment } from './admin-client.js';
import { adminCommand, adminGroup, changes, defined, deleteCommand, getCommand, listCommand } from './admin-command.js';
import { field } from './output.js';

type ServiceAccountOut = Static<typeof ServiceAccount>;

const path = (id: string) => `/service-accounts/${segment(id)}`;

export function registerServiceAccounts(program: Command): void {
  const group = adminGroup(program, 'service-accounts', 'service accounts: the non-human identities clients act for (admin API)', [
    'tessera service-accounts create --user-name periodicCleanup --display-name "Periodic Cleanup Account"',
    'tessera service-accounts list --search cleanup',
    'tessera service-accounts deactivate sa_01m8232r9qy73jxrj3dnad6hrs --reason "incident 42"',
  ]);

  adminCommand<{ userName: string; displayName?: string; active?: boolean }>(
    group,
    {
      name: 'create',
      description: 'create a service account',
      mutation: true,
      options: [
        new Option('--user-name <name>', 'user_name, unique in the tenant').makeOptionMandatory(),
        new Option('--display-name <name>', 'display_name'),
        new Option('--no-active', 'create it inactive: its clients fail authentication'),
      ],
      examples: ['tessera service-accounts create --user-name periodicCleanup --display-name "Periodic Cleanup Account" --reason add-user'],
    },
    async (ctx, _args, o) => {
      const created = await ctx.api.post<ServiceAccountOut>(
        ctx.api.tenantPath('/service-accounts'),
        defined({ user_name: o.userName, display_name: o.displayName, active: o.active }),
      );
      ctx.show(created);
    },
  );

  listCommand<ServiceAccountOut, { search?: string }>(group, {
    description: 'list service accounts',
    path: '/service-accounts',
    options: [new Option('--search <text>', 'only those whose user_name or display_name contains this text')],
    query: (o) => ({ search: o.search }),
    columns: [field('id'), field('user_name'), field('display_name'), field('active')],
    examples: ['tessera service-accounts list', 'tessera service-accounts list --search cleanup --json'],
  });

  getCommand(group, { arg: 'id', path, description: 'show a service account', examples: ['tessera service-accounts get sa_01m8232r9qy73jxrj3dnad6hrs'] });

  adminCommand<{ userName?: string; displayName?: string }>(
    group,
    {
      name: 'update <id>',
      description: 'rename a service account (activate and deactivate change its state)',
      mutation: true,
      options: [new Option('--user-name <name>', 'user_name'), new Option('--display-name <name>', 'display_name')],
      examples: ['tessera service-accounts update sa_01m8232r9qy73jxrj3dnad6hrs --display-name "Nightly Cleanup"'],
    },
    async (ctx, [id], o) => {
      const updated = await ctx.api.patch<ServiceAccountOut>(ctx.api.tenantPath(path(id!)), changes({ user_name: o.userName, display_name: o.displayName }));
      ctx.show(updated);
    },
  );

  for (const [name, active, description] of [
    ['activate', true, 'let the clients of a service account authenticate again'],
    ['deactivate', false, 'make every client of a service account fail authentication'],
  ] as const) {
    adminCommand(
      group,
      {
        name: `${name} <id>`,
        description,
        mutation: true,
        examples: [`tessera service-accounts ${name} sa_01m8232r9qy73jxrj3dnad6hrs --reason "incident 42"`],
      },
      async (ctx, [id]) => {
        const updated = await ctx.api.patch<ServiceAccountOut>(ctx.api.tenantPath(path(id!)), { active });
        ctx.show(updated);
      },
    );
  }

  deleteCommand(group, {
    name: 'delete <id>',
    path: ([id]) => path(id!),
    deleted: ([id]) => `service account ${id}`,
    description: 'delete a service account and its grants (refused while clients act for it)',
    examples: ['tessera service-accounts delete sa_01m8232r9qy73jxrj3dnad6hrs'],
  });
}
