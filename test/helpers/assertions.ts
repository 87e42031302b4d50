import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Clock } from '../../src/lib/clock.js';
import type { TestKey } from './keys.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Claims of a client assertion, any JSON (tests send wrong types too); a claim set to undefined is left out. */
export type AssertionClaims = Record<string, unknown>;

/**
 * Signs an RFC 7523 client assertion for `clientId` at the clock's time: iss = sub = client,
 * aud = `audience`, exp 60 s ahead, iat now, a fresh jti; `claims` and `header` override.
 */
export function clientAssertion(
  key: TestKey,
  clock: Clock,
  input: { clientId: string; audience: string | string[]; claims?: AssertionClaims; header?: Record<string, unknown> },
): Promise<string> {
  const now = Math.floor(clock.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: input.clientId,
    sub: input.clientId,
    aud: input.audience,
    exp: now + 60,
    iat: now,
    jti: randomUUID(),
    ...input.claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...input.header }).sign(key.privateKey);
}

/** An unsigned JWT (`alg: none`), which no verifier may accept. */
export function unsecuredJwt(payload: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;
}

/**
 * Signs a DPoP proof (RFC 9449 §4.2) at the clock's time: typ dpop+jwt, the public key in the
 * jwk header, a fresh jti, htm POST; `claims` and `header` override (undefined leaves out).
 */
export function dpopProof(
  key: TestKey,
  clock: Clock,
  input: { htu: string; claims?: Record<string, unknown>; header?: Record<string, unknown>; signWith?: TestKey },
): Promise<string> {
  const payload: Record<string, unknown> = { jti: randomUUID(), htm: 'POST', htu: input.htu, iat: Math.floor(clock.now() / 1000), ...input.claims };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  const header: Record<string, unknown> = { alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk, ...input.header };
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete header[name];
  return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign((input.signWith ?? key).privateKey);
}
