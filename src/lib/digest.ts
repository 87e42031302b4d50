import { createHash, timingSafeEqual } from 'node:crypto';

/** SHA-256 of a UTF-8 string, as raw bytes. */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** SHA-256 of a UTF-8 string, hex encoded (the stored form of secrets and tokens). */
export function sha256Hex(value: string): string {
  return sha256(value).toString('hex');
}

/** Constant-time equality of two equal-length digests. */
export function digestsEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
