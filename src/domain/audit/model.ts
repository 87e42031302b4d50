export interface AuditEvent {
  id: string;
  tenantId: string | null;
  occurredAt: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  reason: string | null;
  details: Record<string, unknown>;
}
