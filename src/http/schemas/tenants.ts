import { Type } from '@sinclair/typebox';
import { SIGNING_ALGS } from '../../domain/tenants/model.js';
import { TenantId, Text, Timestamp, TokenTtl } from './common.js';

const SigningAlg = Type.Union(SIGNING_ALGS.map((a) => Type.Literal(a)));

export const Tenant = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    issuer: Type.String(),
    signing_alg: Type.String(),
    access_token_ttl: Type.Integer(),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Tenant' },
);

export const TenantCreate = Type.Object(
  { id: TenantId, name: Type.Optional(Text(200, 1)), signing_alg: Type.Optional(SigningAlg), access_token_ttl: Type.Optional(TokenTtl) },
  { additionalProperties: false },
);

export const TenantPatch = Type.Object(
  { name: Type.Optional(Text(200, 1)), signing_alg: Type.Optional(SigningAlg), access_token_ttl: Type.Optional(TokenTtl) },
  { additionalProperties: false },
);
