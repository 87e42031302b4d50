import type { Generated } from 'kysely';

/**
 * Row types of every table, as Kysely sees them. Times are ISO 8601 UTC strings, booleans are
 * 0/1 integers and lists are JSON text, so that one schema runs on SQLite and PostgreSQL alike.
 */
export interface TenantsTable {
  id: string;
  name: string;
  signing_alg: string;
  access_token_ttl: number;
  /** JSON array of PEM strings. */
  tls_client_cas: string;
  created_at: string;
  updated_at: string;
}

export interface ServiceAccountsTable {
  tenant_id: string;
  id: string;
  user_name: string;
  display_name: string;
  active: number;
  created_at: string;
  updated_at: string;
  /** 1 once a configuration document named it (migration 0010): `prune` may delete it. */
  managed: Generated<number>;
  /** Claims added to the tokens of its clients (JSON object), or null (migration 0011). */
  claims: Generated<string | null>;
}

export interface ClientsTable {
  tenant_id: string;
  client_id: string;
  client_name: string;
  client_type: string;
  grant_types: string;
  response_types: string;
  audience: string;
  scope: string;
  token_endpoint_auth_method: string | null;
  jwks: string | null;
  jwks_uri: string | null;
  service_account_id: string | null;
  access_token_ttl: number | null;
  active: number;
  dpop_bound_access_tokens: number;
  tls_client_auth_field: string | null;
  tls_client_auth_value: string | null;
  tls_client_certificate_bound_access_tokens: number;
  created_at: string;
  updated_at: string;
  /** 1 once a configuration document named it (migration 0010): `prune` may delete it. */
  managed: Generated<number>;
  /** Claims added to its tokens (JSON object), or null (migration 0011). */
  claims: Generated<string | null>;
  /** Federated clients: token claim name to federated token claim name (JSON object), or null. */
  claim_mappings: Generated<string | null>;
  /** {per_hour?, per_day?, enforce} (JSON), or null for no quota. */
  token_quota: Generated<string | null>;
}

export interface ClientSecretsTable {
  tenant_id: string;
  id: string;
  client_id: string;
  digest: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

export interface ApisTable {
  tenant_id: string;
  id: string;
  name: string;
  identifier: string;
  scopes: string;
  access_token_ttl: number | null;
  dpop_bound_access_tokens: number;
  /** 1 for the built-in API `urn:tessera:admin` (migration 0009). */
  built_in: Generated<number>;
  created_at: string;
  updated_at: string;
  /** 1 once a configuration document named it (migration 0010): `prune` may delete it. */
  managed: Generated<number>;
  /** Claims added to tokens for this API (JSON object), or null (migration 0011). */
  claims: Generated<string | null>;
  /** 'allow' or 'deny': whether exchanged tokens may be issued for this API (RFC 8693). */
  token_exchange: Generated<string>;
}

export interface GrantsTable {
  tenant_id: string;
  id: string;
  client_id: string | null;
  service_account_id: string | null;
  api_id: string;
  scopes: string;
  created_at: string;
  /** 1 once a configuration document named it (migration 0010): `prune` may delete it. */
  managed: Generated<number>;
}

export interface SigningKeysTable {
  tenant_id: string;
  kid: string;
  alg: string;
  status: string;
  public_jwk: string;
  private_key: string;
  created_at: string;
  activated_at: string | null;
  retired_at: string | null;
  publish_until: string | null;
}

export interface AdminTokensTable {
  id: string;
  tenant_id: string | null;
  name: string;
  digest: string;
  created_at: string;
  /** 'sha256' or 'hmac-sha256' (migration 0006). */
  digest_kind: string;
  expires_at: string | null;
  /** 'environment' for the record of TESSERA_ADMIN_TOKEN, else null. */
  source: string | null;
  /** JSON array of the scopes of urn:tessera:admin the token holds (migration 0009; existing tokens: ["admin"]). */
  scopes: Generated<string>;
}

export interface AuditEventsTable {
  id: string;
  tenant_id: string | null;
  occurred_at: string;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  reason: string | null;
  details: string;
  /** JSON {tenant, client_id, federated?: {iss, sub}} of an access token that acted (migration 0009), else null. */
  actor_detail: Generated<string | null>;
}

export interface RevokedTokensTable {
  tenant_id: string;
  jti: string;
  client_id: string;
  expires_at: string;
  revoked_at: string;
}

export interface TokenCutoffsTable {
  tenant_id: string;
  client_id: string;
  cutoff_at: string;
}

/** A client assertion `jti` already used, kept until the assertion could no longer be accepted. */
export interface ClientAssertionJtisTable {
  tenant_id: string;
  client_id: string;
  jti: string;
  expires_at: string;
}

/** Token endpoint outcomes of one client (or '' for no known client) in one minute, summed over processes. */
export interface TokenActivityTable {
  tenant_id: string;
  /** Minutes since the Unix epoch. */
  minute: number;
  client_id: string;
  issued: number;
  auth_failures: number;
  other_refusals: number;
}

/** A platform a tenant trusts to vouch for workloads (docs/federation.md); JSON text for jwks, audiences and algorithms. */
export interface FederatedIssuersTable {
  tenant_id: string;
  id: string;
  name: string;
  kind: string;
  issuer: string;
  jwks: string | null;
  jwks_uri: string | null;
  discovery_url: string | null;
  /** JSON list, or null: the tenant's issuer and token endpoint. */
  audiences: string | null;
  max_token_age: number;
  require_jti: number;
  bearer_token_file: string | null;
  allow_longer_than_assertion: number;
  /** JSON list, or null: every algorithm Tessera verifies. */
  algorithms: string | null;
  created_at: string;
  updated_at: string;
  /** 1 once a configuration document named it (migration 0010): `prune` may delete it. */
  managed: Generated<number>;
}

/** A federated credential of a client: `claims` is canonical JSON; `digest` identifies (subject, claims) for the unique index. */
export interface FederatedCredentialsTable {
  tenant_id: string;
  id: string;
  client_id: string;
  issuer_id: string;
  subject: string;
  claims: string;
  digest: string;
  /** The credential's place in the client's list, as given. */
  position: number;
}

/** A federated assertion `jti` already used (issuers with require_jti), kept until the assertion could no longer be accepted. */
export interface FederatedAssertionJtisTable {
  tenant_id: string;
  issuer_id: string;
  jti: string;
  expires_at: string;
}

/** Tokens issued per client, period and window by one server, shared with the others (migration 0011). */
export interface TokenQuotaCountsTable {
  tenant_id: string;
  client_id: string;
  /** 'hour' or 'day'. */
  period: string;
  /** Start of the window, epoch seconds. */
  window_start: number;
  server_id: string;
  count: number;
  updated_at: string;
}

export interface Database {
  token_quota_counts: TokenQuotaCountsTable;
  tenants: TenantsTable;
  service_accounts: ServiceAccountsTable;
  clients: ClientsTable;
  client_secrets: ClientSecretsTable;
  apis: ApisTable;
  grants: GrantsTable;
  signing_keys: SigningKeysTable;
  admin_tokens: AdminTokensTable;
  audit_events: AuditEventsTable;
  revoked_tokens: RevokedTokensTable;
  token_cutoffs: TokenCutoffsTable;
  client_assertion_jtis: ClientAssertionJtisTable;
  token_activity: TokenActivityTable;
  federated_issuers: FederatedIssuersTable;
  federated_credentials: FederatedCredentialsTable;
  federated_assertion_jtis: FederatedAssertionJtisTable;
}
