import { decodeJwt, decodeProtectedHeader, errors, type JWK, type JWTPayload } from 'jose';
import type { ClientEntry, ClientRecord, TenantState } from '../../domain/read-model/tenant-state.js';
import type { JwtVerifier } from '../../lib/jwt-verifier.js';
import { ASYMMETRIC_JWS_ALGS, isAsymmetricJwsAlg, jwkFitsAlg, type AsymmetricJwsAlg } from '../../lib/public-jwk.js';
import type { OAuthError } from '../errors.js';
import type { RequestParams } from '../params.js';
import { clientIdHint } from './id-hint.js';
import { importedKey } from './imported-keys.js';
import { assertClientMayAuthenticate } from './usable.js';

/** The client_assertion_type of a JWT client assertion (RFC 7523 §2.2). */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Algorithms a client assertion may be signed with (token_endpoint_auth_signing_alg_values_supported). */
export const CLIENT_ASSERTION_ALGS = ASYMMETRIC_JWS_ALGS;

/** An assertion may expire at most this far ahead: a short life keeps the replay cache small. */
export const MAX_ASSERTION_LIFETIME_S = 300;

/** Allowed clock skew between the client and Tessera, seconds. */
export const ASSERTION_CLOCK_TOLERANCE_S = 5;

const MAX_JTI_LENGTH = 255;

/** Where a client's verification keys come from (inline jwks, or its jwks_uri, cached). */
export interface ClientKeySource {
  keysOf(client: ClientRecord, options?: { refresh?: boolean }): Promise<readonly JWK[]>;
}

/** Remembers used assertion jtis across processes; `remember` answers false for a replay. */
export interface AssertionJtiStore {
  remember(input: { tenantId: string; clientId: string; jti: string; expiresAtMs: number }): Promise<boolean>;
}

export interface PrivateKeyJwtDeps {
  readonly keys: ClientKeySource;
  readonly jtis: AssertionJtiStore;
  /** Imports the client's keys and checks signatures, once every cheap check has passed. */
  readonly verifier: JwtVerifier;
}

export interface PrivateKeyJwtInput {
  params: RequestParams;
  tenant: TenantState;
  /** Values `aud` may hold: the issuer identifier and the token endpoint URL (RFC 7523 §3 item 3). */
  audiences: readonly string[];
  nowMs: number;
  fail: (detail: string) => OAuthError;
}

/** The audiences a client assertion may name at an issuer: the issuer and its token endpoint (both paths). */
export function assertionAudiences(issuer: string): string[] {
  return [issuer, `${issuer}/oauth2/token`, `${issuer}/oauth/token`];
}

function candidateKeys(keys: readonly JWK[], kid: string | undefined, alg: AsymmetricJwsAlg): JWK[] {
  return keys.filter((k) => (kid === undefined || k.kid === kid) && jwkFitsAlg(k as Record<string, unknown>, alg));
}

/**
 * What is wrong with an assertion's claims, read before its signature is checked (RFC 7523 §3):
 * `aud` names one of `audiences`; `exp` a number, not past and at most MAX_ASSERTION_LIFETIME_S
 * ahead; `nbf` and `iat` numbers not in the future; `jti` 1–255 characters; clock skew
 * ASSERTION_CLOCK_TOLERANCE_S either way. Null when nothing is; the signature check repeats
 * them (src/lib/jwt/claims.ts).
 */
function assertionClaimsProblem(claims: JWTPayload, audiences: readonly string[], nowSeconds: number): string | null {
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!aud.some((a) => audiences.includes(a))) return `aud ${JSON.stringify(claims.aud ?? null)} names neither the issuer nor its token endpoint`;
  const { exp, nbf, iat, jti } = claims;
  if (typeof exp !== 'number') return 'exp missing or not a number';
  if (exp <= nowSeconds - ASSERTION_CLOCK_TOLERANCE_S) return `expired (exp ${exp}, now ${nowSeconds})`;
  if (exp > nowSeconds + MAX_ASSERTION_LIFETIME_S + ASSERTION_CLOCK_TOLERANCE_S) return `expires more than ${MAX_ASSERTION_LIFETIME_S} s ahead`;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds + ASSERTION_CLOCK_TOLERANCE_S)) return 'nbf in the future or not a number';
  if (iat !== undefined && (typeof iat !== 'number' || iat > nowSeconds + ASSERTION_CLOCK_TOLERANCE_S)) return 'issued in the future';
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) return `jti must be 1-${MAX_JTI_LENGTH} characters`;
  return null;
}

function describe(err: unknown): string {
  return err instanceof errors.JOSEError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
}

/** What an assertion's header asks of the client's keys, and how a failure is told. */
interface WantedKey {
  readonly kid: string | undefined;
  readonly alg: AsymmetricJwsAlg;
  readonly fail: PrivateKeyJwtInput['fail'];
}

const REFRESH = { refresh: true } as const;

/** The client's keys that fit the assertion's kid and alg (refetched first if `refresh`); unavailable keys fail the authentication. */
async function clientKeys(source: ClientKeySource, client: ClientRecord, wanted: WantedKey, refresh: boolean): Promise<JWK[]> {
  try {
    return candidateKeys(await source.keysOf(client, refresh ? REFRESH : undefined), wanted.kid, wanted.alg);
  } catch (err) {
    throw wanted.fail(`keys of client ${client.clientId} unavailable: ${describe(err)}`);
  }
}

