import type { Static } from '@sinclair/typebox';
import { Option, type Command } from 'commander';
import type { SigningKey } from '../http/schemas/keys.js';
import { segment } from './admin-client.js';
import { adminCommand, adminGroup, deleteCommand, listCommand } from './admin-command.js';
import { field } from './output.js';

type KeyOut = Static<typeof SigningKey>;

export function registerKeys(program: Command): void {
  const group = adminGroup(program, 'keys', "the tenant's signing keys (admin API)", [
    'tessera keys list',
    'tessera keys rotate --reason "yearly rotation"',
    'tessera keys rotate --emergency --reason "suspected key compromise"',
    'tessera keys withdraw ADjtGXfF3YykIsjyQow-m-_URLmxzdYqv4VT55kWsRw --reason "leaked retired key"',
  ]);

  listCommand<KeyOut>(group, {
    description: 'list signing keys, newest first (public parts only)',
    path: '/keys',
    unpaged: true,
    columns: [field('kid'), field('alg'), field('status'), field('created_at'), field('activated_at'), field('publish_until')],
    examples: ['tessera keys list', 'tessera keys list --tenant acme --json'],
  });

  adminCommand<{ emergency?: boolean }>(
    group,
    {
      name: 'rotate',
      description: 'rotate now: the published next key signs and a new next key is published; the old key stays published until its tokens expire',
      mutation: true,
      options: [new Option('--emergency', 'a fresh key signs at once and replaces the next key too (a leaked key); verifiers must refetch the JWKS')],
      examples: [
        'tessera keys rotate --reason "yearly rotation"',
        'tessera keys rotate --emergency --reason "suspected key compromise"',
        'tessera keys rotate --tenant acme --json',
      ],
    },
    async (ctx, _args, options) => {
      const query = options.emergency === true ? { emergency: 'true' } : {};
      ctx.show(await ctx.api.post<KeyOut>(ctx.api.tenantPath('/keys/rotate'), {}, query));
    },
  );

  deleteCommand(group, {
    name: 'withdraw <kid>',
    path: ([kid]) => `/keys/${segment(kid!)}`,
    deleted: ([kid]) => `key ${kid} (withdrawn from the JWKS)`,
    description: 'withdraw a retired or next key from the JWKS at once (tokens it signed stop verifying)',
    examples: ['tessera keys withdraw ADjtGXfF3YykIsjyQow-m-_URLmxzdYqv4VT55kWsRw --reason "leaked retired key"'],
  });
}
