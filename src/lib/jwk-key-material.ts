/** The one RSA public exponent accepted: 65537, base64url `AQAB` (RFC 7518 §6.3.1.2). */
export const RSA_PUBLIC_EXPONENT = 65537;

/** Accepted RSA modulus sizes, in bits: below is weak, above costs CPU for nothing. */
export const MIN_RSA_BITS = 2048;
export const MAX_RSA_BITS = 4096;

/** Length of an EC P-256 coordinate and of an Ed25519 public key, in base64url characters (32 octets). */
export const COORDINATE_CHARS = 43;

/** Octets of a coordinate per curve (RFC 7518 §6.2.1.2, RFC 8037 §2). */
const COORDINATE_OCTETS: Readonly<Record<string, number>> = { 'P-256': 32, 'P-384': 48, 'P-521': 66, Ed25519: 32 };

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** What is wrong with one member of a JWK's key material. */
export interface KeyMaterialProblem {
  member: string;
  detail: string;
}

/** The octets of a base64url member (RFC 7515 §2, no padding) without leading zero octets, or null when it is not base64url. */
function unsignedOctets(value: unknown): Buffer | null {
  if (typeof value !== 'string' || !BASE64URL.test(value) || value.length % 4 === 1) return null;
  const octets = Buffer.from(value, 'base64url');
  let first = 0;
  while (first < octets.length && octets[first] === 0) first++;
  return octets.subarray(first);
}

/** Bits of a big-endian unsigned integer given without leading zero octets. */
function bitLength(octets: Buffer): number {
  const first = octets[0];
  return first === undefined ? 0 : (octets.length - 1) * 8 + (32 - Math.clz32(first));
}

/**
 * Checks the key material of a public JWK of a supported type by arithmetic on its members alone,
 * before any of it reaches a key parser or a signature check (whose cost grows with the key):
 * RSA `e` = 65537 and `n` of 2048 to 4096 bits (RFC 7518 §6.3.1; leading zero octets, which some
 * libraries write, are ignored); EC `x` and `y` of exactly the curve's size (32, 48 or 66 octets) and Ed25519 `x` of 32 octets
 * (RFC 7518 §6.2.1.2, RFC 8037 §2). Returns null when it is fine.
 */
export function keyMaterialProblem(jwk: Record<string, unknown>): KeyMaterialProblem | null {
  if (jwk.kty === 'RSA') {
    const e = unsignedOctets(jwk.e);
    if (e === null || e.length !== 3 || e.readUIntBE(0, 3) !== RSA_PUBLIC_EXPONENT) {
      return { member: 'e', detail: `an RSA key must use the public exponent ${RSA_PUBLIC_EXPONENT} (AQAB)` };
    }
    const n = unsignedOctets(jwk.n);
    const bits = n === null ? 0 : bitLength(n);
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) return { member: 'n', detail: `an RSA key must have ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits` };
    return null;
  }
  const coordinates = jwk.kty === 'EC' ? ['x', 'y'] : ['x'];
  const octets = COORDINATE_OCTETS[String(jwk.crv)] ?? 32;
  const chars = Math.ceil((octets * 4) / 3);
  for (const member of coordinates) {
    const value = jwk[member];
    if (typeof value !== 'string' || value.length !== chars || !BASE64URL.test(value)) {
      return { member, detail: `must be ${chars} base64url characters (${octets} octets) for ${String(jwk.crv)}` };
    }
  }
  return null;
}
