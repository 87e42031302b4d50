import { decodeJwt, decodeProtectedHeader, errors, type JWK, type JWTPayload } from 'jose';
import { FEDERATION_ALGS, type FederatedIssuer, type FederationAlg } from '../../domain/federation/model.js';
import type { ClientEntry, TenantState } from '../../domain/read-model/tenant-state.js';
import type { JwtVerifier } from '../../lib/jwt-verifier.js';
import { isVerifyJwsAlg, jwkVerifies } from '../../lib/public-jwk.js';
import type { OAuthError } from '../errors.js';
import { importedKey } from './imported-keys.js';
import { ASSERTION_CLOCK_TOLERANCE_S, JWT_BEARER_ASSERTION_TYPE } from './private-key-jwt.js';
import { assertClientMayAuthenticate } from './usable.js';

/** The client_assertion_type of a JWT-SVID (draft-ietf-oauth-spiffe-client-auth). */
export const JWT_SPIFFE_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-spiffe';

/** The client assertion types the token endpoint accepts (discovery's client_assertion_types_supported). */
export const CLIENT_ASSERTION_TYPES = [JWT_BEARER_ASSERTION_TYPE, JWT_SPIFFE_ASSERTION_TYPE] as const;

/** `use` values of a federated issuer's keys that verify tokens: `sig`, and `jwt-svid` of SPIFFE bundles. */
const FEDERATED_KEY_USES = ['sig', 'jwt-svid'] as const;

const MAX_JTI_LENGTH = 255;

/** Longest `iss` or `sub` quoted in a log line or an audit event: both come from the caller. */
const MAX_QUOTED_LENGTH = 200;

/** Where a federated issuer's keys come from (inline, or fetched and cached per process: FederatedKeys). */
export interface FederatedKeySource {
  /** The issuer's usable keys; `refresh` (or an unknown `kid`) may wait for one rate-limited refetch. Throws when none are available. */
  keysFor(issuer: FederatedIssuer, request: { kid: string | undefined; refresh?: boolean }): Promise<readonly JWK[]>;
}

/** Remembers the jtis of federated tokens of issuers with require_jti, across processes; `remember` answers false for a replay. */
export interface FederatedJtiStore {
  remember(input: { tenantId: string; issuerId: string; jti: string; expiresAtMs: number }): Promise<boolean>;
}

/** How a federated token reached the token endpoint. */
export type FederatedVia = 'client_assertion' | 'jwt_bearer_grant' | 'token_exchange';

/** A federated token refused: what the log and the `client.federated.refused` audit event tell. */
export interface FederatedRefusal {
  readonly tenantId: string;
  /** The token's unverified `iss` and `sub` as the caller sent them (null when absent or not strings; clipped to 200 characters). */
  readonly iss: string | null;
  readonly sub: string | null;
  /** The federated issuer the token names, and the client it matched, when known. */
  readonly issuerId: string | null;
  readonly clientId: string | null;
  readonly reason: string;
  readonly via: FederatedVia;
}

/** Hears each refused federated token, synchronously on the request path: it must not wait or throw. */
export interface FederatedRefusalListener {
  refused(refusal: FederatedRefusal): void;
}

/** What verifying a federated token needs: the issuers' keys, the jti store, the signature verifier and who hears refusals. */
export interface FederationDeps {
  readonly keys: FederatedKeySource;
  readonly jtis: FederatedJtiStore;
  /** Imports keys and checks signatures, once every cheap check has passed. */
  readonly verifier: JwtVerifier;
  readonly refusals: FederatedRefusalListener;
}

/** Who a verified federated token says the caller is: logged on the request's line, and the cap of the issued token's `exp`. */
export interface FederatedIdentity {
  readonly issuerId: string;
  readonly iss: string;
  readonly sub: string;
  /** The token's `exp` (epoch seconds): the issued token's `exp` never exceeds it (RFC 7521 §4.1)… */
  readonly exp: number;
  /** …unless the issuer was registered with allow_longer_than_assertion. */
  readonly allowLongerThanAssertion: boolean;
  /** Every claim of the verified token: what a client's claim_mappings copy (docs/claims.md). Never logged. */
  readonly claims: JWTPayload;
}

export interface FederatedTokenInput {
  /** The compact JWT: a client_assertion or a jwt-bearer grant's assertion. */
  token: string;
  /** Its unverified claims (unverifiedClaims, read once by the caller), null when it is not a JWT. */
  claims: JWTPayload | null;
  tenant: TenantState;
  /** The `aud` values accepted when the issuer names none: the tenant's issuer and its token endpoint. */
  defaultAudiences: readonly string[];
  nowMs: number;
  /** `client_id` of the request, if sent: it must name the matched client. */
  clientId: string | undefined;
  via: FederatedVia;
  /** Told the matched client's id as soon as it is known, before the signature is checked (brute-force protection). */
  identified?: (clientId: string) => void;
  /** The public error of every failure (invalid_client or invalid_grant), the detail for the log. */
  fail: (detail: string) => OAuthError;
}

