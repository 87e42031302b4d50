import { errors, jwtVerify, type JWTPayload } from 'jose';
import type { TenantState, VerifiedAccessToken } from '../domain/read-model/tenant-state.js';
import { SIGNING_ALGS } from '../domain/tenants/model.js';
import type { Clock } from '../lib/clock.js';
import type { AccessTokenClaims } from './access-token.js';
import { parseActClaim } from './delegation.js';
import type { AuthenticatedClient } from './client-auth/index.js';
import type { BruteForceGuard } from './brute-force.js';
import type { ClientAuthDeps } from './client-auth/index.js';
import { authenticateEndpointClient, tokenParameter, type ClientEndpointRequest } from './endpoint-client.js';

/**
 * The claims of an access token that passed every check of `inspectAccessToken`: those Tessera
 * issues, with any RFC 7800 confirmation object (e.g. `{jkt}` of a DPoP-bound token, RFC 9449 §6).
 */
export type ActiveTokenClaims = Omit<AccessTokenClaims, 'cnf' | 'federated'> & {
  cnf?: Record<string, unknown>;
  /** The external identity behind a client that authenticated with a federated credential. */
  federated?: { iss: string; sub: string };
  /** Who may act for the subject (RFC 8693 §4.4), as the token carries it. */
  may_act?: Record<string, unknown>;
};

/** Why a token is inactive, in the categories a resource may tell its caller: anything but expiry or revocation is `invalid`. */
export type InactiveCause = 'expired' | 'revoked' | 'invalid';

export type TokenInspection = { active: true; claims: ActiveTokenClaims } | { active: false; reason: string; cause: InactiveCause };

export interface InspectionContext {
  tenant: TenantState;
  issuer: string;
  nowMs: number;
}

const inactive = (reason: string, cause: InactiveCause = 'invalid'): TokenInspection => ({ active: false, reason, cause });

function claimsOf(payload: JWTPayload): ActiveTokenClaims | string {
  const { iss, sub, aud, exp, iat, jti, client_id: clientId, scope, cnf, federated, act, may_act: mayAct } = payload as JWTPayload & Record<string, unknown>;
  if (typeof iss !== 'string' || typeof sub !== 'string' || typeof jti !== 'string' || typeof clientId !== 'string') return 'a string claim is missing';
  if (typeof exp !== 'number' || typeof iat !== 'number') return 'exp or iat is not a number';
  if (typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) return 'aud is missing';
  if (scope !== undefined && typeof scope !== 'string') return 'scope is not a string';
  if (cnf !== undefined && (cnf === null || typeof cnf !== 'object' || Array.isArray(cnf))) return 'cnf is not an object';
  const actor = parseActClaim(act);
  if (typeof actor === 'string') return actor;
  if (mayAct !== undefined && (mayAct === null || typeof mayAct !== 'object' || Array.isArray(mayAct))) return 'may_act is not an object';
  const claims: ActiveTokenClaims = { iss, sub, aud, exp, iat, jti, client_id: clientId };
  if (scope !== undefined) claims.scope = scope;
  if (cnf !== undefined) claims.cnf = cnf as Record<string, unknown>;
  const external = federated as { iss?: unknown; sub?: unknown } | null | undefined;
  if (typeof external?.iss === 'string' && typeof external.sub === 'string') claims.federated = { iss: external.iss, sub: external.sub };
  if (actor !== undefined) claims.act = actor;
  if (mayAct !== undefined) claims.may_act = mayAct as Record<string, unknown>;
  return claims;
}

/**
 * The token's payload and kid once its signature, `typ`, algorithm, issuer and times are checked:
 * by jose the first time in this process, then from the tenant's verified tokens (the same text,
 * so the same signature, header and claims), whose issuer and times are checked again here as
 * jose checks them. Anything else is inactive.
 */
