import type { AdminToken } from '../../domain/admin-tokens/model.js';
import type { Api } from '../../domain/apis/model.js';
import type { AuditEvent } from '../../domain/audit/model.js';
import { readPemCertificate, certificateDetails, type CertificateDetails } from '../../domain/certificates/details.js';
import { clientCertificates } from '../../domain/clients/certificates.js';
import type { Client } from '../../domain/clients/model.js';
import { tlsClientAuthMember } from '../../domain/clients/tls-names.js';
import type { FederatedIssuer } from '../../domain/federation/model.js';
import type { Grant } from '../../domain/grants/model.js';
import { cutoffSeconds, type TokenCutoff } from '../../domain/revocations/model.js';
import type { SigningKey } from '../../domain/keys/model.js';
import type { ServiceAccount } from '../../domain/service-accounts/model.js';
import type { Tenant } from '../../domain/tenants/model.js';
import type { ActivityReport } from '../../domain/token-activity/activity.js';
import { MINUTE_MS, UNKNOWN_CLIENT, type ActivityCounts } from '../../domain/token-activity/model.js';
import { isoTime } from '../../lib/clock.js';
import { quotaMembers } from '../../domain/quotas/model.js';

// Domain records → admin API JSON (snake_case). Response schemas then allow-list the fields.

/** A certificate's details as the admin API names them. */
export const presentCertificateDetails = (d: CertificateDetails) => ({
  subject: d.subject,
  issuer: d.issuer,
  subject_alt_names: d.subjectAltNames,
  'x5t#S256': d.thumbprint,
  not_before: d.notBefore,
  not_after: d.notAfter,
});

/** The details of each of a tenant's CAs (stored ones were checked on the way in). */
const presentCaDetails = (pems: readonly string[]) =>
  pems.flatMap((pem) => {
    const read = readPemCertificate(pem);
    return read.ok ? [presentCertificateDetails(certificateDetails(read.cert))] : [];
  });

export const presentTenant = (t: Tenant, issuer: string) => ({
  id: t.id,
  name: t.name,
  issuer,
  signing_alg: t.signingAlg,
  access_token_ttl: t.accessTokenTtl,
  tls_client_cas: t.tlsClientCas,
  tls_client_ca_details: presentCaDetails(t.tlsClientCas),
  created_at: t.createdAt,
  updated_at: t.updatedAt,
});

export const presentServiceAccount = (sa: ServiceAccount) => ({
  id: sa.id,
  user_name: sa.userName,
  display_name: sa.displayName,
  active: sa.active,
  claims: sa.claims,
  created_at: sa.createdAt,
  updated_at: sa.updatedAt,
});

/** The certificates of a client's inline keys, when it has any (RFC 8705 §2.2). */
function presentClientCertificates(c: Client) {
  const certificates = clientCertificates(c.jwks);
  return certificates.length === 0 ? {} : { certificates: certificates.map((cert) => ({ kid: cert.kid, ...presentCertificateDetails(cert) })) };
}

/** A client; `issuerNames` gives the `issuer` of each federated issuer its credentials name, by id. */
export const presentClient = (c: Client, issuerNames: ReadonlyMap<string, string>) => ({
  client_id: c.clientId,
  client_name: c.clientName,
  client_type: c.clientType,
  grant_types: c.grantTypes,
  response_types: c.responseTypes,
  audience: c.audience,
  scope: c.scope,
  token_endpoint_auth_method: c.tokenEndpointAuthMethod,
  ...(c.tlsClientAuth === null ? {} : { [tlsClientAuthMember(c.tlsClientAuth.field)]: c.tlsClientAuth.value }),
  jwks: c.jwks === null ? null : { keys: c.jwks.keys.map((k) => ({ ...k, kty: k.kty ?? '' })) },
  jwks_uri: c.jwksUri,
  ...presentClientCertificates(c),
  service_account_id: c.serviceAccountId,
  access_token_ttl: c.accessTokenTtl,
  active: c.active,
  dpop_bound_access_tokens: c.dpopBoundAccessTokens,
  tls_client_certificate_bound_access_tokens: c.tlsClientCertificateBoundAccessTokens,
  token_quota: c.tokenQuota && quotaMembers(c.tokenQuota),
  client_id_issued_at: Math.floor(Date.parse(c.createdAt) / 1000),
  created_at: c.createdAt,
  updated_at: c.updatedAt,
  client_secrets: c.secrets.map((s) => ({ id: s.id, created_at: s.createdAt, expires_at: s.expiresAt, last_used_at: s.lastUsedAt })),
  federated_credentials: c.federatedCredentials.map((f) => ({
    id: f.id,
    issuer_id: f.issuerId,
    issuer: issuerNames.get(f.issuerId) ?? '',
    subject: f.subject,
    claims: f.claims,
  })),
  claims: c.claims,
  claim_mappings: c.claimMappings,
});

