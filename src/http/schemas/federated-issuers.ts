import { Type } from '@sinclair/typebox';
import { MAX_FEDERATED_AUDIENCES } from '../../domain/federation/issuer-rules.js';
import { FEDERATED_ISSUER_KINDS, FEDERATION_ALGS, MAX_FEDERATED_CREDENTIALS } from '../../domain/federation/model.js';
import { Nullable, Text, Timestamp } from './common.js';
import { JwksIn, JwksOut } from './jwks.js';

/** Checked by the domain (422 with a pointer): one of FEDERATED_ISSUER_KINDS. */
const Kind = Type.String({ maxLength: 32, description: `${FEDERATED_ISSUER_KINDS.join(', ')} (default oidc)` });
/** Checked by the domain (422 with a pointer): one of FEDERATION_ALGS. Never empty, so that the schema's coercion cannot turn `null` into `[""]`. */
const Alg = Type.String({ minLength: 1, maxLength: 16, description: FEDERATION_ALGS.join(', ') });

export const FederatedIssuer = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.String(),
    issuer: Type.String({ description: 'the exact iss of the tokens; spiffe://<trust domain> for spiffe' }),
    jwks: Nullable(JwksOut),
    jwks_uri: Nullable(Type.String()),
    discovery_url: Nullable(Type.String()),
    audiences: Nullable(Type.Array(Type.String(), { description: 'null: the tenant’s issuer and token endpoint' })),
    effective_audiences: Type.Array(Type.String(), { description: 'the aud values accepted' }),
    max_token_age: Type.Integer(),
    require_jti: Type.Boolean(),
    bearer_token_file: Nullable(Type.String()),
    allow_longer_than_assertion: Type.Boolean(),
    algorithms: Nullable(Type.Array(Type.String(), { description: 'null: every supported algorithm' })),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'FederatedIssuer' },
);

/** A federated issuer's settings besides name and issuer (the configuration document reuses them). */
export const federatedIssuerSettings = {
  kind: Type.Optional(Kind),
  jwks: Type.Optional(Nullable(JwksIn)),
  jwks_uri: Type.Optional(Nullable(Text(2000, 1))),
  discovery_url: Type.Optional(Nullable(Text(2000, 1))),
  audiences: Type.Optional(Nullable(Type.Array(Text(2000, 1), { minItems: 1, maxItems: MAX_FEDERATED_AUDIENCES }))),
  max_token_age: Type.Optional(Type.Integer({ minimum: 60, maximum: 86_400, description: 'seconds since iat a token is accepted (60–86400, default 3600)' })),
  require_jti: Type.Optional(Type.Boolean()),
  bearer_token_file: Type.Optional(Nullable(Text(4096, 1))),
  allow_longer_than_assertion: Type.Optional(Type.Boolean()),
  algorithms: Type.Optional(Nullable(Type.Array(Alg, { maxItems: 20 }))),
};

export const FederatedIssuerCreate = Type.Object({ name: Text(200, 1), issuer: Text(2000, 1), ...federatedIssuerSettings }, { additionalProperties: false });

export const FederatedIssuerPatch = Type.Object(
  { name: Type.Optional(Text(200, 1)), issuer: Type.Optional(Text(2000, 1)), ...federatedIssuerSettings },
  { additionalProperties: false },
);

/** A claim condition: the token's claim equals the string, or one of the strings. */
const ClaimConditionIn = Type.Union([
  Type.String({ minLength: 1, maxLength: 1024 }),
  Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { minItems: 1, maxItems: 50 }),
]);

export const FederatedCredentialIn = Type.Object(
  {
    issuer: Type.String({ minLength: 1, maxLength: 2000, description: 'a federated issuer of the tenant: its issuer or its id' }),
    subject: Type.String({ minLength: 1, maxLength: 1024, description: 'the exact sub, or "*" with at least one claim condition' }),
    claims: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 200 }), ClaimConditionIn, { maxProperties: 20 })),
  },
  { additionalProperties: false },
);

export const FederatedCredentialsIn = Type.Array(FederatedCredentialIn, { maxItems: MAX_FEDERATED_CREDENTIALS });

export const FederatedCredentialOut = Type.Object({
  id: Type.String(),
  issuer_id: Type.String(),
  issuer: Type.String(),
  subject: Type.String(),
  claims: Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())])),
});
