import type { AuditInput } from '../audit/record.js';
import type { Actor } from '../errors.js';
import type { ObjectKind, PlannedChange } from './document.js';
import type { Planned, TenantPlan } from './plan.js';

/** One object of a plan as the answer lists it and as the audit log records it (`id`: the object's own id). */
interface Reported {
  change: PlannedChange;
  id: string;
}

function reported<T>(kind: ObjectKind, tenant: string, planned: readonly Planned<T>[], id: (t: T) => string): Reported[] {
  return planned.map((p) => ({
    change: { action: p.action, kind, tenant, key: p.key, ...(p.fields ? { fields: p.fields, diff: p.diff ?? {} } : {}) },
    id: id(p.next),
  }));
}

function deleted<T>(kind: ObjectKind, tenant: string, items: readonly T[], key: (t: T) => string, id: (t: T) => string): Reported[] {
  return items.map((t) => ({ change: { action: 'delete', kind, tenant, key: key(t) }, id: id(t) }));
}

/** Every line of a tenant's plan: the tenant, the objects the document names (APIs, service accounts, issuers, clients, grants), then the deletes. */
export function reportPlan(plan: TenantPlan, grantKeyOf: (grantId: string) => string): Reported[] {
  const t = plan.tenantId;
  const d = plan.deletes;
  return [
    ...reported('tenant', t, [plan.tenant], (x) => x.id),
    ...reported('api', t, plan.apis, (x) => x.id),
    ...reported('service_account', t, plan.serviceAccounts, (x) => x.id),
    ...reported('federated_issuer', t, plan.issuers, (x) => x.id),
    ...reported('client', t, plan.clients, (x) => x.clientId),
    ...reported('grant', t, plan.grants, (x) => x.id),
    ...deleted(
      'grant',
      t,
      d.grants,
      (x) => grantKeyOf(x.id),
      (x) => x.id,
    ),
    ...deleted(
      'client',
      t,
      d.clients,
      (x) => x.clientId,
      (x) => x.clientId,
    ),
    ...deleted(
      'federated_issuer',
      t,
      d.issuers,
      (x) => x.issuer,
      (x) => x.id,
    ),
    ...deleted(
      'service_account',
      t,
      d.serviceAccounts,
      (x) => x.userName,
      (x) => x.id,
    ),
    ...deleted(
      'api',
      t,
      d.apis,
      (x) => x.identifier,
      (x) => x.id,
    ),
  ];
}

/** The audit events of an apply: one per created, updated or deleted object (as the single-object routes name them), then `config.apply`. */
export function auditEvents(actor: Actor, lines: readonly Reported[], prune: boolean): AuditInput[] {
  const counts = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
  const events: AuditInput[] = [];
  for (const { change, id } of lines) {
    if (change.action === 'unchanged') {
      counts.unchanged++;
      continue;
    }
    counts[change.action === 'create' ? 'created' : change.action === 'update' ? 'updated' : 'deleted']++;
    events.push({
      tenantId: change.tenant,
      actor,
      action: `${change.kind}.${change.action}`,
      targetType: change.kind,
      targetId: id,
      details: { via: 'config.apply', key: change.key, ...(change.fields ? { fields: change.fields } : {}) },
    });
  }
  const tenants = [...new Set(lines.map((l) => l.change.tenant))];
  events.push({
    tenantId: null,
    actor,
    action: 'config.apply',
    targetType: 'configuration',
    targetId: tenants.join(','),
    details: { dry_run: false, prune, ...counts },
  });
  return events;
}
