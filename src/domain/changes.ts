// The change model (src/domain/changes/model.ts) and how a change sent as JSON is read
// (src/storage/change-json.ts), with the feeds that carry changes in this process.
import type { Change, ChangeFeed, ChangeListener } from './changes/model.js';

export type { Change, ChangeFeed, ChangeListener } from './changes/model.js';
export { parseChange } from '../storage/change-json.js';

/** The in-process feed: publish resolves once every listener has applied the change. */
export class LocalChangeFeed implements ChangeFeed {
  readonly #listeners: ChangeListener[] = [];

  subscribe(listener: ChangeListener): void {
    this.#listeners.push(listener);
  }

  async publish(change: Change): Promise<void> {
    for (const listener of this.#listeners) await listener(change);
  }

  async start(): Promise<void> {}

  async close(): Promise<void> {}
}

/**
 * A feed shared by the processes of one cluster (`tessera serve --workers N`): a change
 * published here goes through `inner` (this process, and other machines with PostgreSQL) while
 * `relay` hands it to the sibling processes; it resolves once all have applied it, so an admin
 * write answered by the primary is already visible to every worker. Changes relayed from a
 * sibling arrive through `deliver`, which applies them here only.
 */
export class RelayedChangeFeed implements ChangeFeed {
  readonly #listeners: ChangeListener[] = [];

  constructor(
    private readonly inner: ChangeFeed,
    private readonly relay: (change: Change) => Promise<void>,
  ) {
    inner.subscribe((change) => this.deliver(change));
  }

  subscribe(listener: ChangeListener): void {
    this.#listeners.push(listener);
  }

  /** Applies `change` here (and sends it to other machines) while the sibling processes apply it: resolves once all have. */
  async publish(change: Change): Promise<void> {
    await Promise.all([this.inner.publish(change), this.relay(change)]);
  }

  /** Applies a change a sibling process made (or `inner` heard of) to this process's listeners. */
  async deliver(change: Change): Promise<void> {
    for (const listener of this.#listeners) await listener(change);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
