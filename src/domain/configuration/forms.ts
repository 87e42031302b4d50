import type { JSONWebKeySet } from 'jose';
import { splitScope } from '../apis/model.js';
import type { Api, ApiScope, TokenExchangePolicy } from '../apis/model.js';
import type { ClaimMappings, Claims } from '../claims/model.js';
import { storedClaims } from '../claims/rules.js';
import { isConfidential, TLS_CLIENT_AUTH_FIELDS, type Client, type ClientType, type TokenEndpointAuthMethod } from '../clients/model.js';
import { storedTlsClientAuth, tlsClientAuthMember, tlsClientAuthOfMembers } from '../clients/tls-names.js';
import { canonicalClaims } from '../federation/credentials.js';
import { DEFAULT_MAX_TOKEN_AGE, type ClaimCondition, type FederatedIssuer } from '../federation/model.js';
import type { Grant } from '../grants/model.js';
import type { ServiceAccount } from '../service-accounts/model.js';
import { quotaMembers, quotaOfMembers } from '../quotas/model.js';
import type { ApiConfig, ClientConfig, FederatedIssuerConfig, GrantConfig, ServiceAccountConfig } from './document.js';

/*
 * Forms: each object of a document with every member present, omitted ones at their create
 * default (document.ts), in document order. The desired objects and the stored ones are both
 * brought to this form, then compared member by member; export leaves out what equals the default.
 */

export interface ApiForm {
  identifier: string;
  name: string;
  scopes: ApiScope[];
  access_token_ttl: number | null;
  dpop_bound_access_tokens: boolean;
  claims: Claims | null;
  token_exchange: TokenExchangePolicy;
}

/** The built-in API `urn:tessera:admin`: only its token lifetime is the document's. */
export interface BuiltInApiForm {
  identifier: string;
  access_token_ttl: number | null;
}

export interface ServiceAccountForm {
  user_name: string;
  display_name: string;
  active: boolean;
  claims: Claims | null;
}

export interface CredentialForm {
  issuer: string;
  subject: string;
  claims: Record<string, ClaimCondition>;
}

export type TlsNameMember = `tls_client_auth_${(typeof TLS_CLIENT_AUTH_FIELDS)[number]}`;

export type ClientForm = {
  client_id: string;
  client_name: string;
  client_type: ClientType;
  grant_types: string[];
  response_types: string[];
  audience: string[];
  scope: string;
  token_endpoint_auth_method: TokenEndpointAuthMethod | null;
} & Record<TlsNameMember, string | null> & {
    jwks: JSONWebKeySet | null;
    jwks_uri: string | null;
    service_account: string | null;
    access_token_ttl: number | null;
    active: boolean;
    dpop_bound_access_tokens: boolean;
    tls_client_certificate_bound_access_tokens: boolean;
    token_quota: { per_hour?: number; per_day?: number; enforce: boolean } | null;
    federated_credentials: CredentialForm[];
    claims: Claims | null;
    claim_mappings: ClaimMappings | null;
  };

export interface GrantForm {
  client?: string;
  service_account?: string;
  api: string;
  scopes: string[];
}

export interface IssuerForm {
  issuer: string;
  name: string;
  kind: string;
  jwks: JSONWebKeySet | null;
  jwks_uri: string | null;
  discovery_url: string | null;
  audiences: string[] | null;
  max_token_age: number;
  require_jti: boolean;
  bearer_token_file: string | null;
  allow_longer_than_assertion: boolean;
  algorithms: string[] | null;
}

/** Keeps only the `keys` member of a JWK Set: what verification reads (as the services store it). */
const keySet = (jwks: JSONWebKeySet | null | undefined): JSONWebKeySet | null => (jwks === null || jwks === undefined ? null : { keys: jwks.keys });

