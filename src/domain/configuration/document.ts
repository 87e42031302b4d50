import type { JSONWebKeySet } from 'jose';
import type { TokenExchangePolicy } from '../apis/model.js';
import type { ClientType, TokenEndpointAuthMethod } from '../clients/model.js';
import type { ClaimCondition } from '../federation/model.js';
import type { SigningAlg } from '../tenants/model.js';

/**
 * The configuration document (docs/gitops.md): Tessera's whole configuration as
 * data, in the admin API's field names. Objects are keyed by natural keys and refer to each other
 * by them; it never holds a secret. Its JSON Schema is src/http/schemas/config.ts, published at
 * `/config/schema.json` and committed as schema/config.schema.json.
 *
 * What an omitted member means:
 * - a tenant's settings (`name`, `signing_alg`, `access_token_ttl`, `tls_client_cas`): left as
 *   they are (a new tenant gets the defaults of `POST /tenants`);
 * - any member of an API, service account, client, grant or federated issuer: its default, as on
 *   create (so the document describes each object completely and re-applying it is a no-op);
 * - a tenant's list (`clients`, …): none; only `prune` deletes what the lists no longer name.
 */
export const CONFIG_VERSION = 1;

export interface ConfigDocument {
  version: typeof CONFIG_VERSION;
  tenants: TenantConfig[];
}

export interface TenantConfig {
  id: string;
  name?: string;
  signing_alg?: SigningAlg;
  access_token_ttl?: number;
  tls_client_cas?: string[];
  apis?: ApiConfig[];
  service_accounts?: ServiceAccountConfig[];
  clients?: ClientConfig[];
  grants?: GrantConfig[];
  federated_issuers?: FederatedIssuerConfig[];
}

/** Keyed by `identifier`. `urn:tessera:admin` (built in) may be named with `access_token_ttl` only. */
export interface ApiConfig {
  identifier: string;
  name?: string;
  scopes?: { value: string; description?: string }[];
  access_token_ttl?: number | null;
  dpop_bound_access_tokens?: boolean;
  /** A JSON object or null (any JSON here: the plan says what is wrong with it). */
  claims?: unknown;
  token_exchange?: TokenExchangePolicy;
}

/** Keyed by `user_name`. */
export interface ServiceAccountConfig {
  user_name: string;
  display_name?: string;
  active?: boolean;
  /** A JSON object or null (any JSON here: the plan says what is wrong with it). */
  claims?: unknown;
}

/** Keyed by `client_id`; `service_account` is the user_name of its service account. */
export interface ClientConfig {
  client_id: string;
  client_name?: string;
  client_type?: ClientType;
  grant_types?: string[];
  response_types?: string[];
  audience?: string[];
  scope?: string;
  token_endpoint_auth_method?: TokenEndpointAuthMethod | null;
  tls_client_auth_subject_dn?: string | null;
  tls_client_auth_san_dns?: string | null;
  tls_client_auth_san_uri?: string | null;
  tls_client_auth_san_ip?: string | null;
  tls_client_auth_san_email?: string | null;
  jwks?: JSONWebKeySet | null;
  jwks_uri?: string | null;
  service_account?: string | null;
  access_token_ttl?: number | null;
  active?: boolean;
  dpop_bound_access_tokens?: boolean;
  tls_client_certificate_bound_access_tokens?: boolean;
  token_quota?: { per_hour?: number; per_day?: number; enforce: boolean } | null;
  /** `issuer` is the federated issuer's `issuer` (its natural key). */
  federated_credentials?: { issuer: string; subject: string; claims?: Record<string, ClaimCondition> }[];
  /** A JSON object or null (any JSON here: the plan says what is wrong with it). */
  claims?: unknown;
  claim_mappings?: Record<string, string> | null;
}

/** Keyed by (subject, api): exactly one of `client` (client_id) and `service_account` (user_name); `api` is an identifier. */
export interface GrantConfig {
  client?: string;
  service_account?: string;
  api: string;
  scopes: string[];
}

/** Keyed by `issuer`. */
export interface FederatedIssuerConfig {
  issuer: string;
  name?: string;
  kind?: string;
  jwks?: JSONWebKeySet | null;
  jwks_uri?: string | null;
  discovery_url?: string | null;
  audiences?: string[] | null;
  max_token_age?: number;
  require_jti?: boolean;
  bearer_token_file?: string | null;
  allow_longer_than_assertion?: boolean;
  algorithms?: string[] | null;
}

export const OBJECT_KINDS = ['tenant', 'api', 'service_account', 'client', 'grant', 'federated_issuer'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

export const CHANGE_ACTIONS = ['create', 'update', 'delete', 'unchanged'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

/** One line of a plan: what happens (or happened) to one object. */
export interface PlannedChange {
  action: ChangeAction;
  kind: ObjectKind;
  tenant: string;
  /** The natural key as a string; a grant's is `client:ID>API` or `service_account:NAME>API`. */
  key: string;
  /** For an update: the members that change, in document order. */
  fields?: string[];
  /** For an update: each changing member's value before and after (documents hold no secret, so neither does this). */
  diff?: Record<string, { from: unknown; to: unknown }>;
}

/** A secret of a client this apply created: shown here once, never again. */
export interface CreatedSecret {
  tenant: string;
  client_id: string;
  client_secret: string;
}

/** A secret the caller brings for a client the apply creates (imported from Keycloak): stored as its digest, never returned. */
export interface ProvidedSecret {
  tenant: string;
  client_id: string;
  client_secret: string;
}

export interface ApplyOptions {
  /** Plan only: nothing is written. */
  dryRun: boolean;
  /** Delete the managed objects of the named tenants that the document no longer names. */
  prune: boolean;
  /** Secrets for clients the apply creates; ignored for clients that exist. */
  clientSecrets: ProvidedSecret[];
}

/** The answer of an apply or a plan (docs/api.md#configuration). */
export interface ApplyResult {
  /** False for a plan (dry run). */
  applied: boolean;
  changes: PlannedChange[];
  secrets: CreatedSecret[];
}

/** The key of a grant in a plan: `client:ID>API` or `service_account:NAME>API`. */
export function grantKey(grant: Pick<GrantConfig, 'client' | 'service_account' | 'api'>): string {
  return grant.client !== undefined ? `client:${grant.client}>${grant.api}` : `service_account:${grant.service_account ?? ''}>${grant.api}`;
}

/** The largest document `POST /config/apply` takes. */
export const MAX_CONFIG_BYTES = 32 * 1024 * 1024;
