export const SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** A tenant id: lower-case letters, digits and dashes, starting with a letter or digit, at most 63 characters. */
export const TENANT_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,62}$';
export const DEFAULT_TENANT = 'default';

/** Bounds of every access token lifetime setting, in seconds. */
export const MIN_TOKEN_TTL = 60;
export const MAX_TOKEN_TTL = 86_400;
export const DEFAULT_TOKEN_TTL = 3600;

export interface Tenant {
  id: string;
  name: string;
  signingAlg: SigningAlg;
  accessTokenTtl: number;
  /** PEM certificates of the CAs this tenant trusts for `tls_client_auth`, besides TESSERA_TLS_CLIENT_CA (RFC 8705 §2.1). */
  tlsClientCas: string[];
  createdAt: string;
  updatedAt: string;
}
