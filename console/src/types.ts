// The admin API's shapes, taken from the server's TypeBox route schemas (types only: nothing of
// the server is bundled). A change to a schema breaks the console's build, not its users.
import type { Static } from '@sinclair/typebox';
import type {
  AdminToken as AdminTokenSchema,
  AdminTokenCreate as AdminTokenCreateSchema,
  AdminTokenCreated as AdminTokenCreatedSchema,
} from '../../src/http/schemas/admin-tokens.js';
import type { Api as ApiSchema, ApiCreate as ApiCreateSchema, ApiPatch as ApiPatchSchema } from '../../src/http/schemas/apis.js';
import type { AuditEvent as AuditEventSchema } from '../../src/http/schemas/audit.js';
import type { CaDetailsOut as CaDetailsSchema, CertificateInspection as CertificateInspectionSchema } from '../../src/http/schemas/certificates.js';
import type {
  Client as ClientSchema,
  ClientCreate as ClientCreateSchema,
  ClientCreated as ClientCreatedSchema,
  ClientPatch as ClientPatchSchema,
  SecretCreate as SecretCreateSchema,
  SecretCreated as SecretCreatedSchema,
} from '../../src/http/schemas/clients.js';
import type { Problem as ProblemSchema } from '../../src/http/schemas/common.js';
import type { ClientQuotaUse as ClientQuotaUseSchema } from '../../src/http/schemas/client-quota.js';
import type {
  FederatedCredentialIn as FederatedCredentialInSchema,
  FederatedCredentialOut as FederatedCredentialOutSchema,
  FederatedIssuer as FederatedIssuerSchema,
  FederatedIssuerCreate as FederatedIssuerCreateSchema,
  FederatedIssuerPatch as FederatedIssuerPatchSchema,
} from '../../src/http/schemas/federated-issuers.js';
import type { Grant as GrantSchema, GrantCreate as GrantCreateSchema } from '../../src/http/schemas/grants.js';
import type { SigningKey as SigningKeySchema } from '../../src/http/schemas/keys.js';
import type { PlaygroundToken as PlaygroundTokenSchema, PlaygroundTokenRequest as PlaygroundTokenRequestSchema } from '../../src/http/schemas/playground.js';
import type {
  ServiceAccount as ServiceAccountSchema,
  ServiceAccountCreate as ServiceAccountCreateSchema,
  ServiceAccountPatch as ServiceAccountPatchSchema,
} from '../../src/http/schemas/service-accounts.js';
import type { Tenant as TenantSchema, TenantCreate as TenantCreateSchema, TenantPatch as TenantPatchSchema } from '../../src/http/schemas/tenants.js';
import type { TokenActivity as TokenActivitySchema } from '../../src/http/schemas/token-activity.js';
import type { Whoami as WhoamiSchema } from '../../src/http/schemas/whoami.js';
import type { AdminScope } from '../../src/domain/admin-scopes.js';

export type { AdminScope };

// Admin-token expiry (`expires_in` in, `expires_at` out) as the admin API's contract has it,
// optional so that the console also works with a server that has neither; once the route
// schemas carry them, these additions say nothing more than the schemas.
export type AdminToken = Static<typeof AdminTokenSchema> & { expires_at?: string | null };
export type AdminTokenCreate = Static<typeof AdminTokenCreateSchema> & { expires_in?: number };
export type AdminTokenCreated = Static<typeof AdminTokenCreatedSchema> & { expires_at?: string | null };
export type Api = Static<typeof ApiSchema>;
export type ApiCreate = Static<typeof ApiCreateSchema>;
export type ApiPatch = Static<typeof ApiPatchSchema>;
export type AuditEvent = Static<typeof AuditEventSchema>;
export type Client = Static<typeof ClientSchema>;
export type ClientCreate = Static<typeof ClientCreateSchema>;
export type ClientCreated = Static<typeof ClientCreatedSchema>;
export type ClientPatch = Static<typeof ClientPatchSchema>;
export type ClientQuotaUse = Static<typeof ClientQuotaUseSchema>;
export type FederatedIssuer = Static<typeof FederatedIssuerSchema>;
export type FederatedIssuerCreate = Static<typeof FederatedIssuerCreateSchema>;
export type FederatedIssuerPatch = Static<typeof FederatedIssuerPatchSchema>;
export type FederatedCredential = Static<typeof FederatedCredentialOutSchema>;
export type FederatedCredentialIn = Static<typeof FederatedCredentialInSchema>;
export type SecretCreate = Static<typeof SecretCreateSchema>;
export type SecretCreated = Static<typeof SecretCreatedSchema>;
export type Problem = Static<typeof ProblemSchema>;
export type Grant = Static<typeof GrantSchema>;
export type GrantCreate = Static<typeof GrantCreateSchema>;
export type SigningKey = Static<typeof SigningKeySchema>;
export type PlaygroundToken = Static<typeof PlaygroundTokenSchema>;
export type PlaygroundTokenRequest = Static<typeof PlaygroundTokenRequestSchema>;
export type ServiceAccount = Static<typeof ServiceAccountSchema>;
export type ServiceAccountCreate = Static<typeof ServiceAccountCreateSchema>;
export type ServiceAccountPatch = Static<typeof ServiceAccountPatchSchema>;
export type Tenant = Static<typeof TenantSchema>;
export type TenantCreate = Static<typeof TenantCreateSchema>;
export type TenantPatch = Static<typeof TenantPatchSchema>;
export type TokenActivity = Static<typeof TokenActivitySchema>;
/** `GET /whoami`: the signed-in token, the tenant it is limited to (null: every tenant) and its scopes. */
export type Whoami = Static<typeof WhoamiSchema>;

/** What the admin API tells of an X.509 certificate (a client's, a tenant's CA, a pasted one). */
export type CertificateDetails = Static<typeof CaDetailsSchema>;
/** `POST /certificates/inspect`: the details, whether it is a CA, and its public key as a JWK. */
export type InspectedCertificate = Static<typeof CertificateInspectionSchema>;

/** The RFC 8705 §2.1.2 fields that name a tls_client_auth client's certificate: exactly one is set. */
export const TLS_NAME_FIELDS = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
] as const satisfies readonly (keyof Client)[];
export type TlsNameField = (typeof TLS_NAME_FIELDS)[number];

/** A claim condition of a federated credential: the token's claim equals the string, or one of the strings. */
export type ClaimCondition = string | string[];

/** The kinds of federated issuer (the server's FEDERATED_ISSUER_KINDS). */
export type FederatedIssuerKind = 'oidc' | 'kubernetes' | 'spiffe';

/** Every list of the admin API. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
