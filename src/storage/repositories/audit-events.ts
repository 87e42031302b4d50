import type { Selectable } from 'kysely';
import type { AuditEvent } from '../../domain/audit/model.js';
import type { AuditEventsTable } from '../schema.js';
import { chunks, rowsPerInsert } from './configuration.js';
import type { Executor } from './executor.js';
import { toPage, type Page, type PageRequest } from './paging.js';

/** The stored form of an actor's detail: `{tenant, client_id, federated?: {iss, sub}}` as JSON text. */
function detailText(detail: AuditEvent['actorDetail']): string | null {
  if (detail === null) return null;
  return JSON.stringify({
    tenant: detail.tenant,
    client_id: detail.clientId,
    ...(detail.federated ? { federated: { iss: detail.federated.iss, sub: detail.federated.sub } } : {}),
  });
}

function detailOf(text: string | null): AuditEvent['actorDetail'] {
  if (text === null) return null;
  const stored = JSON.parse(text) as { tenant: string; client_id: string; federated?: { iss: string; sub: string } };
  return { tenant: stored.tenant, clientId: stored.client_id, ...(stored.federated ? { federated: stored.federated } : {}) };
}

function toEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    occurredAt: row.occurred_at,
    actor: row.actor,
    actorDetail: detailOf(row.actor_detail),
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    reason: row.reason,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

/** The row of an audit event (for statements that insert it with other rows). */
export function auditEventRow(e: AuditEvent) {
  return {
    id: e.id,
    tenant_id: e.tenantId,
    occurred_at: e.occurredAt,
    actor: e.actor,
    actor_detail: detailText(e.actorDetail),
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    reason: e.reason,
    details: JSON.stringify(e.details),
  };
}

export interface AuditFilter {
  /** Also include installation-wide events (no tenant). */
  includeGlobal?: boolean | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

export const auditEventsRepo = {
  async insert(db: Executor, e: AuditEvent): Promise<void> {
    await db.insertInto('audit_events').values(auditEventRow(e)).execute();
  },
  /** Inserts many events, many rows a statement. */
  async insertMany(db: Executor, events: readonly AuditEvent[]): Promise<void> {
    for (const part of chunks(events, rowsPerInsert(10))) await db.insertInto('audit_events').values(part.map(auditEventRow)).execute();
  },
  /** Newest first. */
  async list(db: Executor, tenantId: string, page: PageRequest, f: AuditFilter = {}): Promise<Page<AuditEvent>> {
    let q = db
      .selectFrom('audit_events')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(page.limit + 1);
    q = f.includeGlobal ? q.where((eb) => eb.or([eb('tenant_id', '=', tenantId), eb('tenant_id', 'is', null)])) : q.where('tenant_id', '=', tenantId);
    if (page.after) q = q.where('id', '<', page.after);
    if (f.actor) q = q.where('actor', '=', f.actor);
    if (f.action) q = q.where('action', '=', f.action);
    if (f.targetType) q = q.where('target_type', '=', f.targetType);
    if (f.targetId) q = q.where('target_id', '=', f.targetId);
    if (f.since) q = q.where('occurred_at', '>=', f.since);
    if (f.until) q = q.where('occurred_at', '<', f.until);
    return toPage(await q.execute(), page.limit, (r) => r.id, toEvent);
  },
};
