import type { Clock } from '../lib/clock.js';
import { isConnectionFailure } from './errors.js';

export type HealthListener = (available: boolean, cause?: unknown) => void;

/**
 * Whether this process can count on the database, and since when it cannot. Two signals feed
 * it: the change feed's connection (a process that does not hear other processes' changes may
 * serve stale data) and the outcome of queries (a failed connection marks the store down, the
 * next query that succeeds marks it up). A store without a feed (SQLite) only has the second.
 */
export class StoreHealth {
  #feedUp = true;
  #queriesFailing = false;
  #downSinceMs: number | null = null;
  readonly #listeners: HealthListener[] = [];

  constructor(private readonly clock: Clock) {}

  get available(): boolean {
    return this.#feedUp && !this.#queriesFailing;
  }

  /** When the current outage began (epoch ms, from the injected clock), or null when available. */
  get downSinceMs(): number | null {
    return this.#downSinceMs;
  }

  /** Called on every change between available and unavailable. */
  onChange(listener: HealthListener): void {
    this.#listeners.push(listener);
  }

  /** The feed has lost its connection. */
  feedLost(cause?: unknown): void {
    this.#set(() => (this.#feedUp = false), cause);
  }

  /** The feed listens again and the read model has been reloaded. */
  feedRestored(): void {
    this.#set(() => (this.#feedUp = true));
  }

  /** A query failed: only a connection failure makes the store unavailable. */
  queryFailed(err: unknown): void {
    if (isConnectionFailure(err)) this.#set(() => (this.#queriesFailing = true), err);
  }

  querySucceeded(): void {
    if (this.#queriesFailing) this.#set(() => (this.#queriesFailing = false));
  }

  #set(change: () => void, cause?: unknown): void {
    const before = this.available;
    change();
    const after = this.available;
    if (before === after) return;
    this.#downSinceMs = after ? null : this.clock.now();
    for (const listener of this.#listeners) listener(after, cause);
  }
}
