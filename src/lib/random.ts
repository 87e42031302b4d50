import { randomBytes, randomFillSync } from 'node:crypto';

/** Random bytes drawn from the CSPRNG a page at a time: one call per 256 tokens instead of one each. */
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

/** base64url of `bytes` random bytes: only unreserved characters (RFC 3986 §2.3). */
export function randomToken(bytes: number): string {
  if (bytes > POOL.length) return randomBytes(bytes).toString('base64url');
  if (poolOffset + bytes > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const token = POOL.toString('base64url', poolOffset, poolOffset + bytes);
  // Each byte is used once: wiped so that it can never be handed out again.
  POOL.fill(0, poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return token;
}

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A time-ordered identifier: 10 characters of millisecond time then 16 random characters,
 * lower-case Crockford base32, so that ids sort by creation and are safe in URLs.
 */
export function timeOrderedId(prefix: string, nowMs: number): string {
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rnd = randomBytes(16);
  let tail = '';
  for (const b of rnd) tail += CROCKFORD[b % 32];
  return `${prefix}${time}${tail}`;
}

/** `length` random lower-case Crockford base32 characters (unreserved, never starting with '-'). */
export function randomBase32(length: number): string {
  const rnd = randomBytes(length);
  let out = '';
  for (const b of rnd) out += CROCKFORD[b % 32];
  return out;
}
