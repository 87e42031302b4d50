/**
 * What changed, so that in-memory read models can reload it. A client change reloads one client;
 * a tenant change reloads the tenant's settings, service accounts, APIs, grants and keys; a
 * revocations change reloads the tenant's unexpired revoked jtis and client cut-offs.
 */
export type Change =
  | { readonly kind: 'client'; readonly tenantId: string; readonly clientId: string }
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | { readonly kind: 'revocations'; readonly tenantId: string };

export type ChangeListener = (change: Change) => Promise<void>;

/** Carries changes to every read model (in this process; across processes with PostgreSQL). */
export interface ChangeFeed {
  publish(change: Change): Promise<void>;
  subscribe(listener: ChangeListener): void;
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
}
