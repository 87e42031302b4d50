import { Type } from '@sinclair/typebox';
import { CLIENT_ID_PATTERN } from '../../domain/clients/model.js';
import { CHANGE_ACTIONS, CONFIG_VERSION, OBJECT_KINDS } from '../../domain/configuration/document.js';
import { ScopeIn, TokenExchange } from './apis.js';
import { ClaimsIn } from './claims.js';
import { clientMetadata } from './clients.js';
import { Nullable, TenantId, Text, TokenTtl } from './common.js';
import { federatedIssuerSettings } from './federated-issuers.js';
import { UserName } from './service-accounts.js';
import { ClientCas, SigningAlg } from './tenants.js';

/*
 * The configuration document (src/domain/configuration/document.ts says what an
 * omitted member means). The admin API's field names; objects refer to each other by natural keys.
 * `scripts/config-schema.mjs` writes it to schema/config.schema.json; `/config/schema.json` serves it.
 */

const ClientId = Type.String({ pattern: CLIENT_ID_PATTERN, description: 'the client id (natural key)' });

const ApiConfig = Type.Object(
  {
    identifier: Text(512, 1),
    name: Type.Optional(Text(200, 1)),
    scopes: Type.Optional(Type.Array(ScopeIn, { maxItems: 500 })),
    access_token_ttl: Type.Optional(Nullable(TokenTtl)),
    dpop_bound_access_tokens: Type.Optional(Type.Boolean()),
    claims: Type.Optional(ClaimsIn),
    token_exchange: Type.Optional(TokenExchange),
  },
  { additionalProperties: false, description: 'an API, keyed by identifier; urn:tessera:admin (built in) takes access_token_ttl only' },
);

const ServiceAccountConfig = Type.Object(
  { user_name: UserName, display_name: Type.Optional(Text(200)), active: Type.Optional(Type.Boolean()), claims: Type.Optional(ClaimsIn) },
  { additionalProperties: false, description: 'a service account, keyed by user_name' },
);

const { service_account_id: _byId, ...clientMembers } = clientMetadata;

const ClientConfig = Type.Object(
  {
    client_id: ClientId,
    ...clientMembers,
    service_account: Type.Optional(Nullable(UserName)),
  },
  { additionalProperties: false, description: 'a client, keyed by client_id; service_account is the user_name of its service account; never a secret' },
);

const GrantConfig = Type.Object(
  {
    client: Type.Optional(ClientId),
    service_account: Type.Optional(UserName),
    api: Text(512, 1),
    scopes: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 500 }),
  },
  { additionalProperties: false, description: 'scopes of an API (identifier) granted to a client or a service account (exactly one); keyed by the two' },
);

const FederatedIssuerConfig = Type.Object(
  { issuer: Text(2000, 1), name: Type.Optional(Text(200, 1)), ...federatedIssuerSettings },
  { additionalProperties: false, description: 'a federated issuer, keyed by issuer' },
);

const TenantConfig = Type.Object(
  {
    id: TenantId,
    name: Type.Optional(Text(200, 1)),
    signing_alg: Type.Optional(SigningAlg),
    access_token_ttl: Type.Optional(TokenTtl),
    tls_client_cas: Type.Optional(ClientCas),
    apis: Type.Optional(Type.Array(ApiConfig)),
    service_accounts: Type.Optional(Type.Array(ServiceAccountConfig)),
    clients: Type.Optional(Type.Array(ClientConfig)),
    grants: Type.Optional(Type.Array(GrantConfig)),
    federated_issuers: Type.Optional(Type.Array(FederatedIssuerConfig)),
  },
  { additionalProperties: false, description: 'a tenant, keyed by id; omitted settings are left as they are' },
);

const documentMembers = {
  version: Type.Literal(CONFIG_VERSION),
  tenants: Type.Array(TenantConfig),
};

/** The configuration document, as published (schema/config.schema.json, /config/schema.json). */
export const ConfigDocument = Type.Object(documentMembers, {
  $id: 'ConfigDocument',
  title: 'Tessera configuration document',
  additionalProperties: false,
});

const ProvidedSecret = Type.Object(
  { tenant: TenantId, client_id: ClientId, client_secret: Type.String({ minLength: 16, maxLength: 512 }) },
  { additionalProperties: false },
);

/** `POST /config/apply`: a document, with secrets for the clients it creates when they have one already (`tessera import keycloak`). */
export const ConfigApplyBody = Type.Object(
  {
    ...documentMembers,
    client_secrets: Type.Optional(
      Type.Array(ProvidedSecret, { maxItems: 100_000, description: 'secrets of clients this apply creates (stored as digests, never returned)' }),
    ),
  },
  { additionalProperties: false },
);

export const ConfigApplyQuery = Type.Object(
  {
    dry_run: Type.Optional(Type.Boolean({ default: false, description: 'plan only: nothing changes' })),
    prune: Type.Optional(Type.Boolean({ default: false, description: 'delete managed objects the document no longer names, in the tenants it names' })),
    reason: Type.Optional(Text(500)),
  },
  { additionalProperties: false },
);

const PlannedChange = Type.Object({
  action: Type.Union(CHANGE_ACTIONS.map((a) => Type.Literal(a))),
  kind: Type.Union(OBJECT_KINDS.map((k) => Type.Literal(k))),
  tenant: Type.String(),
  key: Type.String({ description: 'the natural key; a grant: client:ID>API or service_account:NAME>API' }),
  fields: Type.Optional(Type.Array(Type.String(), { description: 'update: the members that change' })),
  diff: Type.Optional(Type.Record(Type.String(), Type.Object({ from: Type.Unknown(), to: Type.Unknown() }))),
});

export const ConfigApplyResult = Type.Object(
  {
    applied: Type.Boolean({ description: 'false for a plan (dry_run)' }),
    changes: Type.Array(PlannedChange),
    secrets: Type.Array(Type.Object({ tenant: Type.String(), client_id: Type.String(), client_secret: Type.String() }), {
      description: 'the secret of each client this apply created: shown once',
    }),
  },
  { $id: 'ConfigApplyResult' },
);

export const ConfigExportQuery = Type.Object(
  {
    tenant: Type.Optional(TenantId),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('yaml')], { description: 'default: YAML when Accept asks for it, else JSON' })),
  },
  { additionalProperties: false },
);

/** The document as JSON Schema for editors and CI (draft-07, which Fastify's validator speaks too). */
export function publishedConfigSchema(): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...(JSON.parse(JSON.stringify(ConfigDocument)) as Record<string, unknown>) };
}