export function desiredApi(c: ApiConfig): ApiForm {
  return {
    identifier: c.identifier,
    name: c.name ?? c.identifier,
    scopes: (c.scopes ?? []).map((s) => ({ value: s.value, description: s.description ?? '' })),
    access_token_ttl: c.access_token_ttl ?? null,
    dpop_bound_access_tokens: c.dpop_bound_access_tokens ?? false,
    claims: storedClaims(c.claims),
    token_exchange: c.token_exchange ?? 'allow',
  };
}

export function apiForm(a: Api): ApiForm {
  return {
    identifier: a.identifier,
    name: a.name,
    scopes: a.scopes.map((s) => ({ value: s.value, description: s.description })),
    access_token_ttl: a.accessTokenTtl,
    dpop_bound_access_tokens: a.dpopBoundAccessTokens,
    claims: a.claims,
    token_exchange: a.tokenExchange,
  };
}

export function desiredServiceAccount(c: ServiceAccountConfig): ServiceAccountForm {
  return { user_name: c.user_name, display_name: c.display_name ?? '', active: c.active ?? true, claims: storedClaims(c.claims) };
}

export function serviceAccountForm(sa: ServiceAccount): ServiceAccountForm {
  return { user_name: sa.userName, display_name: sa.displayName, active: sa.active, claims: sa.claims };
}

/** The tls_client_auth members of a name (null for the four it does not set). */
function tlsMembers(name: { field: (typeof TLS_CLIENT_AUTH_FIELDS)[number]; value: string } | null): Record<TlsNameMember, string | null> {
  const out = {} as Record<TlsNameMember, string | null>;
  for (const field of TLS_CLIENT_AUTH_FIELDS) out[tlsClientAuthMember(field) as TlsNameMember] = name?.field === field ? name.value : null;
  return out;
}

export function desiredClient(c: ClientConfig): ClientForm {
  const clientType = c.client_type ?? 'machine_to_machine';
  const tls = tlsClientAuthOfMembers((member) => c[member as TlsNameMember]).name ?? null;
  return {
    client_id: c.client_id,
    client_name: c.client_name ?? '',
    client_type: clientType,
    grant_types: c.grant_types ?? (isConfidential(clientType) ? ['client_credentials'] : []),
    response_types: c.response_types ?? [],
    audience: c.audience ?? [],
    scope: splitScope(c.scope ?? '').join(' '),
    token_endpoint_auth_method: c.token_endpoint_auth_method ?? null,
    ...tlsMembers(tls && storedTlsClientAuth(tls)),
    jwks: keySet(c.jwks),
    jwks_uri: c.jwks_uri ?? null,
    service_account: c.service_account ?? null,
    access_token_ttl: c.access_token_ttl ?? null,
    active: c.active ?? true,
    dpop_bound_access_tokens: c.dpop_bound_access_tokens ?? false,
    tls_client_certificate_bound_access_tokens: c.tls_client_certificate_bound_access_tokens ?? false,
    token_quota: c.token_quota ? quotaMembers(quotaOfMembers(c.token_quota)) : null,
    federated_credentials: (c.federated_credentials ?? []).map((f) => ({ issuer: f.issuer, subject: f.subject, claims: canonicalClaims(f.claims ?? {}) })),
    claims: storedClaims(c.claims),
    claim_mappings: c.claim_mappings ?? null,
  };
}

