import { Type } from '@sinclair/typebox';
import { Nullable, Text, Timestamp } from './common.js';

/** The public members of a JWK, listed one by one so that no private member can be serialised. */
export const PublicJwk = Type.Object({
  kty: Type.String(),
  kid: Type.String(),
  alg: Type.String(),
  use: Type.String(),
  n: Type.Optional(Type.String()),
  e: Type.Optional(Type.String()),
  crv: Type.Optional(Type.String()),
  x: Type.Optional(Type.String()),
  y: Type.Optional(Type.String()),
});

export const SigningKey = Type.Object(
  {
    kid: Type.String(),
    alg: Type.String(),
    status: Type.Union([Type.Literal('next'), Type.Literal('active'), Type.Literal('retired')]),
    created_at: Timestamp,
    activated_at: Nullable(Timestamp),
    retired_at: Nullable(Timestamp),
    publish_until: Nullable(Timestamp),
    public_jwk: PublicJwk,
  },
  { $id: 'SigningKey' },
);

export const RotateQuery = Type.Object(
  {
    emergency: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'sign at once with a fresh key and replace the next key too (both may be compromised); verifiers must refetch the JWKS',
      }),
    ),
    reason: Type.Optional(Text(500)),
  },
  { additionalProperties: false },
);
