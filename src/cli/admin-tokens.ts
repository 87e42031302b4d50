import type { Static } from '@sinclair/typebox';
import { Option, type Command } from 'commander';
import type { AdminToken, AdminTokenCreated } from '../http/schemas/admin-tokens.js';
import { segment } from './admin-client.js';
import { adminCommand, adminGroup, defined, deleteCommand, listCommand, repeatable, wholeNumber } from './admin-command.js';
import { field } from './output.js';

const installationWide = { tenantScoped: false } as const;

/** `--scopes` given once or more, each space-separated: the list of scopes; undefined when not given (the server's default). */
const scopeList = (given: string[] | undefined) => given?.flatMap((value) => value.split(/\s+/)).filter((scope) => scope !== '');

export function registerAdminTokens(program: Command): void {
  const group = adminGroup(
    program,
    'admin-tokens',
    'admin tokens, through the admin API of a running server (needs an unrestricted token); "tessera admin-token create" writes one straight to the database instead',
    [
      'tessera admin-tokens create --name ci-pipeline --tenant acme --expires-in 86400',
      'tessera admin-tokens list',
      'tessera admin-tokens delete at_01m8232r9qy73jxrj3dnad6hrs',
    ],
  );

  adminCommand<{ name: string; tenant?: string; expiresIn?: number; scopes?: string[] }>(
    group,
    {
      ...installationWide,
      name: 'create',
      description: 'create an admin token and print it once',
      mutation: true,
      options: [
        new Option('--name <name>', 'what the token is for').makeOptionMandatory(),
        new Option('--tenant <id>', 'limit the token to this tenant (default: unrestricted)'),
        new Option('--expires-in <seconds>', 'the token stops working this many seconds from now (60-31536000; default: never)').argParser(wholeNumber),
        new Option('--scopes <scopes>', 'the scopes of urn:tessera:admin it holds (repeatable, or space-separated; default: admin, everything)').argParser(
          repeatable,
        ),
      ],
      examples: [
        'tessera admin-tokens create --name ci-pipeline --tenant acme',
        'tessera admin-tokens create --name auditor --scopes "audit:read clients:read"',
        'export TESSERA_ADMIN_TOKEN=$(tessera admin-tokens create --name ops)',
      ],
    },
    async (ctx, _args, o) => {
      const created = await ctx.api.post<Static<typeof AdminTokenCreated>>(
        '/admin-tokens',
        defined({ name: o.name, tenant: o.tenant, scopes: scopeList(o.scopes), expires_in: o.expiresIn }),
      );
      ctx.print(created, () => `${created.token}\n`);
      const expiry = created.expires_at ? `, expires ${created.expires_at}` : '';
      ctx.note(
        `admin token ${created.id} (${created.name}${created.tenant ? `, tenant ${created.tenant}` : ''}${expiry}): store it now; it will not be shown again.`,
      );
    },
  );

  listCommand<Static<typeof AdminToken>>(group, {
    ...installationWide,
    description: 'list admin tokens (never their values)',
    path: '/admin-tokens',
    columns: [field('id'), field('name'), field('tenant'), field('scopes'), field('created_at'), field('expires_at')],
    examples: ['tessera admin-tokens list'],
  });

  deleteCommand(group, {
    ...installationWide,
    name: 'delete <id>',
    path: ([id]) => `/admin-tokens/${segment(id!)}`,
    deleted: ([id]) => `admin token ${id}`,
    description: 'delete an admin token: it stops working at once (the one of TESSERA_ADMIN_TOKEN returns at the next start while the variable is set)',
    examples: ['tessera admin-tokens delete at_01m8232r9qy73jxrj3dnad6hrs --reason "employee left"'],
  });
}
