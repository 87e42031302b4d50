import type { Logger } from 'pino';
import type { AuditTrail } from '../domain/audit/model.js';
import { presentAuditEvent } from '../http/admin/present.js';

/**
 * The audit stream in the log: one info line per committed audit event, with the fields
 * `GET /audit-events` answers: `{"reqId":"…","audit":{"id":…,"action":…,…},"msg":"audit"}`.
 * Details hold no secret (they are redacted before they are stored), so the line needs no
 * further redaction.
 */
export function auditLog(logger: Logger): AuditTrail {
  return {
    committed: (event, requestId) => logger.info({ reqId: requestId, audit: presentAuditEvent(event) }, 'audit'),
  };
}
