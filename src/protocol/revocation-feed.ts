import { createHash } from 'node:crypto';
import type { CutoffEntry, RevokedEntry } from '../domain/read-model/revocations.js';
import type { TenantState } from '../domain/read-model/tenant-state.js';

/**
 * The revocation feed of one issuer, for verifiers that check tokens offline (docs/introspection-and-revocation.md):
 * every revoked `jti` whose token has not expired, with its `exp`, and every client cut-off that
 * can still catch an unexpired token. A token is revoked when its `jti` is listed, or when a
 * cut-off lists its `client_id` and the token's `iat <= cutoff`.
 */
export interface RevocationFeedDocument {
  issuer: string;
  revoked: RevokedEntry[];
  cutoffs: CutoffEntry[];
}

export interface RevocationFeed {
  /** The JSON body, entries sorted so that equal content gives equal bytes. */
  body: string;
  /** A strong entity tag (RFC 9110 §8.8.3): the SHA-256 of the body. */
  etag: string;
}

/** The feed document of `tenant` as it stands at `nowMs`. Nothing time-dependent is in it but the entries themselves. */
export function revocationFeed(tenant: TenantState, issuer: string, nowMs: number): RevocationFeed {
  const document: RevocationFeedDocument = { issuer, ...tenant.revocations.published(nowMs) };
  const body = JSON.stringify(document);
  return { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
}

/** Whether `If-None-Match` matches `etag` (RFC 9110 §13.1.2: `*`, or any listed tag by weak comparison). */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque);
}
