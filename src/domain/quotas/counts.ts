import { setImmediate } from 'node:timers';
import type { ClientSlots } from '../read-model/client-slots.js';
import { PERIOD_SECONDS, QUOTA_PERIODS, quotaLimit, windowStart, type QuotaCount, type QuotaPeriod, type TokenQuota } from './model.js';

/** One client's count in the current window of one period. */
interface WindowCount {
  /** The window's start, epoch seconds. */
  start: number;
  /** Tokens this server issued in it: this process's and its sibling processes' (told over IPC). */
  server: number;
  /** Tokens the other servers issued in it, as last read from the database. */
  remote: number;
  /** The `server` count last written to the database. */
  written: number;
}

interface ClientCounts {
  readonly tenantId: string;
  readonly clientId: string;
  readonly windows: Record<QuotaPeriod, WindowCount>;
}

/** A window crossed: a token was asked for while its count had reached the limit (one audit event per window). */
export interface QuotaExcess {
  tenantId: string;
  clientId: string;
  period: QuotaPeriod;
  windowStart: number;
  limit: number;
  enforce: boolean;
}

/** Counts told to the other processes of a server: [tenant, client, period, window start, tokens added]. */
export type QuotaShare = [tenantId: string, clientId: string, period: QuotaPeriod, windowStart: number, added: number][];

/** What a process tells its siblings: the counts it added, and (a worker to its primary) the windows crossed. */
export interface QuotaShared {
  counts: QuotaShare;
  excess: QuotaExcess[];
}

/** One limited period of a decision, as the RateLimit header field tells it. */
export interface QuotaPeriodState {
  period: QuotaPeriod;
  limit: number;
  /** Tokens left in the window after this request. */
  remaining: number;
  /** Seconds until the window ends. */
  resetSeconds: number;
}

/** What the token path decided for one request of a client with a quota. */
export interface QuotaDecision {
  /** True when the request is refused (an enforced quota is used up): nothing was counted. */
  refused: boolean;
  /** The periods the quota limits, in QUOTA_PERIODS order. */
  periods: QuotaPeriodState[];
  /** The periods whose limit had been reached when the request came. */
  exceeded: QuotaPeriod[];
  /** Seconds until every exceeded window has ended (0 when none is). */
  retryAfter: number;
  /** The window starts counted (to give back), or null when nothing was. */
  counted: Record<QuotaPeriod, number> | null;
}

/** Where a client's use stands in one period, for the admin API. */
export interface QuotaUse {
  period: QuotaPeriod;
  limit: number | null;
  used: number;
  windowStart: number;
}

const excessKey = (slot: number, period: QuotaPeriod, start: number) => `${slot} ${period} ${start}`;

/**
 * The token quotas' counts (docs/quotas.md), in this process's memory: per client with a quota
 * and per period, the count of the current fixed window (UTC hour, UTC day). The token path
 * charges a token before it is issued (refused when an enforced quota is used up) and gives it
 * back when the request fails after all; nothing is written or awaited there. A process of a
 * cluster tells its siblings what it counted at the end of each event-loop turn (`share`); the
 * process that writes to the database (QuotaSync) adds the other servers' counts.
 */
export class QuotaCounts {
  readonly #bySlot = new Map<number, ClientCounts>();
  #unshared = new Map<string, QuotaShare[number]>();
  readonly #excess = new Map<string, QuotaExcess>();
  /** Windows whose excess has been audited (or found audited): not queued again. */
  readonly #audited = new Set<string>();
  #sharing = false;

  constructor(
    private readonly slots: ClientSlots,
    /** Tells the sibling processes what was counted (a cluster); called at most once per event-loop turn. */
    private readonly share?: (counts: QuotaShare) => void,
  ) {}