/** A federated issuer, with the audiences its tokens may carry at its tenant. */
export const presentFederatedIssuer = (i: FederatedIssuer, effectiveAudiences: string[]) => ({
  id: i.id,
  name: i.name,
  kind: i.kind,
  issuer: i.issuer,
  jwks: i.jwks === null ? null : { keys: i.jwks.keys.map((k) => ({ ...k, kty: k.kty ?? '' })) },
  jwks_uri: i.jwksUri,
  discovery_url: i.discoveryUrl,
  audiences: i.audiences,
  effective_audiences: effectiveAudiences,
  max_token_age: i.maxTokenAge,
  require_jti: i.requireJti,
  bearer_token_file: i.bearerTokenFile,
  allow_longer_than_assertion: i.allowLongerThanAssertion,
  algorithms: i.algorithms,
  created_at: i.createdAt,
  updated_at: i.updatedAt,
});

export const presentApi = (a: Api) => ({
  id: a.id,
  name: a.name,
  identifier: a.identifier,
  scopes: a.scopes,
  access_token_ttl: a.accessTokenTtl,
  dpop_bound_access_tokens: a.dpopBoundAccessTokens,
  claims: a.claims,
  token_exchange: a.tokenExchange,
  built_in: a.builtIn,
  created_at: a.createdAt,
  updated_at: a.updatedAt,
});

export const presentGrant = (g: Grant, apiIdentifier: string) => ({
  id: g.id,
  client_id: g.clientId,
  service_account_id: g.serviceAccountId,
  api_id: g.apiId,
  api_identifier: apiIdentifier,
  scopes: g.scopes,
  created_at: g.createdAt,
});

export const presentKey = (k: SigningKey) => ({
  kid: k.kid,
  alg: k.alg,
  status: k.status,
  created_at: k.createdAt,
  activated_at: k.activatedAt,
  retired_at: k.retiredAt,
  publish_until: k.publishUntil,
  public_jwk: { ...k.publicJwk, kty: k.publicJwk.kty ?? '', kid: k.kid, alg: k.alg, use: 'sig' },
});

export const presentAdminToken = (t: AdminToken) => ({
  id: t.id,
  name: t.name,
  tenant: t.tenantId,
  scopes: t.scopes,
  created_at: t.createdAt,
  expires_at: t.expiresAt,
});

export const presentAuditEvent = (e: AuditEvent) => ({
  id: e.id,
  tenant_id: e.tenantId,
  occurred_at: e.occurredAt,
  actor: e.actor,
  actor_detail:
    e.actorDetail === null
      ? null
      : { tenant: e.actorDetail.tenant, client_id: e.actorDetail.clientId, ...(e.actorDetail.federated ? { federated: e.actorDetail.federated } : {}) },
  action: e.action,
  target_type: e.targetType,
  target_id: e.targetId,
  reason: e.reason,
  details: e.details,
});

export const presentTokenCutoff = (c: TokenCutoff) => ({
  client_id: c.clientId,
  cutoff_at: c.cutoffAt,
  cutoff: cutoffSeconds(Date.parse(c.cutoffAt)),
});

const presentCounts = (c: ActivityCounts) => ({ issued: c.issued, auth_failures: c.authFailures, other_refusals: c.otherRefusals });

export const presentTokenActivity = (r: ActivityReport) => ({
  from: isoTime(r.fromMs),
  to: isoTime(r.toMs),
  bucket: r.bucketSeconds,
  totals: presentCounts(r.totals),
  clients: r.clients.map((c) => ({
    client_id: c.clientId === UNKNOWN_CLIENT ? null : c.clientId,
    totals: presentCounts(c.totals),
    points: c.points.map((p) => ({ at: isoTime(p.minute * MINUTE_MS), ...presentCounts(p) })),
  })),
});
