/**
 * What changed, so that in-memory read models can reload it. A client change reloads one client;
 * a tenant change reloads the tenant's settings, service accounts, APIs, grants and keys; a
 * revocations change reloads the tenant's unexpired revoked jtis and client cut-offs; a
 * federated-issuer change reloads the tenant's settings (its federated issuers among them) and
 * drops that issuer's fetched keys; a configuration change (one per tenant an apply changed)
 * reloads the whole tenant, its clients included.
 * Changes travel between processes as JSON: every kind is a plain object with `kind` and
 * `tenantId`, and a read model treats a kind it does not know as a tenant change.
 */
export type Change =
  | { readonly kind: 'client'; readonly tenantId: string; readonly clientId: string }
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | { readonly kind: 'configuration'; readonly tenantId: string }
  | { readonly kind: 'revocations'; readonly tenantId: string }
  | { readonly kind: 'federated-issuer'; readonly tenantId: string; readonly issuerId: string };

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