  #client(slot: number, tenantId: string, clientId: string, nowMs: number): ClientCounts {
    let client = this.#bySlot.get(slot);
    if (client === undefined) {
      const fresh = (period: QuotaPeriod): WindowCount => ({ start: windowStart(nowMs, period), server: 0, remote: 0, written: 0 });
      this.#bySlot.set(slot, (client = { tenantId, clientId, windows: { hour: fresh('hour'), day: fresh('day') } }));
    }
    return client;
  }

  /** The window of `period` starting at `start`, rolled forward when a newer one began; undefined when `start` is an older one. */
  #window(client: ClientCounts, period: QuotaPeriod, start: number): WindowCount | undefined {
    const w = client.windows[period];
    if (start < w.start) return undefined;
    if (start > w.start) Object.assign(w, { start, server: 0, remote: 0, written: 0 });
    return w;
  }

  /** Charges one token to the client (slot) under its quota, unless the quota is enforced and used up (RFC 6585 §4). */
  charge(tenantId: string, clientId: string, slot: number, quota: TokenQuota, nowMs: number): QuotaDecision {
    const client = this.#client(slot, tenantId, clientId, nowMs);
    const exceeded: QuotaPeriod[] = [];
    let retryAfter = 0;
    const starts = { hour: windowStart(nowMs, 'hour'), day: windowStart(nowMs, 'day') };
    for (const period of QUOTA_PERIODS) {
      const limit = quotaLimit(quota, period);
      // Undefined only if the clock went back behind the window counted: nothing to refuse then.
      const w = this.#window(client, period, starts[period]);
      if (limit === undefined || w === undefined || w.server + w.remote < limit) continue;
      exceeded.push(period);
      retryAfter = Math.max(retryAfter, resetSeconds(w.start, period, nowMs));
      const key = excessKey(slot, period, w.start);
      if (!this.#audited.has(key) && !this.#excess.has(key)) {
        this.#excess.set(key, { tenantId, clientId, period, windowStart: w.start, limit, enforce: quota.enforce });
        this.#scheduleShare();
      }
    }
    const refused = quota.enforce && exceeded.length > 0;
    if (!refused) for (const period of QUOTA_PERIODS) this.#add(client, period, starts[period], 1);
    const periods: QuotaPeriodState[] = [];
    for (const period of QUOTA_PERIODS) {
      const limit = quotaLimit(quota, period);
      if (limit === undefined) continue;
      const w = client.windows[period];
      periods.push({ period, limit, remaining: Math.max(0, limit - w.server - w.remote), resetSeconds: resetSeconds(w.start, period, nowMs) });
    }
    return { refused, periods, exceeded, retryAfter, counted: refused ? null : starts };
  }

  /** Gives back a token charged by `decision` whose request failed after all. */
  giveBack(slot: number, decision: QuotaDecision): void {
    const client = this.#bySlot.get(slot);
    if (client === undefined || decision.counted === null) return;
    for (const period of QUOTA_PERIODS) this.#add(client, period, decision.counted[period], -1);
  }

  #add(client: ClientCounts, period: QuotaPeriod, start: number, n: number): void {
    const w = this.#window(client, period, start);
    if (w === undefined) return;
    w.server += n;
    if (this.share === undefined) return;
    const key = `${client.tenantId} ${client.clientId} ${period} ${start}`;
    const entry = this.#unshared.get(key);
    if (entry) entry[4] += n;
    else this.#unshared.set(key, [client.tenantId, client.clientId, period, start, n]);
    this.#scheduleShare();
  }

  /** Some siblings' process has something to tell: once, at the end of this event-loop turn. */
  #scheduleShare(): void {
    if (this.share === undefined || this.#sharing) return;
    this.#sharing = true;
    setImmediate(() => {
      this.#sharing = false;
      const counts = [...this.#unshared.values()];
      this.#unshared = new Map();
      this.share?.(counts);
    });
  }

  /** Adds what a sibling process counted; in the writing process, queues the windows it saw crossed. */
  merge(shared: QuotaShared, nowMs: number): void {
    for (const [tenantId, clientId, period, start, added] of shared.counts) {
      const w = this.#window(this.#client(this.slots.slotOf(tenantId, clientId), tenantId, clientId, nowMs), period, start);
      if (w !== undefined) w.server += added;
    }
    for (const e of shared.excess) {
      const key = excessKey(this.slots.slotOf(e.tenantId, e.clientId), e.period, e.windowStart);
      if (!this.#audited.has(key)) this.#excess.set(key, e);
    }
  }

  /** Takes the windows crossed and not yet audited: a worker hands them to its primary, the writing process audits them. */
  takeExcess(): QuotaExcess[] {
    const taken = [...this.#excess.values()];
    this.#excess.clear();
    return taken;
  }

  /** Marks a window's excess as audited (here or by another server): it is not queued again. */
  audited(e: QuotaExcess): void {
    this.#audited.add(excessKey(this.slots.slotOf(e.tenantId, e.clientId), e.period, e.windowStart));
  }

  /** Queues again windows whose audit could not be written. */
  requeue(excess: readonly QuotaExcess[]): void {
    for (const e of excess) this.#excess.set(excessKey(this.slots.slotOf(e.tenantId, e.clientId), e.period, e.windowStart), e);
  }

  /** This server's counts of the current windows that changed since they were last written (`markWritten` once they are). */
  unwritten(nowMs: number): QuotaCount[] {
    const out: QuotaCount[] = [];
    for (const client of this.#bySlot.values()) {
      for (const period of QUOTA_PERIODS) {
        const w = this.#window(client, period, windowStart(nowMs, period));
        if (w !== undefined && w.server !== w.written)
          out.push({ tenantId: client.tenantId, clientId: client.clientId, period, windowStart: w.start, count: w.server });
      }
    }
    return out;
  }

  /** Records what was written (QuotaSync). */
  markWritten(counts: readonly QuotaCount[]): void {
    for (const c of counts) {
      const w = this.#bySlot.get(this.slots.slotOf(c.tenantId, c.clientId))?.windows[c.period];
      if (w !== undefined && w.start === c.windowStart) w.written = c.count;
    }
  }

  /** Sets the other servers' counts (read from the database), and forgets the audits of windows that have ended. */
  setRemote(counts: readonly QuotaCount[], nowMs: number): void {
    for (const c of counts) {
      const w = this.#window(this.#client(this.slots.slotOf(c.tenantId, c.clientId), c.tenantId, c.clientId, nowMs), c.period, c.windowStart);
      if (w !== undefined) w.remote = c.count;
    }
    const current = { hour: windowStart(nowMs, 'hour'), day: windowStart(nowMs, 'day') };
    for (const key of this.#audited) {
      const [, period, start] = key.split(' ') as [string, QuotaPeriod, string];
      if (Number(start) < current[period]) this.#audited.delete(key);
    }
  }

  /** Every current window: its server count and the other servers' (the writing process tells its workers, which may have missed some). */
  baseline(nowMs: number): { server: QuotaCount[]; remote: QuotaCount[] } {
    const server: QuotaCount[] = [];
    const remote: QuotaCount[] = [];
    for (const client of this.#bySlot.values()) {
      for (const period of QUOTA_PERIODS) {
        const w = this.#window(client, period, windowStart(nowMs, period));
        if (w === undefined) continue;
        const at = { tenantId: client.tenantId, clientId: client.clientId, period, windowStart: w.start };
        server.push({ ...at, count: w.server });
        remote.push({ ...at, count: w.remote });
      }
    }
    return { server, remote };
  }

  /** Takes a baseline from the writing process: its remote counts, and its server counts where they are ahead of this process's. */
  applyBaseline(baseline: { server: QuotaCount[]; remote: QuotaCount[] }, nowMs: number): void {
    this.setRemote(baseline.remote, nowMs);
    for (const c of baseline.server) {
      const w = this.#window(this.#client(this.slots.slotOf(c.tenantId, c.clientId), c.tenantId, c.clientId, nowMs), c.period, c.windowStart);
      if (w !== undefined) w.server = Math.max(w.server, c.count);
    }
  }

  /** The client's use of its quota in the current windows, as this process knows it. */
  use(tenantId: string, clientId: string, quota: TokenQuota | null, nowMs: number): QuotaUse[] {
    const client = this.#bySlot.get(this.slots.slotOf(tenantId, clientId));
    return QUOTA_PERIODS.map((period) => {
      const start = windowStart(nowMs, period);
      const w = client?.windows[period];
      const used = w !== undefined && w.start === start ? w.server + w.remote : 0;
      return { period, limit: (quota && quotaLimit(quota, period)) ?? null, used, windowStart: start };
    });
  }
}

/** Seconds from `nowMs` to the end of the window of `period` that started at `start` (at least 1). */
export function resetSeconds(start: number, period: QuotaPeriod, nowMs: number): number {
  return Math.max(1, Math.ceil(start + PERIOD_SECONDS[period] - nowMs / 1000));
}
