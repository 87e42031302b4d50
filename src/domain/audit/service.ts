import { auditEventsRepo, type AuditFilter } from '../../storage/repositories/audit-events.js';
import type { Page, PageRequest } from '../../storage/repositories/paging.js';
import type { DomainContext } from '../context.js';
import type { AuditEvent } from './model.js';

export class AuditService {
  constructor(private readonly ctx: DomainContext) {}

  /** Newest first. */
  list(tenantId: string, page: PageRequest, filter: AuditFilter = {}): Promise<Page<AuditEvent>> {
    return auditEventsRepo.list(this.ctx.db, tenantId, page, filter);
  }
}
