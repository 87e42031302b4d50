import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, errors, type JWTPayload } from 'jose';
import type { ClientRecord } from '../domain/read-model/tenant-state.js';
import { sha256 } from '../lib/digest.js';
import type { JwtVerifier } from '../lib/jwt-verifier.js';
import { ASYMMETRIC_JWS_ALGS, isAsymmetricJwsAlg, jwkFitsAlg, PRIVATE_JWK_MEMBERS, publicJwkLimitsProblem } from '../lib/public-jwk.js';
import { invalidDpopProof, invalidRequest } from './errors.js';
import type { ResolvedTarget } from './target.js';

/** Algorithms a DPoP proof may be signed with (dpop_signing_alg_values_supported, RFC 9449 §5.1). */
export const DPOP_SIGNING_ALGS = ASYMMETRIC_JWS_ALGS;

/** A proof is accepted up to this many seconds after its `iat` (RFC 9449 §11.1). */
export const DPOP_MAX_AGE_S = 60;

/** …and up to this many seconds before it (the client's clock may run ahead). */
export const DPOP_MAX_FUTURE_S = 5;

const MAX_JTI_LENGTH = 255;

/** Longest DPoP proof read, in characters: like any token endpoint parameter value; a proof with a 4096-bit RSA key needs about 2000. */
export const MAX_DPOP_PROOF_LENGTH = 8192;

const UNUSABLE_KEY = 'The jwk header of the DPoP proof is not a usable public key.';

/** A verified DPoP proof: the key it binds tokens to, and how to recognise it if it comes again. */
export interface DpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key: the token's `cnf.jkt` (RFC 9449 §6.1). */
  readonly jkt: string;
  /** Identifies this proof among every proof of the window: key thumbprint and jti. */
  readonly replayKey: string;
  /** When the proof's iat leaves the window, so it needs remembering no longer. */
  readonly forgetAtMs: number;
}

/**
 * Proofs seen in the window (RFC 9449 §11.1). Per process: a proof replayed to another process
 * within the window is not detected (the proof stays bound to one key, one method, one URL).
 */
export interface DpopReplayCache {
  has(key: string, nowMs: number): boolean;
  /** Remembers the key until `expiresAtMs`; false when it was already there. */
  add(key: string, expiresAtMs: number, nowMs: number): boolean;
}

export interface DpopRequest {
  /** Every value of the DPoP header, as received. */
  values: readonly string[];
  /** The request's method and URL (the endpoint under the issuer, without query). */
  method: string;
  url: string;
  nowMs: number;
  /** At a protected resource: the access token sent with the proof, whose hash `ath` must be (RFC 9449 section 4.3 item 11). */
  accessToken?: string;
}

/** `htu` matches the request's URL, ignoring query and fragment (RFC 9449 §4.3 item 9). */
function sameUrl(htu: unknown, url: string): boolean {
  if (typeof htu !== 'string') return false;
  let presented: URL;
  try {
    presented = new URL(htu);
  } catch {
    return false;
  }
  const expected = new URL(url);
  for (const u of [presented, expected]) {
    u.search = '';
    u.hash = '';
  }
  return presented.href === expected.href;
}

function describe(err: unknown): string {
  return err instanceof errors.JOSEError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
}

/**
 * Checks a DPoP proof (RFC 9449 §4.3) except its replay: exactly one header of at most
 * MAX_DPOP_PROOF_LENGTH characters; a JWT with `typ: dpop+jwt`, an asymmetric `alg`, a public
 * `jwk` within the key limits (publicJwkLimitsProblem) that verifies it; `jti`, `htm` and `htu`
 * matching the request, `iat` within the window. Everything that can be checked without the
 * signature is checked first, so a proof refused for any of those reasons never reaches
 * `verifier` (key import, signature). Failures are `invalid_dpop_proof` (§5).
 */
