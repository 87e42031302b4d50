import type { Logger } from 'pino';
import type { AuditEvent, AuditTrail } from '../domain/audit/model.js';

/**
 * The audit stream in the log: one info line per committed audit event, with the fields
 * `GET /audit-events` answers, as `present` (the admin API's presenter, passed in by the composition
 * root) shapes them: `{"reqId":"…","audit":{"id":…,"action":…,…},"msg":"audit"}`.
 * Details hold no secret (they are redacted before they are stored), so the line needs no
 * further redaction.
 */
export function auditLog(logger: Logger, present: (event: AuditEvent) => unknown): AuditTrail {
  return {
    committed: (event, requestId) => logger.info({ reqId: requestId, audit: present(event) }, 'audit'),
  };
}
