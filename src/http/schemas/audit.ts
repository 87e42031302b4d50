import { Type } from '@sinclair/typebox';
import { Nullable, PageQuery, Timestamp } from './common.js';

export const AuditEvent = Type.Object(
  {
    id: Type.String(),
    tenant_id: Nullable(Type.String()),
    occurred_at: Timestamp,
    actor: Type.String(),
    actor_name: Nullable(Type.String({ description: 'the name of the admin token of an `admin-token:{id}` actor; null for other actors and deleted tokens' })),
    actor_detail: Nullable(
      Type.Object(
        {
          tenant: Type.String({ description: 'the tenant whose access token the client presented' }),
          client_id: Type.String(),
          federated: Type.Optional(
            Type.Object(
              { iss: Type.String(), sub: Type.String() },
              { description: 'the external identity behind a client that authenticated with a federated credential' },
            ),
          ),
        },
        { description: 'for a `client:{client_id}` actor (an access token); null for admin tokens and Tessera itself' },
      ),
    ),
    action: Type.String(),
    target_type: Type.String(),
    target_id: Type.String(),
    reason: Nullable(Type.String()),
    details: Type.Object({}, { additionalProperties: true }),
  },
  { $id: 'AuditEvent' },
);

export const AuditQuery = Type.Object(
  {
    ...PageQuery,
    // The actor column's length: room for `client:{client_id}`.
    actor: Type.Optional(Type.String({ maxLength: 300 })),
    action: Type.Optional(Type.String({ maxLength: 64 })),
    target_type: Type.Optional(Type.String({ maxLength: 32 })),
    target_id: Type.Optional(Type.String({ maxLength: 512 })),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    until: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
