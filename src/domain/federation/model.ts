import type { JSONWebKeySet } from 'jose';
import { VERIFY_JWS_ALGS, type VerifyJwsAlg } from '../../lib/public-jwk.js';

/** How an issuer's keys are found and how its tokens name their issuer (docs/federation.md). */
export const FEDERATED_ISSUER_KINDS = ['oidc', 'kubernetes', 'spiffe'] as const;
export type FederatedIssuerKind = (typeof FEDERATED_ISSUER_KINDS)[number];

/** Algorithms a federated token may be signed with: asymmetric only, never `none` or HMAC (RFC 7518 §3.1, RFC 8037 §3.1). */
export const FEDERATION_ALGS = VERIFY_JWS_ALGS;
export type FederationAlg = VerifyJwsAlg;

/** Seconds since `iat` a federated token is accepted by default. */
export const DEFAULT_MAX_TOKEN_AGE = 3600;

/** At most this many federated credentials per client. */
export const MAX_FEDERATED_CREDENTIALS = 20;

/**
 * A platform that vouches for workloads with signed JWTs, trusted by one tenant: its tokens
 * authenticate the clients whose federated credentials they match.
 */
export interface FederatedIssuer {
  id: string;
  tenantId: string;
  name: string;
  kind: FederatedIssuerKind;
  /** The exact `iss` of its tokens; for `spiffe`, `spiffe://<trust domain>` (matched against the trust domain of `sub`). */
  issuer: string;
  /** Inline keys; else `jwksUri`; else OIDC discovery (`discoveryUrl`, or `{issuer}/.well-known/openid-configuration`). */
  jwks: JSONWebKeySet | null;
  jwksUri: string | null;
  /** Where the discovery document is when not under `issuer` (managed Kubernetes clusters). */
  discoveryUrl: string | null;
  /** The `aud` values accepted; null: the tenant's issuer and its token endpoint. */
  audiences: string[] | null;
  /** Seconds since `iat` a token is accepted; tokens without `iat` are refused. */
  maxTokenAge: number;
  /** Each `jti` works once, across every process. */
  requireJti: boolean;
  /** `kubernetes`: a file whose token is sent as a bearer token to this issuer's discovery and JWKS URLs only. */
  bearerTokenFile: string | null;
  /** The issued token may outlive the assertion (RFC 7521 §4.1 caps it otherwise). */
  allowLongerThanAssertion: boolean;
  /** Algorithms accepted; null: every one of FEDERATION_ALGS. */
  algorithms: FederationAlg[] | null;
  createdAt: string;
  updatedAt: string;
}

/** A claim condition: the token's claim must equal the string, or one of the strings. */
export type ClaimCondition = string | string[];

/**
 * What a federated token must carry to authenticate a client: its issuer's `issuer`, `sub`
 * equal to `subject` (or any `sub` when `subject` is `"*"` and at least one claim condition is
 * given), and every claim condition met.
 */
export interface FederatedCredential {
  id: string;
  /** The FederatedIssuer's id. */
  issuerId: string;
  subject: string;
  claims: Record<string, ClaimCondition>;
}

/** The subject that matches any `sub` (only with at least one claim condition). */
export const ANY_SUBJECT = '*';
