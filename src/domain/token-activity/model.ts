/** What the token endpoint answered, counted: tokens issued, failed client authentications, other refusals. */
export interface ActivityCounts {
  issued: number;
  /** Refusals with `invalid_client` (RFC 6749 §5.2): unknown client, wrong secret, disabled client… */
  authFailures: number;
  /** Every other refusal (`invalid_scope`, `invalid_target`, …). */
  otherRefusals: number;
}

/** The counts of one client (or of no known client) in one minute of one tenant. */
export interface ActivityRow extends ActivityCounts {
  tenantId: string;
  /** Minutes since the Unix epoch. */
  minute: number;
  /** The client, or UNKNOWN_CLIENT for requests that named no client of the tenant. */
  clientId: string;
}

/** The client id under which requests naming no client of the tenant are counted: never the made-up id. */
export const UNKNOWN_CLIENT = '';

/** One bucket of a series: its start, in minutes since the Unix epoch, and its counts. */
export interface ActivityPoint extends ActivityCounts {
  minute: number;
}

/** One client's series over a time range, empty buckets left out. */
export interface ClientActivity {
  clientId: string;
  totals: ActivityCounts;
  points: ActivityPoint[];
}

export const MINUTE_MS = 60_000;

export const zeroCounts = (): ActivityCounts => ({ issued: 0, authFailures: 0, otherRefusals: 0 });

export function addCounts(into: ActivityCounts, from: ActivityCounts): void {
  into.issued += from.issued;
  into.authFailures += from.authFailures;
  into.otherRefusals += from.otherRefusals;
}