/** A federated token verified, and the one client whose credential it matches. */
export interface FederatedMatch {
  readonly entry: ClientEntry;
  readonly identity: FederatedIdentity;
}

/** A reason a federated token is refused (internal: turned into the caller's `fail`). */
class Refused extends Error {}

/** A claim of the caller's as an audit event keeps it: a string of at most MAX_QUOTED_LENGTH characters, or null. */
function clipped(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return value.length <= MAX_QUOTED_LENGTH ? value : `${value.slice(0, MAX_QUOTED_LENGTH - 3)}...`;
}

/** A value quoted in a reason: JSON text, at most MAX_QUOTED_LENGTH characters. */
function quoted(value: unknown): string {
  const text = JSON.stringify(value ?? null);
  return text.length <= MAX_QUOTED_LENGTH ? text : `${text.slice(0, MAX_QUOTED_LENGTH - 3)}...`;
}

function describe(err: unknown): string {
  return err instanceof errors.JOSEError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
}

/** A JWT's claims, not verified; null when the text is not a JWT with a JSON payload. */
export function unverifiedClaims(token: string): JWTPayload | null {
  try {
    return decodeJwt(token);
  } catch {
    return null;
  }
}

/**
 * The federated issuer of the tenant a token comes from, judged on its unverified claims
 * (unverifiedClaims): the
 * `oidc`/`kubernetes` issuer whose `issuer` is the token's `iss`, else the `spiffe` issuer of the
 * trust domain of its `sub` (only that with the jwt-spiffe assertion type). Undefined when the
 * tenant trusts no such issuer (or the token is not a JWT): a jwt-bearer client assertion is then
 * a private_key_jwt.
 */
export function federatedIssuerOf(tenant: TenantState, claims: JWTPayload | null, assertionType?: string): FederatedIssuer | undefined {
  if (claims === null || tenant.federation.empty) return undefined;
  // A JWT-SVID is told by its sub alone (draft-ietf-oauth-spiffe-client-auth).
  if (assertionType === JWT_SPIFFE_ASSERTION_TYPE) return tenant.federation.spiffeIssuerOf(claims.sub);
  return tenant.federation.issuerOf(claims.iss) ?? tenant.federation.spiffeIssuerOf(claims.sub);
}

/** What is wrong with a federated token's time claims and jti at `now` (seconds), or null: `exp` required, `iat` required and within max_token_age. */
function timeClaimsProblem(claims: JWTPayload, issuer: FederatedIssuer, now: number): string | null {
  const { exp, nbf, iat, jti } = claims;
  if (typeof exp !== 'number') return 'exp missing or not a number';
  if (exp <= now - ASSERTION_CLOCK_TOLERANCE_S) return `expired (exp ${exp}, now ${now})`;
  // The issued token may not outlive the assertion: one that has just expired leaves it no life.
  if (exp <= now && !issuer.allowLongerThanAssertion) return `expired (exp ${exp}, now ${now}): no lifetime left for the issued token`;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + ASSERTION_CLOCK_TOLERANCE_S)) return 'nbf in the future or not a number';
  if (typeof iat !== 'number') return 'iat missing or not a number';
  if (iat > now + ASSERTION_CLOCK_TOLERANCE_S) return `issued in the future (iat ${iat}, now ${now})`;
  if (now - iat > issuer.maxTokenAge + ASSERTION_CLOCK_TOLERANCE_S) return `issued ${now - iat} s ago, more than max_token_age ${issuer.maxTokenAge} s`;
  if (issuer.requireJti && (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH)) {
    return `jti required by the issuer, 1-${MAX_JTI_LENGTH} characters`;
  }
  return null;
}

/** What is wrong with who the token says issued it and is, or null: `iss` exactly the issuer's (not required for SPIFFE), `sub` a non-empty string. */
function identityProblem(claims: JWTPayload, issuer: FederatedIssuer): string | null {
  if (issuer.kind !== 'spiffe' && claims.iss !== issuer.issuer) return `iss ${quoted(claims.iss)} is not the issuer's`;
  if (typeof claims.sub !== 'string' || claims.sub === '') return 'sub missing or not a string';
  return null;
}

/** The one client whose credential the claims match; several (which registration prevents) or none is refused. */
function matchedClient(tenant: TenantState, issuer: FederatedIssuer, claims: JWTPayload): ClientEntry {
  const clients = tenant.federation.matchingClients(issuer.id, claims);
  const [entry] = clients;
  if (!entry) throw new Refused(`no federated credential matches iss ${quoted(claims.iss)} sub ${quoted(claims.sub)}`);
  if (clients.length > 1) throw new Refused(`credentials of several clients match (${clients.map((c) => c.client.clientId).join(', ')}): refused`);
  return entry;
}

