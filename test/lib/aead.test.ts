import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { open, seal, SealedDataError } from '../../src/lib/aead.js';

const key = randomBytes(32);
const AAD = 'tessera/signing-key/default/kid-1';

/** Asserts that `open` refuses with a SealedDataError of `reason` and a message matching `message`. */
function assertRefused(sealed: string, reason: SealedDataError['reason'], message: RegExp, withKey = key, aad = AAD): void {
  assert.throws(
    () => open(withKey, sealed, aad),
    (err: unknown) => err instanceof SealedDataError && err.reason === reason && message.test(err.message),
  );
}

/** `sealed` with its authentication tag cut to `bytes`. */
function withTagOf(sealed: string, bytes: number): string {
  const parts = sealed.split('.');
  parts[3] = Buffer.from(parts[3]!, 'base64url').subarray(0, bytes).toString('base64url');
  return parts.join('.');
}

describe('sealed values (AES-256-GCM)', () => {
  it('opens what it sealed, with the same key and context', () => {
    assert.equal(open(key, seal(key, '{"d":"x"}', AAD), AAD), '{"d":"x"}');
  });

  it('refuses an authentication tag shorter than 16 bytes before decrypting, even a prefix of the right one', () => {
    const sealed = seal(key, 'private', AAD);
    for (const bytes of [4, 8, 12, 13, 15])
      assertRefused(withTagOf(sealed, bytes), 'malformed', new RegExp(`^the authentication tag is ${bytes} bytes, not 16$`));
  });

  it('refuses a wrong key and another context (a sealed value copied to another row) as an authentication failure', () => {
    const sealed = seal(key, 'private', AAD);
    assertRefused(sealed, 'authentication-failed', /^authentication failed$/, randomBytes(32));
    assertRefused(sealed, 'authentication-failed', /^authentication failed$/, key, 'tessera/signing-key/default/kid-2');
    // One bit of the ciphertext changed (in the decoded bytes: a base64url character's last bits may be padding).
    const flipped = sealed.split('.');
    const ciphertext = Buffer.from(flipped[2]!, 'base64url');
    ciphertext[0]! ^= 1;
    flipped[2] = ciphertext.toString('base64url');
    assertRefused(flipped.join('.'), 'authentication-failed', /^authentication failed$/);
  });

  it('refuses what is not a sealed value of its format as malformed, without reading OpenSSL error text', () => {
    const [, iv, ct, tag] = seal(key, 'private', AAD).split('.');
    assertRefused(`v2.${iv}.${ct}.${tag}`, 'malformed', /^not a v1 sealed value$/);
    assertRefused(`v1.${iv}.${ct}`, 'malformed', /^not a v1 sealed value$/);
    assertRefused(`v1.${iv}.${ct}.${tag}.x`, 'malformed', /^not a v1 sealed value$/);
    assertRefused(`v1.${iv}.${ct}.${tag}==`, 'malformed', /^the authentication tag is not base64url$/);
    assertRefused(`v1.${iv}!.${ct}.${tag}`, 'malformed', /^the nonce is not base64url$/);
    assertRefused(`v1.${Buffer.alloc(16).toString('base64url')}.${ct}.${tag}`, 'malformed', /^the nonce is 16 bytes, not 12$/);
  });
});
