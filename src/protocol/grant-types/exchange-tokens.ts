import type { TenantState } from '../../domain/read-model/tenant-state.js';
import { federatedIssuerOf, unverifiedClaims, verifyFederatedToken, type FederationDeps } from '../client-auth/federated.js';
import { assertionAudiences } from '../client-auth/private-key-jwt.js';
import { parseActClaim, type ActClaim } from '../delegation.js';
import { invalidRequest, OAuthError } from '../errors.js';
import { inspectAccessToken } from '../introspection.js';

/** The token type of an access token (RFC 8693 §3): a Tessera access token of the tenant. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** The token type of a JWT (RFC 8693 §3): a token of one of the tenant's federated issuers. */
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/** What an exchanged token inherits of its subject token. */
export interface SubjectToken {
  readonly sub: string;
  /** The scopes the subject holds: the exchanged token carries no other. */
  readonly scopes: ReadonlySet<string>;
  /** The subject token's `exp`: the exchanged token never outlives it. */
  readonly exp: number;
  /** The delegation the subject token already carries (RFC 8693 §4.1): kept, nested inside the new actor. */
  readonly act: ActClaim | undefined;
  /** Who may act for the subject (RFC 8693 §4.4), as the subject token says. */
  readonly mayAct: Readonly<Record<string, unknown>> | undefined;
  /** The subject token's confirmation (RFC 7800): the request must prove the same key. */
  readonly cnf: Readonly<Record<string, unknown>> | undefined;
  /** The external identity behind the subject, kept in the new token. */
  readonly federated: { readonly iss: string; readonly sub: string } | undefined;
}

export interface ExchangeInput {
  readonly tenant: TenantState;
  readonly issuer: string;
  readonly nowMs: number;
}

/** The one public answer to a subject token that is not acceptable: `invalid_request` (RFC 8693 §2.2.2). */
export function invalidSubject(detail: string): OAuthError {
  return new OAuthError('invalid_request', 'The subject token is not valid.', { detail });
}

/** A JSON object (not null, not an array), or undefined. */
function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * A Tessera access token of the tenant as a subject token, checked from memory as introspection
 * checks it (signature by a published key, issuer, `exp`, revoked `jti`, the client's cut-off).
 */
async function tenantSubject(token: string, input: ExchangeInput): Promise<SubjectToken> {
  const inspection = await inspectAccessToken(token, input);
  if (!inspection.active) throw invalidSubject(`subject token inactive (${inspection.cause}): ${inspection.reason}`);
  const { claims } = inspection;
  return {
    sub: claims.sub,
    scopes: new Set(claims.scope === undefined ? [] : claims.scope.split(' ').filter(Boolean)),
    exp: claims.exp,
    act: claims.act,
    mayAct: claims.may_act,
    cnf: claims.cnf,
    federated: claims.federated,
  };
}

/**
 * A token of one of the tenant's federated issuers as a subject token, verified as the jwt-bearer
 * grant verifies its assertion (docs/federation.md): it must match one client's federated
 * credential, and stands for that client — its `sub` as that client's own tokens have it, its
 * rights (every scope the client may get), the token's `exp`.
 */
async function federatedSubject(token: string, input: ExchangeInput, federation: FederationDeps): Promise<SubjectToken> {
  const claims = unverifiedClaims(token);
  const verifying = {
    token,
    claims,
    tenant: input.tenant,
    defaultAudiences: assertionAudiences(input.issuer),
    nowMs: input.nowMs,
    clientId: undefined,
    via: 'token_exchange' as const,
    fail: invalidSubject,
  };
  const { entry, identity } = await verifyFederatedToken(verifying, federatedIssuerOf(input.tenant, claims), federation);
  const scopes = new Set<string>();
  for (const permission of input.tenant.permissions(entry.client).values()) for (const scope of permission.scopes) scopes.add(scope);
  // The claims were read from the very text just verified: they are the verified claims.
  const act = parseActClaim(claims?.act);
  if (typeof act === 'string') throw invalidSubject(`federated subject token: ${act}`);
  return {
    sub: entry.client.serviceAccountId ?? entry.client.clientId,
    scopes,
    exp: identity.exp,
    act,
    mayAct: objectOrUndefined(claims?.may_act),
    cnf: undefined,
    federated: { iss: identity.iss, sub: identity.sub },
  };
}

/** The subject token of the request (RFC 8693 §2.1), by its `subject_token_type`; an unknown type is `invalid_request`. */
export function subjectToken(token: string, type: string, input: ExchangeInput, federation: FederationDeps): Promise<SubjectToken> {
  if (type === ACCESS_TOKEN_TYPE) return tenantSubject(token, input);
  if (type === JWT_TOKEN_TYPE) return federatedSubject(token, input, federation);
  throw invalidRequest(`The subject_token_type must be ${ACCESS_TOKEN_TYPE} or ${JWT_TOKEN_TYPE}.`);
}

/**
 * The actor token (RFC 8693 §2.1), when sent: it must be an active Tessera access token of the
 * requesting client itself (its `client_id`), which then acts in the new token as it always does;
 * anything else is `invalid_request` (RFC 8693 §2.2.2).
 */
export async function assertActorToken(token: string, type: string | undefined, clientId: string, input: ExchangeInput): Promise<void> {
  if (type !== ACCESS_TOKEN_TYPE) throw invalidRequest(`The actor_token_type must be ${ACCESS_TOKEN_TYPE}.`);
  const inspection = await inspectAccessToken(token, input);
  if (!inspection.active) throw invalidRequest('The actor token is not valid.', `actor token inactive (${inspection.cause}): ${inspection.reason}`);
  if (inspection.claims.client_id !== clientId) {
    throw invalidRequest('The actor token must be a token of the requesting client.', `actor token of ${inspection.claims.client_id}, request of ${clientId}`);
  }
}