/** A stored client's form: its service account by user_name, its credentials' issuers by `issuer` (maps from ids). */
export function clientForm(c: Client, userNames: ReadonlyMap<string, string>, issuerNames: ReadonlyMap<string, string>): ClientForm {
  return {
    client_id: c.clientId,
    client_name: c.clientName,
    client_type: c.clientType,
    grant_types: c.grantTypes,
    response_types: c.responseTypes,
    audience: c.audience,
    scope: c.scope,
    token_endpoint_auth_method: c.tokenEndpointAuthMethod,
    ...tlsMembers(c.tlsClientAuth),
    jwks: keySet(c.jwks),
    jwks_uri: c.jwksUri,
    service_account: c.serviceAccountId === null ? null : (userNames.get(c.serviceAccountId) ?? c.serviceAccountId),
    access_token_ttl: c.accessTokenTtl,
    active: c.active,
    dpop_bound_access_tokens: c.dpopBoundAccessTokens,
    tls_client_certificate_bound_access_tokens: c.tlsClientCertificateBoundAccessTokens,
    token_quota: c.tokenQuota && quotaMembers(c.tokenQuota),
    federated_credentials: c.federatedCredentials.map((f) => ({ issuer: issuerNames.get(f.issuerId) ?? f.issuerId, subject: f.subject, claims: f.claims })),
    claims: c.claims,
    claim_mappings: c.claimMappings,
  };
}

export function desiredGrant(c: GrantConfig): GrantForm {
  const subject = c.client !== undefined ? { client: c.client } : { service_account: c.service_account ?? '' };
  return { ...subject, api: c.api, scopes: [...new Set(c.scopes)] };
}

/** A stored grant's form: its client by id, its service account by user_name, its API by identifier (maps from ids). */
export function grantForm(g: Grant, userNames: ReadonlyMap<string, string>, identifiers: ReadonlyMap<string, string>): GrantForm {
  const subject = g.clientId !== null ? { client: g.clientId } : { service_account: userNames.get(g.serviceAccountId ?? '') ?? g.serviceAccountId ?? '' };
  return { ...subject, api: identifiers.get(g.apiId) ?? g.apiId, scopes: g.scopes };
}

export function desiredIssuer(c: FederatedIssuerConfig): IssuerForm {
  return {
    issuer: c.issuer,
    name: c.name ?? c.issuer,
    kind: c.kind ?? 'oidc',
    jwks: keySet(c.jwks),
    jwks_uri: c.jwks_uri ?? null,
    discovery_url: c.discovery_url ?? null,
    audiences: c.audiences ?? null,
    max_token_age: c.max_token_age ?? DEFAULT_MAX_TOKEN_AGE,
    require_jti: c.require_jti ?? false,
    bearer_token_file: c.bearer_token_file ?? null,
    allow_longer_than_assertion: c.allow_longer_than_assertion ?? false,
    algorithms: c.algorithms ?? null,
  };
}

export function issuerForm(i: FederatedIssuer): IssuerForm {
  return {
    issuer: i.issuer,
    name: i.name,
    kind: i.kind,
    jwks: keySet(i.jwks),
    jwks_uri: i.jwksUri,
    discovery_url: i.discoveryUrl,
    audiences: i.audiences,
    max_token_age: i.maxTokenAge,
    require_jti: i.requireJti,
    bearer_token_file: i.bearerTokenFile,
    allow_longer_than_assertion: i.allowLongerThanAssertion,
    algorithms: i.algorithms,
  };
}

/** JSON with object members sorted (arrays keep their order): equal values, equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The members of `desired` whose value differs from `current`'s, in `desired`'s order, with both values. */
export function diffForms(current: object, desired: object): { fields: string[]; diff: Record<string, { from: unknown; to: unknown }> } {
  const fields: string[] = [];
  const diff: Record<string, { from: unknown; to: unknown }> = {};
  const before = current as Record<string, unknown>;
  for (const [member, to] of Object.entries(desired)) {
    const from = before[member];
    if (canonicalJson(from) !== canonicalJson(to)) {
      fields.push(member);
      diff[member] = { from: from ?? null, to };
    }
  }
  return { fields, diff };
}

/** `form` without the members equal to `defaults`' (except `keep`): what export writes. */
export function withoutDefaults<T extends object>(form: T, defaults: T, keep: readonly string[]): Partial<T> {
  const d = defaults as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(form).filter(([member, value]) => keep.includes(member) || canonicalJson(value) !== canonicalJson(d[member])),
  ) as Partial<T>;
}
