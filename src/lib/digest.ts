import * as crypto from 'node:crypto';

/** node:crypto's one-shot hash (Node 20.12 and later): no Hash object per digest, which the token path makes on every request. */
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : undefined;

/** SHA-256 of a UTF-8 string, as raw bytes. */
export function sha256(value: string): Buffer {
  return oneShot ? oneShot('sha256', value, 'buffer') : crypto.createHash('sha256').update(value, 'utf8').digest();
}

/** SHA-256 of a UTF-8 string, hex encoded (the stored form of secrets and tokens). */
export function sha256Hex(value: string): string {
  return sha256(value).toString('hex');
}

/** Constant-time equality of two equal-length digests. */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
