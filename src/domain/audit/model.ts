import type { ActorDetail } from '../errors.js';

export interface AuditEvent {
  id: string;
  tenantId: string | null;
  occurredAt: string;
  actor: string;
  /** Who stood behind an access token that acted (null for admin tokens and Tessera itself). */
  actorDetail: ActorDetail | null;
  action: string;
  targetType: string;
  targetId: string;
  reason: string | null;
  details: Record<string, unknown>;
}

/** Hears every audit event once it is recorded for good: after its transaction has committed, never for one rolled back. */
export interface AuditTrail {
  /** `requestId`: the admin request that made the change, when there is one. */
  committed(event: AuditEvent, requestId: string | undefined): void;
}
