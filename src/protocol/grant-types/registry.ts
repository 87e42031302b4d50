import type { Clock } from '../../lib/clock.js';
import type { TenantState } from '../../domain/read-model/tenant-state.js';
import type { AuthenticatedClient } from '../client-auth/index.js';
import type { DelegationChain } from '../delegation.js';
import type { DpopProof } from '../dpop.js';
import type { RequestParams } from '../params.js';
import type { PresentedCertificate } from '../presented-certificate.js';

/** A successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  /** `DPoP` when the token is bound to a DPoP key (RFC 9449 §5). */
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope: string;
  /** The type of the token issued by token exchange (RFC 8693 §2.2.1). */
  issued_token_type?: string;
}

export interface GrantContext {
  /** Only the parameters the grant type declared, plus grant_type and client authentication. */
  readonly params: RequestParams;
  readonly client: AuthenticatedClient;
  readonly tenant: TenantState;
  readonly issuer: string;
  readonly clock: Clock;
  /** The verified DPoP proof of the request, or null: the token is then a bearer token. */
  readonly dpop: DpopProof | null;
  /** The request's client certificate, or null: a client with certificate-bound tokens has its tokens bound to it (RFC 8705 §3). */
  readonly certificate: PresentedCertificate | null;
  /** Told the delegation a token issued by token exchange carries (RFC 8693 §4.1), for the request's log line. */
  readonly delegated: (chain: DelegationChain) => void;
}

/** What a grant that names its own client (RFC 7523 §2.1) is given to find it. */
export interface GrantClientContext {
  /** Only the parameters the grant type declared, plus grant_type and client authentication. */
  readonly params: RequestParams;
  readonly tenant: TenantState;
  readonly issuer: string;
  readonly nowMs: number;
  /** The client that authenticated, or null when the request carried no client credentials. */
  readonly authenticated: AuthenticatedClient | null;
  /** Told the client's id as soon as it is known (brute-force protection: throws while it is locked). */
  readonly identified: (clientId: string) => void;
}

/** One OAuth grant type: the parameters it reads and how it answers. */
export interface GrantType {
  readonly name: string;
  readonly parameters: readonly string[];
  /** Parameters that may appear more than once (e.g. RFC 8707 `resource`). */
  readonly repeatable: readonly string[];
  /**
   * Set by a grant whose own parameters identify the client: client authentication is then
   * optional, and this finds the client (the authenticated one must be it). Its refusals are
   * invalid_grant and count as failed authentications.
   */
  readonly clientOfGrant?: (ctx: GrantClientContext) => Promise<AuthenticatedClient>;
  handle(ctx: GrantContext): Promise<TokenResponse>;
}

/** The grant types a token endpoint serves; built-ins register here like any other. */
export class GrantTypeRegistry {
  readonly #types = new Map<string, GrantType>();

  register(type: GrantType): this {
    this.#types.set(type.name, type);
    return this;
  }

  get(name: string): GrantType | undefined {
    return this.#types.get(name);
  }

  names(): string[] {
    return [...this.#types.keys()];
  }
}
