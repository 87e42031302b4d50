import { Type } from '@sinclair/typebox';
import { Nullable, TenantId, Text, Timestamp } from './common.js';

const Scopes = Type.Array(Type.String(), { description: 'the scopes of urn:tessera:admin the token holds (admin: every one)' });
const ExpiresAt = Nullable(Type.String({ description: 'RFC 3339 UTC time from which the token is refused; null: it does not expire' }));

export const AdminToken = Type.Object(
  { id: Type.String(), name: Type.String(), tenant: Nullable(Type.String()), scopes: Scopes, created_at: Timestamp, expires_at: ExpiresAt },
  { $id: 'AdminToken' },
);

export const AdminTokenCreated = Type.Object({
  id: Type.String(),
  name: Type.String(),
  token: Type.String({ description: 'shown once' }),
  tenant: Nullable(Type.String()),
  scopes: Scopes,
  created_at: Timestamp,
  expires_at: ExpiresAt,
});

export const AdminTokenCreate = Type.Object(
  {
    name: Text(200, 1),
    tenant: Type.Optional(Nullable(TenantId)),
    // Which scopes, and how many (1-30), is checked by the service, so that an unknown one is a 422 field error on /scopes/N.
    scopes: Type.Optional(
      Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100, description: 'scopes of urn:tessera:admin (1-30, distinct); omitted: ["admin"]' }),
    ),
    // The range (60–31536000) is checked by the service, so that it is a 422 field error on /expires_in.
    expires_in: Type.Optional(Type.Integer({ description: 'the token stops working this many seconds from now (60–31536000); omitted: it does not expire' })),
  },
  { additionalProperties: false },
);
