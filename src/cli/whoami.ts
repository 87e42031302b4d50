import type { Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import type { Whoami } from '../http/schemas/whoami.js';
import { adminCommand } from './admin-command.js';

/** `tessera whoami`: GET /whoami, the caller as the admin API sees it. */
export function registerWhoami(program: Command): void {
  adminCommand(
    program,
    {
      name: 'whoami',
      tenantScoped: false,
      description: 'who the admin API takes you for: the actor, how it authenticated, the tenant it is limited to and its scopes',
      examples: ['tessera whoami', 'tessera whoami --json'],
    },
    async (ctx) => {
      ctx.show(await ctx.api.get<Static<typeof Whoami>>('/whoami'));
    },
  );
}
