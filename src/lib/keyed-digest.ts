import { createHmac, hkdfSync } from 'node:crypto';

/** A 256-bit subkey of `secret` for one purpose named by `info` (HKDF-SHA256, RFC 5869), so that one secret never serves two purposes. */
export function deriveKey(secret: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, 32));
}

/** HMAC-SHA256 (RFC 2104) of a UTF-8 string under `key`, hex encoded. */
export function hmacSha256Hex(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}
