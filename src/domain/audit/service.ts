import { auditEventsRepo, type AuditFilter } from '../../storage/repositories/audit-events.js';
import type { Page, PageRequest } from '../../storage/repositories/paging.js';
import type { DomainContext } from '../context.js';
import type { AuditEvent } from './model.js';
import { recordAudit, type AuditInput } from './record.js';

export class AuditService {
  constructor(private readonly ctx: DomainContext) {}

  /** Writes one event on its own, for what happens outside any admin mutation (e.g. a brute-force lockout). */
  async record(input: AuditInput): Promise<void> {
    const event = await recordAudit(this.ctx.db, this.ctx.clock, input);
    this.ctx.auditTrail.committed(event, input.actor.requestId);
  }

  /** Newest first. */
  list(tenantId: string, page: PageRequest, filter: AuditFilter = {}): Promise<Page<AuditEvent>> {
    return auditEventsRepo.list(this.ctx.db, tenantId, page, filter);
  }
}
