import { Type, type TSchema } from '@sinclair/typebox';
import { CLIENT_ID_PATTERN, CLIENT_TYPES, TOKEN_ENDPOINT_AUTH_METHODS } from '../../domain/clients/model.js';
import { ClaimMappingsIn, ClaimMappingsOut, ClaimsIn, ClaimsOut } from './claims.js';
import { ClientCertificateOut } from './certificates.js';
import { Nullable, PageQuery, Text, Timestamp, TokenTtl } from './common.js';
import { FederatedCredentialOut, FederatedCredentialsIn } from './federated-issuers.js';
import { JwksIn, JwksOut } from './jwks.js';

const ClientSecretInfo = Type.Object({
  id: Type.String(),
  created_at: Timestamp,
  expires_at: Nullable(Timestamp),
  last_used_at: Nullable(Timestamp),
});

/** The five RFC 8705 §2.1.2 metadata names (`tls_client_auth_subject_dn`, …), each with `schema`. */
function tlsClientAuthFields<T extends TSchema>(schema: T) {
  return {
    tls_client_auth_subject_dn: schema,
    tls_client_auth_san_dns: schema,
    tls_client_auth_san_uri: schema,
    tls_client_auth_san_ip: schema,
    tls_client_auth_san_email: schema,
  };
}

/** A client's token quota (docs/quotas.md): tokens per UTC hour and per UTC day, refused over it when `enforce`, else only observed. */
export const TokenQuotaMembers = Type.Object(
  {
    per_hour: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'tokens per UTC hour' })),
    per_day: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'tokens per UTC day' })),
    enforce: Type.Boolean({ description: 'true: refused with 429 over the quota; false: issued and counted (observed)' }),
  },
  { additionalProperties: false },
);

const clientFields = {
  client_id: Type.String(),
  client_name: Type.String(),
  client_type: Type.String(),
  grant_types: Type.Array(Type.String()),
  response_types: Type.Array(Type.String()),
  audience: Type.Array(Type.String()),
  scope: Type.String(),
  token_endpoint_auth_method: Nullable(Type.String()),
  ...tlsClientAuthFields(Type.Optional(Type.String({ description: 'RFC 8705 §2.1.2; present for a tls_client_auth client only' }))),
  jwks: Nullable(JwksOut),
  jwks_uri: Nullable(Type.String()),
  certificates: Type.Optional(Type.Array(ClientCertificateOut, { description: 'the certificate (x5c) of each key of jwks that holds one' })),
  service_account_id: Nullable(Type.String()),
  access_token_ttl: Nullable(Type.Integer()),
  active: Type.Boolean(),
  dpop_bound_access_tokens: Type.Boolean({ description: 'RFC 9449 §5.2: every token request must carry a DPoP proof' }),
  tls_client_certificate_bound_access_tokens: Type.Boolean({ description: "RFC 8705 §3: every access token is bound to the client's certificate" }),
  token_quota: Nullable(TokenQuotaMembers),
  client_id_issued_at: Type.Integer({ description: 'RFC 7591: seconds since the epoch' }),
  created_at: Timestamp,
  updated_at: Timestamp,
  client_secrets: Type.Array(ClientSecretInfo, { description: 'secret metadata; never the values' }),
  federated_credentials: Type.Array(FederatedCredentialOut, { description: 'platform tokens that authenticate the client' }),
  claims: ClaimsOut,
  claim_mappings: ClaimMappingsOut,
};

/** A client as every read answers it: no secret value, ever. */
export const Client = Type.Object(clientFields, { $id: 'Client' });

/** The create answer: the only response that holds `client_secret`. */
export const ClientCreated = Type.Object(
  {
    ...clientFields,
    client_secret: Type.Optional(Type.String({ description: 'shown once' })),
    client_secret_expires_at: Type.Optional(Type.Integer({ description: 'RFC 7591: 0, the secret does not expire' })),
  },
  { $id: 'ClientCreated' },
);

/** The members a client is registered and changed with (the configuration document's clients reuse them). */
export const clientMetadata = {
  client_name: Type.Optional(Text(200)),
  client_type: Type.Optional(Type.Union(CLIENT_TYPES.map((t) => Type.Literal(t)))),
  grant_types: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 10 })),
  response_types: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50 }), { maxItems: 10 })),
  audience: Type.Optional(Type.Array(Text(512, 1), { maxItems: 100 })),
  scope: Type.Optional(Text(4000)),
  token_endpoint_auth_method: Type.Optional(Nullable(Type.Union(TOKEN_ENDPOINT_AUTH_METHODS.map((m) => Type.Literal(m))))),
  ...tlsClientAuthFields(
    Type.Optional(Nullable(Type.String({ minLength: 1, description: 'RFC 8705 §2.1.2: one of the five with tls_client_auth; null clears' }))),
  ),
  jwks: Type.Optional(Nullable(JwksIn)),
  jwks_uri: Type.Optional(Nullable(Text(2000, 1))),
  service_account_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
  access_token_ttl: Type.Optional(Nullable(TokenTtl)),
  active: Type.Optional(Type.Boolean()),
  dpop_bound_access_tokens: Type.Optional(Type.Boolean()),
  tls_client_certificate_bound_access_tokens: Type.Optional(Type.Boolean()),
  token_quota: Type.Optional(Nullable(TokenQuotaMembers)),
  federated_credentials: Type.Optional(FederatedCredentialsIn),
  claims: Type.Optional(ClaimsIn),
  claim_mappings: Type.Optional(ClaimMappingsIn),
};

export const ClientCreate = Type.Object(
  { client_id: Type.Optional(Type.String({ pattern: CLIENT_ID_PATTERN })), ...clientMetadata },
  { additionalProperties: false },
);

export const ClientPatch = Type.Object(clientMetadata, { additionalProperties: false });

export const ClientListQuery = Type.Object(
  { ...PageQuery, service_account_id: Type.Optional(Type.String({ maxLength: 64 })) },
  { additionalProperties: false },
);

export const SecretCreate = Type.Object(
  {
    expires_in: Type.Optional(Type.Integer({ minimum: 0, maximum: 31_536_000, description: 'the existing secrets expire this many seconds from now' })),
  },
  { additionalProperties: false },
);

export const SecretCreated = Type.Object({
  id: Type.String(),
  client_secret: Type.String({ description: 'shown once' }),
  created_at: Timestamp,
  expires_at: Nullable(Timestamp),
});
