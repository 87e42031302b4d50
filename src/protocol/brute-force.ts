import type { Clock } from '../lib/clock.js';
import { sha256Hex } from '../lib/digest.js';
import { clientIdHint } from './client-auth/id-hint.js';
import { OAuthError, type OAuthErrorCode } from './errors.js';

/** Limits of brute-force protection, from TESSERA_BRUTE_FORCE_*; `maxFailures` 0 turns it off. */
export interface BruteForceLimits {
  /** Failed authentications within the window that lock a client id or an address. */
  readonly maxFailures: number;
  /** Seconds: the window failures are counted in, and how long a lockout lasts. */
  readonly windowSeconds: number;
  /** How many client ids, and how many addresses, are remembered; the least recently failed are forgotten first. */
  readonly capacity?: number;
}

/** A client id or a source address that has just been locked: reported once per lockout. */
export interface Lockout {
  readonly kind: 'client' | 'address';
  /** The tenant of the client id; null for an address, which is locked on every tenant. */
  readonly tenantId: string | null;
  /** The client id as `describeClient` shows it (by default a hint, never a secret sent as an id), or `address:<ip>`. */
  readonly target: string;
  readonly failures: number;
  readonly windowSeconds: number;
}

/** One client authentication: where it comes from and, once the credentials name it, which client. */
export interface AuthAttempt {
  readonly tenantId: string;
  readonly address: string;
  clientId?: string | undefined;
}

export const DEFAULT_CAPACITY = 10_000;

/** Longest client id used as a key as is (CLIENT_ID_PATTERN allows 255); longer ones are hashed. */
const MAX_KEY_CHARS = 255;

const LOCKED_DESCRIPTION = 'Too many failed client authentications; retry later.';

/**
 * The answer while a client id or an address is locked: 429 with Retry-After (RFC 6585 §4) and an
 * RFC 6749 §5.2 body. `temporarily_unavailable` is the registered code closest in meaning; the
 * same body for client and address, so it tells an attacker nothing about which one tripped.
 */
