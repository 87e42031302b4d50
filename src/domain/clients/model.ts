import type { JSONWebKeySet } from 'jose';
import type { ClaimMappings, Claims } from '../claims/model.js';
import type { FederatedCredential } from '../federation/model.js';
import type { TokenQuota } from '../quotas/model.js';

export const CLIENT_TYPES = ['machine_to_machine', 'spa', 'native'] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

export const SECRET_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'] as const;

/** The two mutual TLS methods (RFC 8705 §2): a certificate from a trusted CA naming the client, or a self-signed one it registered. */
export const TLS_AUTH_METHODS = ['tls_client_auth', 'self_signed_tls_client_auth'] as const;

/**
 * Methods a client may register (RFC 7591 §2): the secret ones, private_key_jwt (RFC 7523 §2.2),
 * `federated`: only its federated credentials authenticate it (no secret exists), and the mutual
 * TLS ones (RFC 8705 §2; no secret either).
 */
export const TOKEN_ENDPOINT_AUTH_METHODS = [...SECRET_AUTH_METHODS, 'private_key_jwt', 'federated', ...TLS_AUTH_METHODS] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

/**
 * The certificate field a `tls_client_auth` client is known by (RFC 8705 §2.1.2): its subject DN or one subject
 * alternative name; the metadata name is `tls_client_auth_` followed by the field.
 */
export const TLS_CLIENT_AUTH_FIELDS = ['subject_dn', 'san_dns', 'san_uri', 'san_ip', 'san_email'] as const;
export type TlsClientAuthField = (typeof TLS_CLIENT_AUTH_FIELDS)[number];

/** The one subject/SAN value a `tls_client_auth` client's certificate must carry (RFC 8705 §2.1.2). */
export interface TlsClientAuthName {
  field: TlsClientAuthField;
  /** As registered: an RFC 4514 DN for subject_dn (compared after normalisation), else the SAN value. */
  value: string;
}

/** The longest client id (every client_id column is varchar(255), migration 0010). */
export const MAX_CLIENT_ID_LENGTH = 255;

/**
 * Client ids: any RFC 6749 VSCHAR string (Appendix A.1: %x20-7E, space included) of 1 to 255 characters, so that ids
 * imported from other servers keep working. Admin paths take them percent-encoded; Basic credentials form-urlencode
 * them (RFC 6749 §2.3.1).
 */
export const CLIENT_ID_PATTERN = `^[\\x20-\\x7E]{1,${MAX_CLIENT_ID_LENGTH}}$`;

/** One client secret, stored as its SHA-256 digest only. */
export interface ClientSecret {
  id: string;
  clientId: string;
  digest: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

/** An OAuth client (RFC 7591 metadata names). */
export interface Client {
  tenantId: string;
  clientId: string;
  clientName: string;
  clientType: ClientType;
  grantTypes: string[];
  responseTypes: string[];
  audience: string[];
  scope: string;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod | null;
  /** Public keys for private_key_jwt, inline (exactly one of jwks and jwksUri is set for that method). */
  jwks: JSONWebKeySet | null;
  jwksUri: string | null;
  serviceAccountId: string | null;
  accessTokenTtl: number | null;
  active: boolean;
  /** RFC 9449 §5.2: every token request of this client must carry a DPoP proof. */
  dpopBoundAccessTokens: boolean;
  /** `tls_client_auth`: the certificate field and value that identify the client (RFC 8705 §2.1.2); null for other methods. */
  tlsClientAuth: TlsClientAuthName | null;
  /** RFC 8705 §3: every access token of this client is bound to the certificate of the TLS connection it was requested on. */
  tlsClientCertificateBoundAccessTokens: boolean;
  /** Tokens it may get per UTC hour and day (docs/quotas.md), or null for no quota. */
  tokenQuota: TokenQuota | null;
  /** Platform tokens that authenticate this client (workload identity federation, docs/federation.md). */
  federatedCredentials: FederatedCredential[];
  /** Claims added to its tokens (docs/claims.md), or null. */
  claims: Claims | null;
  /** `federated` clients: token claim name to the federated token's claim it is copied from, or null. */
  claimMappings: ClaimMappings | null;
  createdAt: string;
  updatedAt: string;
  secrets: ClientSecret[];
}

/** Confidential clients authenticate; the other types are public and never get client_credentials. */
export function isConfidential(type: ClientType): boolean {
  return type === 'machine_to_machine';
}

/**
 * Clients that authenticate with a secret get one (a client with no registered method accepts both secret methods);
 * private_key_jwt clients authenticate with keys, federated ones with platform tokens, mutual TLS ones with certificates.
 */
export function usesSecret(c: Client): boolean {
  const method = c.tokenEndpointAuthMethod;
  return isConfidential(c.clientType) && (method === null || (SECRET_AUTH_METHODS as readonly string[]).includes(method));
}