/** What checks an assertion's signature and claims, for one request. */
interface Verifying {
  readonly alg: AsymmetricJwsAlg;
  readonly clientId: string;
  readonly input: PrivateKeyJwtInput;
  readonly verifier: JwtVerifier;
}

/** The assertion's payload verified with the first key whose signature matches, or undefined when none does; other failures throw. */
async function verifiedPayload(assertion: string, keys: readonly JWK[], { alg, clientId, input, verifier }: Verifying): Promise<JWTPayload | undefined> {
  for (const jwk of keys) {
    try {
      const { payload } = await verifier.verify(assertion, await importedKey(verifier, jwk, alg), {
        algorithms: [alg],
        issuer: clientId,
        subject: clientId,
        audience: [...input.audiences],
        requiredClaims: ['exp', 'jti'],
        currentDate: new Date(input.nowMs),
        clockTolerance: ASSERTION_CLOCK_TOLERANCE_S,
      });
      return payload;
    } catch (err) {
      if (err instanceof errors.JWSSignatureVerificationFailed) continue;
      throw input.fail(`client assertion of ${clientId} refused: ${describe(err)}`);
    }
  }
  return undefined;
}

/**
 * Authenticates a client with a JWT assertion (RFC 7523 §2.2 and §3; OpenID Connect Core §9):
 * `iss` = `sub` = the client, `aud` the issuer or its token endpoint, `exp` required and at most
 * 5 minutes ahead, `nbf`/`iat` honoured, RS256/PS256/ES256/EdDSA against the client's keys, and a
 * `jti` used once (recorded in the database until the assertion expires). The claims and the
 * client are checked before its keys are fetched or any signature is verified. Every failure is
 * `fail(detail)`: one public invalid_client, the detail for the log.
 */
export async function authenticatePrivateKeyJwt(input: PrivateKeyJwtInput, deps: PrivateKeyJwtDeps): Promise<ClientEntry> {
  const { params, fail } = input;
  const type = params.get('client_assertion_type');
  const assertion = params.get('client_assertion');
  if (type !== JWT_BEARER_ASSERTION_TYPE) throw fail(`client_assertion_type ${JSON.stringify(type ?? null)} is not jwt-bearer`);
  if (assertion === undefined) throw fail('client_assertion_type without client_assertion');

  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: JWTPayload;
  try {
    header = decodeProtectedHeader(assertion);
    unverified = decodeJwt(assertion);
  } catch (err) {
    throw fail(`malformed client assertion: ${describe(err)}`);
  }
  const clientId = unverified.iss;
  if (typeof clientId !== 'string' || clientId === '') throw fail('client assertion without iss');
  // Until the client is known, the ids it names are logged as hints only: any of them may be a secret sent in the wrong place.
  if (unverified.sub !== clientId) {
    const sub = typeof unverified.sub === 'string' ? clientIdHint(unverified.sub) : unverified.sub === undefined ? 'missing' : 'not a string';
    throw fail(`client assertion sub ${sub} differs from iss ${clientIdHint(clientId)}`);
  }
  const bodyId = params.get('client_id');
  if (bodyId !== undefined && bodyId !== clientId) throw fail(`client_id ${clientIdHint(bodyId)} differs from the assertion's iss ${clientIdHint(clientId)}`);
  const alg = header.alg;
  if (!isAsymmetricJwsAlg(alg)) throw fail(`client assertion alg ${JSON.stringify(alg ?? null)} is not allowed`);

  const nowSeconds = Math.floor(input.nowMs / 1000);
  const claimsProblem = assertionClaimsProblem(unverified, input.audiences, nowSeconds);
  if (claimsProblem) throw fail(`client assertion of ${clientId}: ${claimsProblem}`);

  const entry = input.tenant.clients.get(clientId);
  if (!entry) throw fail(`unknown client ${clientIdHint(clientId)}`);
  assertClientMayAuthenticate(entry, 'private_key_jwt', input.tenant, fail);
  const { client } = entry;

  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const wanted: WantedKey = { kid, alg, fail };
  let candidates = await clientKeys(deps.keys, client, wanted, false);
  // A key the cache does not know yet: the client may have rotated (rate-limited refetch).
  if (candidates.length === 0 && client.jwksUri !== null) candidates = await clientKeys(deps.keys, client, wanted, true);
  if (candidates.length === 0) throw fail(`no key of client ${clientId} matches kid ${JSON.stringify(kid ?? null)} and alg ${alg}`);

  const verifying: Verifying = { alg, clientId, input, verifier: deps.verifier };
  let payload = await verifiedPayload(assertion, candidates, verifying);
  if (!payload && client.jwksUri !== null) {
    // The key may have been replaced under the same kid: one rate-limited refetch, and only keys not tried yet.
    const refetched = await clientKeys(deps.keys, client, wanted, true);
    payload = await verifiedPayload(
      assertion,
      refetched.filter((k) => !candidates.includes(k)),
      verifying,
    );
  }
  if (!payload) throw fail(`client assertion of ${clientId}: signature verification failed`);

  const exp = payload.exp!;
  const jti = payload.jti as string;
  // Remembered until the assertion could no longer pass the exp check, tolerance included.
  const fresh = await deps.jtis.remember({
    tenantId: input.tenant.settings.tenant.id,
    clientId,
    jti,
    expiresAtMs: (exp + ASSERTION_CLOCK_TOLERANCE_S) * 1000,
  });
  if (!fresh) throw fail(`client assertion of ${clientId} replayed (jti ${JSON.stringify(jti)})`);
  return entry;
}
