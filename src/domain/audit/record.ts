import type { Clock } from '../../lib/clock.js';
import { isoTime } from '../../lib/clock.js';
import { timeOrderedId } from '../../lib/random.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { auditEventsRepo } from '../../storage/repositories/audit-events.js';
import type { Actor } from '../errors.js';

/** Keys whose values are secret: credentials, digests, key material (JWK private members). */
const SECRET_KEY = /(^|_)(secret|password|digest|token|assertion)$|private|^(d|p|q|dp|dq|qi|k)$/i;

/** Drops any value whose key names a secret, at any depth: the audit log never holds one. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v);
    return out;
  }
  return value;
}

export interface AuditInput {
  tenantId: string | null;
  actor: Actor;
  action: string;
  targetType: string;
  targetId: string;
  details?: Record<string, unknown>;
}

/** Writes one audit event inside the caller's transaction. */
export async function recordAudit(trx: Executor, clock: Clock, input: AuditInput): Promise<void> {
  const now = clock.now();
  await auditEventsRepo.insert(trx, {
    id: timeOrderedId('ev_', now),
    tenantId: input.tenantId,
    occurredAt: isoTime(now),
    actor: input.actor.id,
    action: input.action,
    targetType: input.targetType,
    targetId: input.targetId,
    reason: input.actor.reason ?? null,
    details: redact(input.details ?? {}) as Record<string, unknown>,
  });
}
