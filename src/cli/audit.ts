import type { Static } from '@sinclair/typebox';
import { Option, type Command } from 'commander';
import type { AuditEvent } from '../http/schemas/audit.js';
import { adminGroup, listCommand } from './admin-command.js';
import { field } from './output.js';

interface Filters {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  since?: string;
  until?: string;
}

export function registerAudit(program: Command): void {
  const group = adminGroup(program, 'audit-events', 'the audit log: who changed what, when and why (admin API)', [
    'tessera audit-events list --action client.delete',
    'tessera audit-events list --since 2026-11-01T00:00:00Z --all --json',
  ]);

  listCommand<Static<typeof AuditEvent>, Filters>(group, {
    description: 'list audit events, newest first (at the root, an unrestricted token also sees installation-wide events)',
    path: '/audit-events',
    options: [
      new Option('--actor <actor>', 'e.g. admin-token:at_…, cli, system'),
      new Option('--action <action>', 'e.g. client.create, key.rotate'),
      new Option('--target-type <type>', 'e.g. client, api, tenant'),
      new Option('--target-id <id>', 'the id of what was changed'),
      new Option('--since <time>', 'RFC 3339 time, inclusive'),
      new Option('--until <time>', 'RFC 3339 time, exclusive'),
    ],
    query: (o) => ({ actor: o.actor, action: o.action, target_type: o.targetType, target_id: o.targetId, since: o.since, until: o.until }),
    columns: [field('occurred_at', 'TIME'), field('tenant_id', 'TENANT'), field('actor'), field('action'), field('target_id', 'TARGET'), field('reason')],
    examples: ['tessera audit-events list --target-id my-api4', 'tessera audit-events list --tenant acme --action key.rotate'],
  });
}
