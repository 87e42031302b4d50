import type { FieldError } from '../errors.js';

/** A client's token quota (docs/quotas.md): tokens per UTC hour and per UTC day; `enforce` refuses over it, else it is only observed. */
export interface TokenQuota {
  perHour?: number;
  perDay?: number;
  enforce: boolean;
}

/** The two periods a quota counts over, each in fixed windows aligned to the UTC hour and day. */
export const QUOTA_PERIODS = ['hour', 'day'] as const;
export type QuotaPeriod = (typeof QUOTA_PERIODS)[number];

/** The length of each period's window, in seconds. */
export const PERIOD_SECONDS: Readonly<Record<QuotaPeriod, number>> = { hour: 3600, day: 86_400 };

/** The quota's limit over `period`, or undefined when it sets none. */
export function quotaLimit(quota: TokenQuota, period: QuotaPeriod): number | undefined {
  return period === 'hour' ? quota.perHour : quota.perDay;
}

/** The start of the window of `period` holding `nowMs`, in seconds since the epoch (UTC hours and days start at multiples of their length). */
export function windowStart(nowMs: number, period: QuotaPeriod): number {
  const seconds = PERIOD_SECONDS[period];
  return Math.floor(nowMs / 1000 / seconds) * seconds;
}

/** The quota with its members in one order ({per_hour?, per_day?, enforce}), so that equal quotas compare and store equal. */
export function canonicalQuota(quota: TokenQuota): TokenQuota {
  return {
    ...(quota.perHour === undefined ? {} : { perHour: quota.perHour }),
    ...(quota.perDay === undefined ? {} : { perDay: quota.perDay }),
    enforce: quota.enforce,
  };
}

/** The field errors of a quota: it must limit at least one period. */
export function quotaFieldErrors(quota: TokenQuota | null): FieldError[] {
  if (quota === null || quota.perHour !== undefined || quota.perDay !== undefined) return [];
  return [{ pointer: '/token_quota', detail: 'a quota sets per_hour, per_day or both' }];
}

/** The quota in the admin API's and the configuration document's names. */
export function quotaMembers(quota: TokenQuota): { per_hour?: number; per_day?: number; enforce: boolean } {
  return {
    ...(quota.perHour === undefined ? {} : { per_hour: quota.perHour }),
    ...(quota.perDay === undefined ? {} : { per_day: quota.perDay }),
    enforce: quota.enforce,
  };
}

/** A quota from the admin API's and the configuration document's names. */
export function quotaOfMembers(members: { per_hour?: number; per_day?: number; enforce: boolean }): TokenQuota {
  return canonicalQuota({
    ...(members.per_hour === undefined ? {} : { perHour: members.per_hour }),
    ...(members.per_day === undefined ? {} : { perDay: members.per_day }),
    enforce: members.enforce,
  });
}

/** Tokens counted for one client in one window of one period (by one server, or summed over several). */
export interface QuotaCount {
  tenantId: string;
  clientId: string;
  period: QuotaPeriod;
  /** The window's start, in seconds since the epoch. */
  windowStart: number;
  count: number;
}
