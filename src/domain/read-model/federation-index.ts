import { credentialMatches, spiffeTrustDomain } from '../federation/matching.js';
import { ANY_SUBJECT, type FederatedCredential, type FederatedIssuer } from '../federation/model.js';
import type { ClientEntry } from './tenant-state.js';

/** One credential and the client that holds it. */
interface Held {
  readonly credential: FederatedCredential;
  readonly entry: ClientEntry;
}

/** The credentials of one issuer: by exact subject, and those whose subject is `"*"`. */
interface IssuerCredentials {
  readonly bySubject: Map<string, Held[]>;
  readonly anySubject: Held[];
}

/**
 * The federated issuers of one tenant and the credentials that name them, indexed so that a
 * verified token finds its client without scanning every client: by issuer id, then by `sub`.
 * Kept up to date as clients are set and removed (the read model's TenantState calls it).
 */
export class FederationIndex {
  #byIssuer = new Map<string, FederatedIssuer>();
  #byTrustDomain = new Map<string, FederatedIssuer>();
  #byId = new Map<string, FederatedIssuer>();
  readonly #credentials = new Map<string, IssuerCredentials>();

  /** Replaces the issuers (settings reloaded); credentials stay indexed by issuer id. */
  setIssuers(issuers: readonly FederatedIssuer[]): void {
    this.#byIssuer = new Map();
    this.#byTrustDomain = new Map();
    this.#byId = new Map();
    for (const issuer of issuers) {
      this.#byId.set(issuer.id, issuer);
      if (issuer.kind === 'spiffe') {
        const domain = spiffeTrustDomain(issuer.issuer);
        if (domain !== null) this.#byTrustDomain.set(domain, issuer);
      } else {
        this.#byIssuer.set(issuer.issuer, issuer);
      }
    }
  }

  /** Whether the tenant trusts any federated issuer at all (the token path skips federation otherwise). */
  get empty(): boolean {
    return this.#byId.size === 0;
  }

  issuerById(id: string): FederatedIssuer | undefined {
    return this.#byId.get(id);
  }

  /** The `oidc` or `kubernetes` issuer whose `issuer` is exactly `iss`. */
  issuerOf(iss: unknown): FederatedIssuer | undefined {
    return typeof iss === 'string' ? this.#byIssuer.get(iss) : undefined;
  }

  /** The `spiffe` issuer of the trust domain of a SPIFFE ID (a JWT-SVID's `sub`). */
  spiffeIssuerOf(sub: unknown): FederatedIssuer | undefined {
    const domain = spiffeTrustDomain(sub);
    return domain === null ? undefined : this.#byTrustDomain.get(domain);
  }

  /** The distinct clients holding a credential of the issuer that the verified claims match (one, when registration kept credentials apart). */
  matchingClients(issuerId: string, claims: Readonly<Record<string, unknown>>): ClientEntry[] {
    const held = this.#credentials.get(issuerId);
    if (!held) return [];
    const candidates = [...(typeof claims.sub === 'string' ? (held.bySubject.get(claims.sub) ?? []) : []), ...held.anySubject];
    const out: ClientEntry[] = [];
    for (const { credential, entry } of candidates) {
      if (credentialMatches(credential, claims) && !out.includes(entry)) out.push(entry);
    }
    return out;
  }

  setClient(entry: ClientEntry, previous: ClientEntry | undefined): void {
    if (previous) this.removeClient(previous);
    for (const credential of entry.client.federatedCredentials) {
      let held = this.#credentials.get(credential.issuerId);
      if (!held) this.#credentials.set(credential.issuerId, (held = { bySubject: new Map(), anySubject: [] }));
      if (credential.subject === ANY_SUBJECT) held.anySubject.push({ credential, entry });
      else {
        const list = held.bySubject.get(credential.subject);
        if (list) list.push({ credential, entry });
        else held.bySubject.set(credential.subject, [{ credential, entry }]);
      }
    }
  }

  removeClient(entry: ClientEntry): void {
    for (const credential of entry.client.federatedCredentials) {
      const held = this.#credentials.get(credential.issuerId);
      if (!held) continue;
      const keep = (list: Held[]) => list.filter((h) => h.entry.client.clientId !== entry.client.clientId);
      if (credential.subject === ANY_SUBJECT) held.anySubject.splice(0, held.anySubject.length, ...keep(held.anySubject));
      else {
        const list = keep(held.bySubject.get(credential.subject) ?? []);
        if (list.length > 0) held.bySubject.set(credential.subject, list);
        else held.bySubject.delete(credential.subject);
      }
    }
  }
}
