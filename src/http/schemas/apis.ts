import { Type } from '@sinclair/typebox';
import { ClaimsIn, ClaimsOut } from './claims.js';
import { Nullable, Text, Timestamp, TokenTtl } from './common.js';

/** An API's token exchange policy (RFC 8693): `deny` refuses exchanged tokens for it. */
export const TokenExchange = Type.Union([Type.Literal('allow'), Type.Literal('deny')], {
  description: 'whether exchanged tokens (RFC 8693 token exchange) may be issued for this API; default allow',
});

const ScopeOut = Type.Object({ value: Type.String(), description: Type.String() });
export const ScopeIn = Type.Object(
  { value: Type.String({ minLength: 1, maxLength: 128 }), description: Type.Optional(Text(500)) },
  { additionalProperties: false },
);

export const Api = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    identifier: Type.String({ description: 'the audience of its tokens' }),
    scopes: Type.Array(ScopeOut),
    access_token_ttl: Nullable(Type.Integer()),
    dpop_bound_access_tokens: Type.Boolean({ description: 'tokens for this API must be DPoP-bound (RFC 9449)' }),
    claims: ClaimsOut,
    token_exchange: TokenExchange,
    built_in: Type.Boolean({ description: 'the built-in API urn:tessera:admin: only access_token_ttl can change, it cannot be deleted' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Api' },
);

export const ApiCreate = Type.Object(
  {
    name: Type.Optional(Text(200, 1)),
    identifier: Text(512, 1),
    scopes: Type.Optional(Type.Array(ScopeIn, { maxItems: 500 })),
    access_token_ttl: Type.Optional(Nullable(TokenTtl)),
    dpop_bound_access_tokens: Type.Optional(Type.Boolean()),
    claims: Type.Optional(ClaimsIn),
    token_exchange: Type.Optional(TokenExchange),
  },
  { additionalProperties: false },
);

export const ApiPatch = Type.Object(
  {
    name: Type.Optional(Text(200, 1)),
    identifier: Type.Optional(Text(512, 1)),
    scopes: Type.Optional(Type.Array(ScopeIn, { maxItems: 500 })),
    access_token_ttl: Type.Optional(Nullable(TokenTtl)),
    dpop_bound_access_tokens: Type.Optional(Type.Boolean()),
    claims: Type.Optional(ClaimsIn),
    token_exchange: Type.Optional(TokenExchange),
  },
  { additionalProperties: false },
);
