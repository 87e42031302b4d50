import { Type } from '@sinclair/typebox';
import { ClaimsIn, ClaimsOut } from './claims.js';
import { PageQuery, Text, Timestamp, WORD_PATTERN } from './common.js';

export const UserName = Type.String({ minLength: 1, maxLength: 128, pattern: WORD_PATTERN });

export const ServiceAccount = Type.Object(
  {
    id: Type.String(),
    user_name: Type.String(),
    display_name: Type.String(),
    active: Type.Boolean(),
    claims: ClaimsOut,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'ServiceAccount' },
);

/** Create: snake_case or the SCIM names `userName`, `displayName` (guide 001). */
export const ServiceAccountCreate = Type.Object(
  {
    user_name: Type.Optional(UserName),
    userName: Type.Optional(UserName),
    display_name: Type.Optional(Text(200)),
    displayName: Type.Optional(Text(200)),
    active: Type.Optional(Type.Boolean({ default: true })),
    claims: Type.Optional(ClaimsIn),
    schemas: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 10, description: 'SCIM schemas; ignored' })),
  },
  { additionalProperties: false },
);

export const ServiceAccountPatch = Type.Object(
  {
    user_name: Type.Optional(UserName),
    display_name: Type.Optional(Text(200)),
    active: Type.Optional(Type.Boolean()),
    claims: Type.Optional(ClaimsIn),
  },
  { additionalProperties: false },
);

export const ServiceAccountListQuery = Type.Object({ ...PageQuery, search: Type.Optional(Text(128)) }, { additionalProperties: false });
