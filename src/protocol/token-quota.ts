import type { QuotaDecision } from '../domain/quotas/counts.js';
import { PERIOD_SECONDS } from '../domain/quotas/model.js';
import { OAuthError } from './errors.js';

/**
 * The RateLimit-Policy and RateLimit header fields of a client with a quota
 * (draft-ietf-httpapi-ratelimit-headers-08 and later: Structured Field Lists, RFC 9651): one policy
 * per period the quota limits, named "hour" and "day", with its quota `q` and window `w`, and the
 * tokens remaining `r` and the seconds `t` until the window ends.
 */
export function rateLimitHeaders(decision: QuotaDecision): Record<string, string> {
  return {
    'ratelimit-policy': decision.periods.map((p) => `"${p.period}";q=${p.limit};w=${PERIOD_SECONDS[p.period]}`).join(', '),
    ratelimit: decision.periods.map((p) => `"${p.period}";r=${p.remaining};t=${p.resetSeconds}`).join(', '),
  };
}

/**
 * The refusal of a request over an enforced quota: 429 (RFC 6585 §4) with Retry-After (seconds
 * until every exceeded window has ended) and an RFC 6749 §5.2 body. RFC 6749 registers no code for
 * it: `temporarily_unavailable`, the registered code clients already retry on (the brute-force
 * lockout answers it with 429 too), rather than an unregistered one OAuth libraries do not know.
 */
export function quotaRefusal(decision: QuotaDecision): OAuthError {
  const periods = decision.exceeded.map((p) => `per ${p}`).join(' and ');
  return new OAuthError('temporarily_unavailable', `The client has used up its token quota (${periods}); retry after the window ends.`, {
    status: 429,
    detail: `token quota used up (${periods})`,
    headers: { 'retry-after': String(decision.retryAfter), ...rateLimitHeaders(decision) },
  });
}
