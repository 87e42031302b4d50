import type { AdminScope } from '../admin-scopes.js';

/**
 * How a token's digest was made: `sha256` for generated tokens (256 random bits: one hash is
 * enough), `hmac-sha256` for values an operator chose (keyed with a subkey of TESSERA_SECRET, so
 * that the database alone does not allow guessing them offline).
 */
export type AdminTokenDigestKind = 'sha256' | 'hmac-sha256';

/** Where a token comes from: `environment` marks the one record of TESSERA_ADMIN_TOKEN, null a token created through the API or the CLI. */
export type AdminTokenSource = 'environment' | null;

/** A bearer token for the admin API; a tenant id limits it to that tenant. */
export interface AdminToken {
  id: string;
  tenantId: string | null;
  name: string;
  digest: string;
  digestKind: AdminTokenDigestKind;
  source: AdminTokenSource;
  /** The scopes of `urn:tessera:admin` it holds (`admin`: every one). */
  scopes: AdminScope[];
  createdAt: string;
  /** ISO 8601; from then on the token is refused. Null: it does not expire. */
  expiresAt: string | null;
}
