import type { DelegationChain } from './delegation.js';
import type { QuotaPeriod } from '../domain/quotas/model.js';
import type { OAuthErrorCode } from './errors.js';

/** A token the token endpoint issued. */
export interface TokenIssued {
  readonly tenantId: string;
  readonly clientId: string;
  /** The client's slot (ClientSlots): what counters index by. */
  readonly slot: number;
  readonly grantType: string;
  /** For a token issued by token exchange: its subject and every actor, current first (RFC 8693 §4.1). */
  readonly delegation?: DelegationChain;
}

/** A token request the token endpoint refused. */
export interface TokenRefused {
  readonly tenantId: string;
  /**
   * The client the request named, when the tenant has such a client (authenticated or not);
   * null when it named none or an unknown one, so that made-up ids never become labels or rows.
   */
  readonly clientId: string | null;
  /** The slot of that client (ClientSlots), null with it. */
  readonly slot: number | null;
  /** The RFC 6749 §5.2 error code answered. */
  readonly error: OAuthErrorCode;
}

/** A token asked for by a client whose quota's window was used up (refused if enforced, else issued). */
export interface TokenQuotaExceeded {
  readonly tenantId: string;
  readonly clientId: string;
  readonly period: QuotaPeriod;
  readonly enforced: boolean;
}

/**
 * Hears every outcome of the token endpoint, synchronously on the request path: a listener
 * only counts in memory (metrics, the console's activity charts) and never writes or throws.
 */
export interface TokenListener {
  issued(event: TokenIssued): void;
  refused(event: TokenRefused): void;
  quotaExceeded?(event: TokenQuotaExceeded): void;
}

/** Fans token outcomes out to every listener added. */
export class TokenEvents implements TokenListener {
  readonly #listeners: TokenListener[] = [];

  add(listener: TokenListener): void {
    this.#listeners.push(listener);
  }

  issued(event: TokenIssued): void {
    for (const listener of this.#listeners) listener.issued(event);
  }

  refused(event: TokenRefused): void {
    for (const listener of this.#listeners) listener.refused(event);
  }

  quotaExceeded(event: TokenQuotaExceeded): void {
    for (const listener of this.#listeners) listener.quotaExceeded?.(event);
  }
}