/** What checks the token's signature and claims, for one request. */
interface Verifying {
  readonly token: string;
  readonly alg: FederationAlg;
  readonly issuer: FederatedIssuer;
  readonly audiences: readonly string[];
  readonly nowMs: number;
  readonly verifier: JwtVerifier;
}

/** The issuer's keys that fit the token's kid and alg (refetched first if `refresh`); unavailable keys refuse the token. */
async function issuerKeys(keys: FederatedKeySource, v: Verifying, kid: string | undefined, refresh: boolean): Promise<JWK[]> {
  let all: readonly JWK[];
  try {
    all = await keys.keysFor(v.issuer, refresh ? { kid, refresh } : { kid });
  } catch (err) {
    throw new Refused(`keys of federated issuer ${v.issuer.id} unavailable: ${describe(err)}`);
  }
  return all.filter((k) => (kid === undefined || k.kid === kid) && jwkVerifies(k as Record<string, unknown>, v.alg, FEDERATED_KEY_USES));
}

/** At most this many tokens are remembered per key in verifiedTokens; the oldest is forgotten first. */
const MAX_VERIFIED_TOKENS_PER_KEY = 4096;

/**
 * Tokens a key verified, by their exact text, with their payload, per JWK object of an issuer's
 * cached key set. Kubernetes and SPIRE hand a workload one token for its life, sent with every
 * request: its signature is checked once per process, while its claims are checked on every
 * request before this is consulted (checkUnverified: the same text, the same claims). The entries
 * go with the key object when the key cache refetches or forgets the issuer's keys, so a key
 * withdrawn is never trusted from here.
 */
const verifiedTokens = new WeakMap<JWK, Map<string, JWTPayload>>();

/** Remembers that `jwk` verified `token` (see verifiedTokens). */
function rememberVerified(jwk: JWK, token: string, payload: JWTPayload): void {
  let tokens = verifiedTokens.get(jwk);
  if (!tokens) verifiedTokens.set(jwk, (tokens = new Map<string, JWTPayload>()));
  if (tokens.size >= MAX_VERIFIED_TOKENS_PER_KEY) tokens.delete(tokens.keys().next().value as string);
  tokens.set(token, Object.freeze(payload));
}

/**
 * The token's payload verified with the first key whose signature matches (or which verified this
 * very token before), or undefined when none does; other failures refuse.
 */
async function verifiedPayload(keys: readonly JWK[], v: Verifying): Promise<JWTPayload | undefined> {
  for (const jwk of keys) {
    const known = verifiedTokens.get(jwk)?.get(v.token);
    if (known) return known;
  }
  for (const jwk of keys) {
    try {
      const { payload } = await v.verifier.verify(v.token, await importedKey(v.verifier, jwk, v.alg), {
        algorithms: [v.alg],
        ...(v.issuer.kind === 'spiffe' ? {} : { issuer: v.issuer.issuer }),
        audience: [...v.audiences],
        requiredClaims: ['exp', 'iat', 'sub'],
        maxTokenAge: v.issuer.maxTokenAge,
        currentDate: new Date(v.nowMs),
        clockTolerance: ASSERTION_CLOCK_TOLERANCE_S,
      });
      rememberVerified(jwk, v.token, payload);
      return payload;
    } catch (err) {
      if (err instanceof errors.JWSSignatureVerificationFailed) continue;
      throw new Refused(`verification failed: ${describe(err)}`);
    }
  }
  return undefined;
}

/** The cheap checks of a token, on its unverified header and claims, in order of cost; the issuer's keys and signatures come after. */
function checkUnverified(
  input: FederatedTokenInput,
  issuer: FederatedIssuer,
  header: { alg?: unknown },
  claims: JWTPayload,
  audiences: readonly string[],
): FederationAlg {
  const { alg } = header;
  if (!isVerifyJwsAlg(alg) || !(issuer.algorithms ?? FEDERATION_ALGS).includes(alg)) throw new Refused(`alg ${quoted(alg)} is not allowed`);
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!aud.some((a) => audiences.includes(a))) throw new Refused(`aud ${quoted(claims.aud)} is none of the issuer's audiences`);
  const problem = identityProblem(claims, issuer) ?? timeClaimsProblem(claims, issuer, Math.floor(input.nowMs / 1000));
  if (problem) throw new Refused(problem);
  return alg;
}

