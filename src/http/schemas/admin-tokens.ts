import { Type } from '@sinclair/typebox';
import { Nullable, TenantId, Text, Timestamp } from './common.js';

export const AdminToken = Type.Object(
  { id: Type.String(), name: Type.String(), tenant: Nullable(Type.String()), created_at: Timestamp },
  { $id: 'AdminToken' },
);

export const AdminTokenCreated = Type.Object({
  id: Type.String(),
  name: Type.String(),
  token: Type.String({ description: 'shown once' }),
  tenant: Nullable(Type.String()),
  created_at: Timestamp,
});

export const AdminTokenCreate = Type.Object(
  { name: Text(200, 1), tenant: Type.Optional(Nullable(TenantId)) },
  { additionalProperties: false },
);
