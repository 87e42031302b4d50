/**
 * What changed, so that in-memory read models can reload it. A client change reloads one client;
 * a tenant change reloads the tenant's settings, service accounts, APIs, grants and keys; a
 * revocations change reloads the tenant's unexpired revoked jtis and client cut-offs.
 * Changes travel between processes as JSON: every kind is a plain object with `kind` and
 * `tenantId`, and a read model treats a kind it does not know as a tenant change.
 */
export type Change =
  | { readonly kind: 'client'; readonly tenantId: string; readonly clientId: string }
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | { readonly kind: 'revocations'; readonly tenantId: string };

export type ChangeListener = (change: Change) => Promise<void>;

/**
 * Carries changes to every read model: in this process, and with PostgreSQL to every other
 * process too. Services publish after their transaction has committed, and await it.
 */
export interface ChangeFeed {
  /** Applies the change in this process (resolves once every listener has), then tells the others. */
  publish(change: Change): Promise<void>;
  subscribe(listener: ChangeListener): void;
  /** Starts hearing other processes' changes (a no-op where there are none). */
  start(): Promise<void>;
  close(): Promise<void>;
}

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

/** Reads a change received as JSON: any object with a string `kind` and `tenantId`, else undefined. */
export function parseChange(value: unknown): Change | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { kind, tenantId } = value as { kind?: unknown; tenantId?: unknown };
  return typeof kind === 'string' && typeof tenantId === 'string' ? (value as Change) : undefined;
}

/**
 * A feed shared by the processes of one cluster (`tessera serve --workers N`): a change
 * published here goes through `inner` (this process, and other machines with PostgreSQL), then
 * `relay` hands it to the sibling processes and resolves once they have applied it, so an admin
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

  async publish(change: Change): Promise<void> {
    await this.inner.publish(change);
    await this.relay(change);
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