async function verifiedAccessToken(token: string, ctx: InspectionContext): Promise<VerifiedAccessToken | TokenInspection> {
  const verifiedTokens = ctx.tenant.verifiedTokens();
  const known = verifiedTokens.get(token);
  if (known) return stillValid(known, ctx) ?? known;
  try {
    const { payload, protectedHeader } = await jwtVerify(token, ctx.tenant.verificationKeys(), {
      issuer: ctx.issuer,
      typ: 'at+jwt',
      algorithms: [...SIGNING_ALGS],
      currentDate: new Date(ctx.nowMs),
      requiredClaims: ['exp', 'iat', 'jti', 'sub', 'client_id'],
    });
    const verified = { payload: Object.freeze(payload), kid: protectedHeader.kid };
    verifiedTokens.set(token, verified);
    return verified;
  } catch (err) {
    if (err instanceof errors.JWTExpired) return inactive(`${err.code}: ${err.message}`, 'expired');
    if (err instanceof errors.JOSEError) return inactive(`${err.code}: ${err.message}`);
    // jose answers malformed input with its own errors; anything else is still not a token of ours.
    return inactive(`not verifiable: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The checks of jwtVerify that depend on the request, not on the token's text: its issuer, `exp` and `nbf` now. */
function stillValid({ payload }: VerifiedAccessToken, ctx: InspectionContext): TokenInspection | undefined {
  const now = Math.floor(ctx.nowMs / 1000);
  if (payload.iss !== ctx.issuer) return inactive('ERR_JWT_CLAIM_VALIDATION_FAILED: unexpected "iss" claim value');
  // jose's rules without clock tolerance: expired when exp <= now, not yet valid when nbf > now.
  if (typeof payload.exp !== 'number' || payload.exp <= now) return inactive('ERR_JWT_EXPIRED: "exp" claim timestamp check failed', 'expired');
  if (typeof payload.nbf === 'number' && payload.nbf > now) return inactive('ERR_JWT_CLAIM_VALIDATION_FAILED: "nbf" claim timestamp check failed');
  return undefined;
}

/**
 * Whether a presented token is an active access token of this tenant (RFC 7662 §2.2): a JWT with
 * `typ: at+jwt` (RFC 9068 §2.1) signed by a key the tenant publishes now (checked against the
 * in-memory keys, never fetched), issued by this issuer, not expired, and not revoked — neither
 * its `jti` (RFC 7009) nor by its client's cut-off. Anything else is inactive, with a private reason.
 */
export async function inspectAccessToken(token: string, ctx: InspectionContext): Promise<TokenInspection> {
  const verified = await verifiedAccessToken(token, ctx);
  if ('active' in verified) return verified;
  const { payload, kid } = verified;
  if (!ctx.tenant.isPublished(kid, ctx.nowMs)) return inactive(`key ${String(kid)} is no longer published`);
  const claims = claimsOf(payload);
  if (typeof claims === 'string') return inactive(claims);
  if (ctx.tenant.revocations.isRevoked({ jti: claims.jti, clientId: claims.client_id, iat: claims.iat })) {
    return inactive(`token ${claims.jti} of client ${claims.client_id} is revoked`, 'revoked');
  }
  return { active: true, claims };
}

/** RFC 7662 §2.2: an inactive token is answered with `active: false` and nothing else. */
export type IntrospectionResponse = { active: false } | ({ active: true; token_type: 'Bearer' | 'DPoP' } & ActiveTokenClaims);

/** The introspection answer for an inspected token: its claims and `token_type` (DPoP when bound by `cnf.jkt`). */
export function introspectionResponse(inspection: TokenInspection): IntrospectionResponse {
  if (!inspection.active) return { active: false };
  const { scope, client_id, sub, aud, iss, exp, iat, jti, cnf, act, may_act } = inspection.claims;
  const tokenType = typeof cnf?.jkt === 'string' ? 'DPoP' : 'Bearer';
  return {
    active: true,
    ...(scope !== undefined ? { scope } : {}),
    client_id,
    sub,
    aud,
    iss,
    exp,
    iat,
    jti,
    token_type: tokenType,
    ...(cnf !== undefined ? { cnf } : {}),
    // RFC 8693 §4.1 and §4.4: the delegation a token carries is part of what a resource must see.
    ...(act !== undefined ? { act } : {}),
    ...(may_act !== undefined ? { may_act } : {}),
  };
}

export interface IntrospectionOutcome {
  response: IntrospectionResponse;
  /** The client that asked. */
  client: AuthenticatedClient;
  /** Why the token is inactive: for the log only. */
  inactiveReason?: string;
}

/**
 * The introspection endpoint (RFC 7662 §2): the caller authenticates as a client of the tenant;
 * `token` is required, `token_type_hint` is optional and ignored (only access tokens exist).
 */
export async function handleIntrospectionRequest(
  req: ClientEndpointRequest,
  deps: { clock: Clock; clientAuth: ClientAuthDeps; guard: BruteForceGuard },
): Promise<IntrospectionOutcome> {
  const nowMs = deps.clock.now();
  const client = await authenticateEndpointClient(req, nowMs, deps);
  const token = tokenParameter(req.params);
  const inspection = await inspectAccessToken(token, { tenant: req.tenant, issuer: req.issuer, nowMs });
  const response = introspectionResponse(inspection);
  return inspection.active ? { response, client } : { response, client, inactiveReason: inspection.reason };
}
