import * as crypto from 'node:crypto';

/** node:crypto's one-shot hash (Node 20.12 and later): no Hash object per digest, which the token path makes on every request. */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/**
 * SHA-256 of a UTF-8 string, as raw bytes. The one-shot digest is asked for as a binary (latin1) string
 * (one character per byte) and copied into a Buffer: on Node 20 that is less than two thirds of
 * the time of asking it for a Buffer, and the token path digests a secret on every request.
 */
export function sha256(value: string): Buffer {
  return oneShot ? Buffer.from(oneShot('sha256', value, 'binary'), 'binary') : crypto.createHash('sha256').update(value, 'utf8').digest();
}

/** SHA-256 of a UTF-8 string, hex encoded (the stored form of secrets and tokens). */
export function sha256Hex(value: string): string {
  return sha256(value).toString('hex');
}

/** Constant-time equality of two equal-length digests. */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
