import { Type } from '@sinclair/typebox';
import { SIGNING_ALGS } from '../../domain/tenants/model.js';
import { MAX_TENANT_CLIENT_CAS } from '../../domain/tenants/client-cas.js';
import { CaDetailsOut } from './certificates.js';
import { TenantId, Text, Timestamp, TokenTtl } from './common.js';

export const SigningAlg = Type.Union(SIGNING_ALGS.map((a) => Type.Literal(a)));

export const Tenant = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    issuer: Type.String(),
    signing_alg: Type.String(),
    access_token_ttl: Type.Integer(),
    tls_client_cas: Type.Array(Type.String(), { description: 'PEM certificates of the CAs trusted for tls_client_auth besides TESSERA_TLS_CLIENT_CA' }),
    tls_client_ca_details: Type.Array(CaDetailsOut, { description: 'what each of tls_client_cas holds, in the same order' }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'Tenant' },
);

/** A tenant's own CAs for tls_client_auth (RFC 8705 §2.1): one PEM CA certificate each, checked by the domain. */
export const ClientCas = Type.Array(Type.String({ maxLength: 65_536 }), {
  description: `at most ${MAX_TENANT_CLIENT_CAS} PEM CA certificates, each one certificate; replaces the list`,
});

export const TenantCreate = Type.Object(
  {
    id: TenantId,
    name: Type.Optional(Text(200, 1)),
    signing_alg: Type.Optional(SigningAlg),
    access_token_ttl: Type.Optional(TokenTtl),
    tls_client_cas: Type.Optional(ClientCas),
  },
  { additionalProperties: false },
);

export const TenantPatch = Type.Object(
  {
    name: Type.Optional(Text(200, 1)),
    signing_alg: Type.Optional(SigningAlg),
    access_token_ttl: Type.Optional(TokenTtl),
    tls_client_cas: Type.Optional(ClientCas),
  },
  { additionalProperties: false },
);
