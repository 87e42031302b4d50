import type { Transaction } from 'kysely';
import type { Clock } from '../../lib/clock.js';
import { isoTime } from '../../lib/clock.js';
import { timeOrderedId } from '../../lib/random.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { auditEventsRepo } from '../../storage/repositories/audit-events.js';
import type { Database } from '../../storage/schema.js';
import { translated } from '../../storage/errors.js';
import { transact } from '../../storage/transaction.js';
import type { DomainContext } from '../context.js';
import type { Actor } from '../errors.js';
import type { AuditEvent } from './model.js';

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

/** The event an input records at `now`, its details redacted. */
function eventOf(input: AuditInput, now: number): AuditEvent {
  return {
    id: timeOrderedId('ev_', now),
    tenantId: input.tenantId,
    occurredAt: isoTime(now),
    actor: input.actor.id,
    actorDetail: input.actor.detail ?? null,
    action: input.action,
    targetType: input.targetType,
    targetId: input.targetId,
    reason: input.actor.reason ?? null,
    details: redact(input.details ?? {}) as Record<string, unknown>,
  };
}

/** Writes one audit event with `db` (a transaction or the pool) and answers it. */
export async function recordAudit(db: Executor, clock: Clock, input: AuditInput): Promise<AuditEvent> {
  const event = eventOf(input, clock.now());
  await auditEventsRepo.insert(db, event);
  return event;
}

/** Records audit events inside one transaction. */
export interface AuditRecorder {
  record(input: AuditInput): Promise<void>;
  /** Records one event that `write` inserts itself, with the rows of the change it stands for (one statement for all). */
  recordWith(input: AuditInput, write: (event: AuditEvent) => Promise<void>): Promise<void>;
  /** Records many events in a few statements (a configuration apply's one per change). */
  recordMany(inputs: readonly AuditInput[]): Promise<void>;
}

/**
 * Runs `work` in one transaction (`transact`) with an audit recorder: its events commit with the
 * work or not at all, and the audit trail hears them once the transaction has committed.
 */
export async function transactAudited<T>(
  ctx: Pick<DomainContext, 'db' | 'clock' | 'auditTrail'>,
  work: (trx: Transaction<Database>, audit: AuditRecorder) => Promise<T>,
): Promise<T> {
  const recorded: [AuditEvent, string | undefined][] = [];
  const result = await transact(ctx.db, (trx) =>
    work(trx, {
      record: async (input) => {
        recorded.push([await recordAudit(trx, ctx.clock, input), input.actor.requestId]);
      },
      recordWith: async (input, write) => {
        const event = eventOf(input, ctx.clock.now());
        await write(event);
        recorded.push([event, input.actor.requestId]);
      },
      recordMany: async (inputs) => {
        const now = ctx.clock.now();
        const events = inputs.map((input) => eventOf(input, now));
        await auditEventsRepo.insertMany(trx, events);
        events.forEach((event, i) => recorded.push([event, inputs[i]?.actor.requestId]));
      },
    }),
  );
  for (const [event, requestId] of recorded) ctx.auditTrail.committed(event, requestId);
  return result;
}

/**
 * Makes one change that `write` stores with its audit event in a single statement, outside any
 * transaction: a statement is atomic on its own, so the change and its event commit together or
 * not at all, with no BEGIN and COMMIT (two round trips on PostgreSQL). The audit trail hears the
 * event once the statement has committed.
 */
export async function writeAudited(
  ctx: Pick<DomainContext, 'db' | 'clock' | 'auditTrail'>,
  input: AuditInput,
  write: (db: Executor, event: AuditEvent) => Promise<void>,
): Promise<void> {
  const event = eventOf(input, ctx.clock.now());
  await translated(() => write(ctx.db, event));
  ctx.auditTrail.committed(event, input.actor.requestId);
}