export function tooManyFailures(retryAfterSeconds: number, detail: string): OAuthError {
  return new OAuthError('temporarily_unavailable', LOCKED_DESCRIPTION, {
    status: 429,
    detail,
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}

/** Inserts or refreshes `key` as the newest entry; the oldest entry goes when the map is full. */
function setNewest<V>(map: Map<string, V>, key: string, value: V, capacity: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > capacity) map.delete(map.keys().next().value!);
}

/** Failure times and lockouts of one kind of key (client ids, or addresses), bounded in size. */
class FailureLog {
  /** key → times of failures within the window, oldest first; never `maxFailures` long. */
  readonly #failures = new Map<string, number[]>();
  /** key → end of its lockout (epoch ms). Kept apart so that a spray of one-off failures cannot evict a lockout. */
  readonly #locks = new Map<string, number>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly capacity: number,
  ) {}

  /** Whether any key may be locked (a lockout that has ended stays until looked up). */
  get locking(): boolean {
    return this.#locks.size > 0;
  }

  /** Milliseconds until `key` is unlocked; 0 when it is not locked. */
  lockedFor(key: string, now: number): number {
    const until = this.#locks.get(key);
    if (until === undefined) return 0;
    if (until > now) return until - now;
    this.#locks.delete(key);
    return 0;
  }

  /** Counts a failure of `key`; true when this failure locks it (for one window from now). */
  fail(key: string, now: number): boolean {
    if (this.lockedFor(key, now) > 0) return false;
    const since = now - this.windowMs;
    const times = (this.#failures.get(key) ?? []).filter((t) => t > since);
    times.push(now);
    if (times.length >= this.maxFailures) {
      this.#failures.delete(key);
      setNewest(this.#locks, key, now + this.windowMs, this.capacity);
      return true;
    }
    setNewest(this.#failures, key, times, this.capacity);
    return false;
  }

  size(): number {
    return this.#failures.size + this.#locks.size;
  }
}

/** `::ffff:192.0.2.1` (an IPv4 peer of a dual-stack socket) counts as `192.0.2.1`. */
function addressKey(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

function clientKey(clientId: string): string {
  return clientId.length <= MAX_KEY_CHARS ? clientId : `sha256:${sha256Hex(clientId)}`;
}

/**
 * Brute-force protection of client authentication (RFC 6749 §2.3.1, "MUST protect … against
 * brute force attacks"): failed authentications are counted per client id (within its tenant)
 * and per source address. When one of them reaches `maxFailures` within the window it is locked
 * for one window: every authentication it makes, right or wrong, is answered 429 without looking
 * at the credentials. Unknown client ids are counted like real ones, so a lockout reveals nothing.
 * State lives in this process's memory, bounded by `capacity`.
 */
export class BruteForceGuard {
  readonly #clock: Clock;
  readonly #limits: BruteForceLimits;
  readonly #onLockout: (lockout: Lockout) => void;
  readonly #onFailure: (attempt: AuthAttempt) => void;
  readonly #describeClient: (tenantId: string, clientId: string) => string;
  readonly #clients: FailureLog;
  readonly #addresses: FailureLog;

  /**
   * `onLockout` hears each lockout this process's own failures cause; `onFailure` hears each
   * failure recorded here (a cluster relays it to the sibling processes' guards);
   * `describeClient` says how a client id appears in lockouts and refusals (a log line, an
   * audit event): by default only its hint, as the id may be a secret sent in its place.
   */
  constructor(options: {
    clock: Clock;
    limits: BruteForceLimits;
    onLockout?: (lockout: Lockout) => void;
    onFailure?: (attempt: AuthAttempt) => void;
    describeClient?: (tenantId: string, clientId: string) => string;
  }) {
    this.#clock = options.clock;
    this.#limits = options.limits;
    this.#onLockout = options.onLockout ?? (() => {});
    this.#onFailure = options.onFailure ?? (() => {});
    this.#describeClient = options.describeClient ?? ((_tenantId, clientId) => clientIdHint(clientId));
    const { maxFailures, windowSeconds, capacity = DEFAULT_CAPACITY } = options.limits;
    this.#clients = new FailureLog(maxFailures, windowSeconds * 1000, capacity);
    this.#addresses = new FailureLog(maxFailures, windowSeconds * 1000, capacity);
  }

  get enabled(): boolean {
    return this.#limits.maxFailures > 0;
  }

  /** Throws the 429 of {@link tooManyFailures} when the attempt's address, or its client id once known, is locked. */
  assertAllowed(attempt: AuthAttempt): void {
    if (!this.enabled) return;
    // Keys are built and the time read only while something is locked, not on every request.
    if (this.#addresses.locking) {
      const address = addressKey(attempt.address);
      const addressMs = this.#addresses.lockedFor(address, this.#clock.now());
      if (addressMs > 0) throw tooManyFailures(Math.ceil(addressMs / 1000), `address ${address} is locked`);
    }
    if (attempt.clientId === undefined || !this.#clients.locking) return;
    const clientMs = this.#clients.lockedFor(`${attempt.tenantId} ${clientKey(attempt.clientId)}`, this.#clock.now());
    if (clientMs > 0) {
      throw tooManyFailures(
        Math.ceil(clientMs / 1000),
        `client ${this.#describeClient(attempt.tenantId, attempt.clientId)} of tenant ${attempt.tenantId} is locked`,
      );
    }
  }

  /** Counts one failed authentication against the address and, when the credentials named one, the client id. */
  recordFailure(attempt: AuthAttempt): void {
    if (!this.enabled) return;
    this.#count(attempt, this.#onLockout);
    this.#onFailure(attempt);
  }

  /**
   * Counts a failure another process of the cluster saw, so that every worker locks at the same
   * total; the lockout is reported by the process whose own failure crossed the limit.
   */
  recordRelayedFailure(attempt: AuthAttempt): void {
    if (!this.enabled) return;
    this.#count(attempt, () => {});
  }

  #count(attempt: AuthAttempt, onLockout: (lockout: Lockout) => void): void {
    const now = this.#clock.now();
    const { maxFailures: failures, windowSeconds } = this.#limits;
    const address = addressKey(attempt.address);
    if (this.#addresses.fail(address, now)) {
      onLockout({ kind: 'address', tenantId: null, target: `address:${address}`, failures, windowSeconds });
    }
    if (attempt.clientId === undefined) return;
    if (this.#clients.fail(`${attempt.tenantId} ${clientKey(attempt.clientId)}`, now)) {
      onLockout({ kind: 'client', tenantId: attempt.tenantId, target: this.#describeClient(attempt.tenantId, attempt.clientId), failures, windowSeconds });
    }
  }

  /** How many client ids and addresses are remembered: at most `capacity` failing plus `capacity` locked of each. */
  size(): { clients: number; addresses: number } {
    return { clients: this.#clients.size(), addresses: this.#addresses.size() };
  }
}

/**
 * Runs one authentication under the guard (RFC 6749 §2.3.1): refused with 429 while the address
 * is locked, and again once `run` names a client id that is locked (`identified` throws then);
 * an OAuthError of code `failure` counts as a failure of the address and of that client id.
 */
export async function guarded<T>(
  guard: BruteForceGuard,
  attempt: AuthAttempt,
  failure: OAuthErrorCode,
  run: (identified: (clientId: string) => void) => Promise<T>,
): Promise<T> {
  guard.assertAllowed(attempt);
  try {
    // `await` inside the try, so that what verifies asynchronously is counted too.
    return await run((clientId) => {
      attempt.clientId = clientId;
      guard.assertAllowed(attempt);
    });
  } catch (err) {
    if (err instanceof OAuthError && err.code === failure) guard.recordFailure(attempt);
    throw err;
  }
}
