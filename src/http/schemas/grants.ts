import { Type } from '@sinclair/typebox';
import { ClientIdRef, Nullable, PageQuery, Timestamp } from './common.js';

export const Grant = Type.Object(
  {
    id: Type.String(),
    client_id: Nullable(Type.String()),
    service_account_id: Nullable(Type.String()),
    api_id: Type.String(),
    api_identifier: Type.String(),
    scopes: Type.Array(Type.String()),
    created_at: Timestamp,
  },
  { $id: 'Grant' },
);

export const GrantCreate = Type.Object(
  {
    client_id: Type.Optional(ClientIdRef({ minLength: 1 })),
    service_account_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    api_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    api_identifier: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    scopes: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 500 }),
  },
  { additionalProperties: false },
);

export const GrantListQuery = Type.Object(
  {
    ...PageQuery,
    client_id: Type.Optional(ClientIdRef()),
    service_account_id: Type.Optional(Type.String({ maxLength: 64 })),
    api_id: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