/** The verification proper, throwing Refused; `known` collects what the refusal can tell (the client once matched). */
async function verify(input: FederatedTokenInput, issuer: FederatedIssuer, deps: FederationDeps, known: { clientId: string | null }): Promise<FederatedMatch> {
  const { claims } = input;
  if (claims === null) throw new Refused('malformed token: not a JWT with a JSON payload');
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(input.token);
  } catch (err) {
    throw new Refused(`malformed token: ${describe(err)}`);
  }
  const audiences = issuer.audiences ?? input.defaultAudiences;
  const alg = checkUnverified(input, issuer, header, claims, audiences);

  // Pre-selected on the unverified claims, so that a token no client could accept costs no key or signature.
  const entry = matchedClient(input.tenant, issuer, claims);
  const clientId = entry.client.clientId;
  known.clientId = clientId;
  input.identified?.(clientId);
  if (input.clientId !== undefined && input.clientId !== clientId)
    throw new Refused(`client_id ${quoted(input.clientId)} is not the matched client ${clientId}`);
  assertClientMayAuthenticate(entry, 'federated', input.tenant, (detail) => new Refused(detail));

  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const v: Verifying = { token: input.token, alg, issuer, audiences, nowMs: input.nowMs, verifier: deps.verifier };
  let candidates = await issuerKeys(deps.keys, v, kid, false);
  // A key the cache does not know yet: the issuer may have rotated (one rate-limited refetch).
  if (candidates.length === 0) candidates = await issuerKeys(deps.keys, v, kid, true);
  if (candidates.length === 0) throw new Refused(`no key of federated issuer ${issuer.id} matches kid ${quoted(kid)} and alg ${alg}`);
  let payload = await verifiedPayload(candidates, v);
  if (!payload && kid === undefined) {
    // No kid to tell a replaced key by: one rate-limited refetch, and only keys not tried yet.
    const refetched = await issuerKeys(deps.keys, v, kid, true);
    payload = await verifiedPayload(
      refetched.filter((k) => !candidates.includes(k)),
      v,
    );
  }
  if (!payload) throw new Refused('signature verification failed');

  // The match proper, on the verified claims.
  const verified = matchedClient(input.tenant, issuer, payload);
  if (verified !== entry) throw new Refused(`the verified claims match client ${verified.client.clientId}, not ${clientId}`);
  const identityAfter = identityProblem(payload, issuer);
  if (identityAfter) throw new Refused(identityAfter);

  const exp = payload.exp!;
  if (issuer.requireJti) {
    const jti = payload.jti as string;
    // Remembered until the token could no longer pass the exp check, tolerance included.
    const fresh = await deps.jtis.remember({
      tenantId: input.tenant.settings.tenant.id,
      issuerId: issuer.id,
      jti,
      expiresAtMs: (exp + ASSERTION_CLOCK_TOLERANCE_S) * 1000,
    });
    if (!fresh) throw new Refused(`replayed (jti ${quoted(jti)})`);
  }
  return {
    entry,
    identity: {
      issuerId: issuer.id,
      iss: typeof payload.iss === 'string' ? payload.iss : issuer.issuer,
      sub: payload.sub!,
      exp,
      allowLongerThanAssertion: issuer.allowLongerThanAssertion,
      claims: payload,
    },
  };
}

/**
 * Verifies a token of a federated issuer and finds the one client whose federated credential
 * it matches (RFC 7523 §3; docs/federation.md): alg among the issuer's, `aud` one of its
 * audiences, `iss` its issuer (for SPIFFE, `sub` in its trust domain), `exp` and `iat` required,
 * `iat` within max_token_age, `nbf` honoured, 5 s of clock skew; exactly one client matching,
 * named by `client_id` if sent, allowed to authenticate; then the issuer's keys and the signature,
 * the match repeated on the verified claims, and the jti remembered when the issuer requires it.
 * `issuer` is the federated issuer the token names (federatedIssuerOf), or undefined when it
 * names none. Every failure is reported to `deps.refusals` and thrown as `input.fail(detail)`,
 * the detail naming the token's `iss` and `sub`.
 */
export async function verifyFederatedToken(input: FederatedTokenInput, issuer: FederatedIssuer | undefined, deps: FederationDeps): Promise<FederatedMatch> {
  const known: { clientId: string | null } = { clientId: null };
  try {
    if (!issuer) throw new Refused('not issued by a federated issuer of the tenant');
    return await verify(input, issuer, deps, known);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    const claims = input.claims;
    const iss = clipped(claims?.iss);
    const sub = clipped(claims?.sub);
    const tenantId = input.tenant.settings.tenant.id;
    deps.refusals.refused({ tenantId, iss, sub, issuerId: issuer?.id ?? null, clientId: known.clientId, reason: err.message, via: input.via });
    throw input.fail(`federated token (iss ${quoted(iss)}, sub ${quoted(sub)}) refused: ${err.message}`);
  }
}