export async function verifyDpopProof(req: DpopRequest, verifier: JwtVerifier): Promise<DpopProof> {
  const proof = req.values[0];
  if (proof === undefined || req.values.length !== 1) throw invalidDpopProof('Send exactly one DPoP header.', `${req.values.length} DPoP headers`);
  if (proof.length > MAX_DPOP_PROOF_LENGTH)
    throw invalidDpopProof(`The DPoP proof is too long (${MAX_DPOP_PROOF_LENGTH} characters at most).`, `${proof.length} characters`);
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch (err) {
    throw invalidDpopProof('The DPoP proof is not a well-formed JWT.', describe(err));
  }
  // Media type comparison: case-insensitive, `application/` optional (RFC 7515 §4.1.9).
  if (typeof header.typ !== 'string' || header.typ.toLowerCase().replace(/^application\//, '') !== 'dpop+jwt') {
    throw invalidDpopProof('The DPoP proof must have typ dpop+jwt.');
  }
  const alg = header.alg;
  if (!isAsymmetricJwsAlg(alg)) throw invalidDpopProof(`The DPoP proof must be signed with one of ${DPOP_SIGNING_ALGS.join(', ')}.`);
  const jwk = header.jwk as unknown;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw invalidDpopProof('The DPoP proof must carry its public key in the jwk header.');
  if (PRIVATE_JWK_MEMBERS.some((m) => m in jwk)) throw invalidDpopProof('The jwk header of the DPoP proof must not contain private key material.');
  const problem = publicJwkLimitsProblem(jwk);
  if (problem) throw invalidDpopProof(UNUSABLE_KEY, `jwk${problem.member === null ? '' : ` ${problem.member}`}: ${problem.detail}`);
  if (!jwkFitsAlg(jwk as Record<string, unknown>, alg)) throw invalidDpopProof('The jwk header of the DPoP proof does not match its alg.');

  // The claims, read before the signature is checked: a proof they refuse costs no signature check.
  let claims: JWTPayload;
  try {
    claims = decodeJwt(proof);
  } catch (err) {
    throw invalidDpopProof('The DPoP proof is invalid.', describe(err));
  }
  const { jti, iat } = claims;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw invalidDpopProof('The DPoP proof must have a jti.');
  if (claims.htm !== req.method) throw invalidDpopProof('The DPoP proof htm does not match the request method.');
  if (!sameUrl(claims.htu, req.url))
    throw invalidDpopProof('The DPoP proof htu does not match the request URL.', `htu ${String(claims.htu)}, expected ${req.url}`);
  if (req.accessToken !== undefined && claims.ath !== sha256(req.accessToken).toString('base64url')) {
    throw invalidDpopProof('The DPoP proof ath does not match the access token.');
  }
  if (typeof iat !== 'number') throw invalidDpopProof('The DPoP proof must have an iat.');
  const nowSeconds = Math.floor(req.nowMs / 1000);
  if (nowSeconds - iat > DPOP_MAX_AGE_S) throw invalidDpopProof('The DPoP proof is too old.', `iat ${iat}, now ${nowSeconds}`);
  if (iat - nowSeconds > DPOP_MAX_FUTURE_S) throw invalidDpopProof('The DPoP proof is issued in the future.', `iat ${iat}, now ${nowSeconds}`);

  let key: Awaited<ReturnType<JwtVerifier['importKey']>>;
  try {
    key = await verifier.importKey(jwk, alg);
  } catch (err) {
    throw invalidDpopProof(UNUSABLE_KEY, describe(err));
  }
  try {
    await verifier.verify(proof, key, { algorithms: [alg], typ: 'dpop+jwt', currentDate: new Date(req.nowMs) });
  } catch (err) {
    if (err instanceof errors.JWSSignatureVerificationFailed) throw invalidDpopProof('The DPoP proof signature is invalid.');
    throw invalidDpopProof('The DPoP proof is invalid.', describe(err));
  }
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  return { jkt, replayKey: `${jkt}:${jti}`, forgetAtMs: (Math.floor(iat) + DPOP_MAX_AGE_S + 1) * 1000 };
}

/** Refuses a proof seen before in its window (RFC 9449 §11.1); `record` remembers it, `check` only looks. */
export function assertDpopProofUnused(proof: DpopProof, cache: DpopReplayCache, nowMs: number, mode: 'check' | 'record'): void {
  const fresh = mode === 'check' ? !cache.has(proof.replayKey, nowMs) : cache.add(proof.replayKey, proof.forgetAtMs, nowMs);
  if (!fresh) throw invalidDpopProof('The DPoP proof has already been used.', `replayed ${proof.replayKey}`);
}

/** RFC 9449 §5.2: a client registered with `dpop_bound_access_tokens` must send a proof. */
export function assertClientDpop(client: ClientRecord, proof: DpopProof | null): void {
  if (client.dpopBoundAccessTokens && proof === null) {
    throw invalidRequest('This client must send a DPoP proof: its access tokens are DPoP-bound.', `client ${client.clientId} requires DPoP`);
  }
}

/** An API that accepts only DPoP-bound tokens gets none without a proof. */
export function assertTargetDpop(target: ResolvedTarget, proof: DpopProof | null): void {
  if (proof !== null) return;
  const api = target.audiences.find((a) => a.api?.dpopBoundAccessTokens === true);
  if (api) throw invalidRequest(`The audience ${api.audience} accepts only DPoP-bound access tokens: send a DPoP proof.`);
}
