import { errors, type JWTPayload } from 'jose';

/** What a JWT's claims must satisfy (RFC 7519 §4.1, and the JWT's `typ` header, RFC 7519 §5.1). */
export interface JwtClaimRules {
  /** The `typ` header, compared as a media type: case-insensitive, `application/` optional. */
  readonly typ?: string;
  /** `iss` must equal it (and be present). */
  readonly issuer?: string;
  /** `sub` must equal it (and be present). */
  readonly subject?: string;
  /** `aud` (a string or an array) must name one of them (and be present). */
  readonly audience?: readonly string[];
  /** Claims that must be present. */
  readonly requiredClaims?: readonly string[];
  /** The time the claims are judged at. */
  readonly currentDate: Date;
  /** Seconds of clock skew allowed either way on `exp`, `nbf` and `iat`. */
  readonly clockTolerance?: number;
  /** `iat` must be present and at most this many seconds ago. */
  readonly maxTokenAge?: number;
}

const CHECK_FAILED = 'check_failed';

/** A media type as compared in `typ` (RFC 7515 §4.1.9): lower case, `application/` added when no `/`. */
function mediaType(value: string): string {
  const lower = value.toLowerCase();
  return value.includes('/') ? lower : `application/${lower}`;
}

function refuse(claims: JWTPayload, claim: string, message: string, reason = CHECK_FAILED): never {
  throw new errors.JWTClaimValidationFailed(message, claims, claim, reason);
}

/** The claim's value when it is absent or a number; any other value is refused. */
function numericDate(claims: JWTPayload, claim: 'iat' | 'nbf' | 'exp'): number | undefined {
  const value = claims[claim];
  if (value !== undefined && typeof value !== 'number') refuse(claims, claim, `"${claim}" claim must be a number`, 'invalid');
  return value;
}

function nonNegativeFinite(label: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new TypeError(`Invalid ${label} option input`);
  return value;
}

/**
 * Checks a verified JWT's header `typ` and claims against `rules` (RFC 7519 §4.1.1–4.1.6), with the
 * semantics and errors of jose's jwtVerify: a claim a rule names must be present; `nbf` not after
 * now + tolerance; `exp` after now − tolerance; with maxTokenAge, `iat` neither older than it
 * (tolerance added) nor in the future (beyond tolerance). Throws jose's JWTClaimValidationFailed or
 * JWTExpired, naming the claim.
 */
export function checkJwtClaims(header: { readonly typ?: unknown }, claims: JWTPayload, rules: JwtClaimRules): void {
  const { typ, issuer, subject, audience, maxTokenAge } = rules;
  if (typ !== undefined && (typeof header.typ !== 'string' || mediaType(header.typ) !== mediaType(typ))) {
    refuse(claims, 'typ', 'unexpected "typ" JWT header value');
  }

  const present = [...(rules.requiredClaims ?? [])];
  if (maxTokenAge !== undefined) present.push('iat');
  if (audience !== undefined) present.push('aud');
  if (subject !== undefined) present.push('sub');
  if (issuer !== undefined) present.push('iss');
  for (const claim of new Set(present.reverse())) {
    if (!Object.hasOwn(claims, claim)) refuse(claims, claim, `missing required "${claim}" claim`, 'missing');
  }
  if (issuer !== undefined && claims.iss !== issuer) refuse(claims, 'iss', 'unexpected "iss" claim value');
  if (subject !== undefined && claims.sub !== subject) refuse(claims, 'sub', 'unexpected "sub" claim value');
  if (audience !== undefined && !namesOneOf(claims.aud, audience)) refuse(claims, 'aud', 'unexpected "aud" claim value');

  const tolerance = nonNegativeFinite('clockTolerance', rules.clockTolerance ?? 0);
  const now = Math.floor(rules.currentDate.getTime() / 1000);
  if (!Number.isFinite(now)) throw new TypeError('Invalid currentDate option input');
  const iat = numericDate(claims, 'iat');
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nbf > now + tolerance) refuse(claims, 'nbf', '"nbf" claim timestamp check failed');
  const exp = numericDate(claims, 'exp');
  if (exp !== undefined && exp <= now - tolerance) throw new errors.JWTExpired('"exp" claim timestamp check failed', claims, 'exp', CHECK_FAILED);
  if (maxTokenAge !== undefined) {
    // iat is present (checked above) and a number (numericDate).
    const age = now - iat!;
    if (age - tolerance > nonNegativeFinite('maxTokenAge', maxTokenAge)) {
      throw new errors.JWTExpired('"iat" claim timestamp check failed (too far in the past)', claims, 'iat', CHECK_FAILED);
    }
    if (age < -tolerance) refuse(claims, 'iat', '"iat" claim timestamp check failed (it should be in the past)');
  }
}

/** Whether an `aud` claim (a string or an array of them) names one of `audience`. */
function namesOneOf(aud: unknown, audience: readonly string[]): boolean {
  if (typeof aud === 'string') return audience.includes(aud);
  return Array.isArray(aud) && audience.some((a) => aud.includes(a));
}
