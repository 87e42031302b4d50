import type { Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import type { SigningKey } from '../http/schemas/keys.js';
import { segment } from './admin-client.js';
import { adminCommand, adminGroup, deleteCommand, listCommand } from './admin-command.js';
import { field } from './output.js';

type KeyOut = Static<typeof SigningKey>;

export function registerKeys(program: Command): void {
  const group = adminGroup(program, 'keys', "the tenant's signing keys (admin API)", [
    'tessera keys list',
    'tessera keys rotate --reason "suspected key compromise"',
    'tessera keys withdraw ADjtGXfF3YykIsjyQow-m-_URLmxzdYqv4VT55kWsRw --reason "leaked retired key"',
  ]);

  listCommand<KeyOut>(group, {
    description: 'list signing keys, newest first (public parts only)',
    path: '/keys',
    unpaged: true,
    columns: [field('kid'), field('alg'), field('status'), field('created_at'), field('activated_at'), field('publish_until')],
    examples: ['tessera keys list', 'tessera keys list --tenant acme --json'],
  });

  adminCommand(
    group,
    {
      name: 'rotate',
      description: 'emergency rotation: a new key signs at once; the old one stays published until its tokens expire',
      mutation: true,
      examples: ['tessera keys rotate --reason "suspected key compromise"', 'tessera keys rotate --tenant acme --json'],
    },
    async (ctx) => {
      ctx.show(await ctx.api.post<KeyOut>(ctx.api.tenantPath('/keys/rotate')));
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
