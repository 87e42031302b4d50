import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
/** AES-GCM nonce: 96 bits (NIST SP 800-38D §8.2). */
const IV_BYTES = 12;
/** The full 128-bit tag, and nothing shorter: a truncated tag is easier to forge (NIST SP 800-38D §5.2.1.2, Appendix C). */
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Why a sealed value could not be opened: `authentication-failed` when the key, the context
 * (AAD) or the data are not those it was sealed with; `malformed` when it is not a sealed value
 * of this format at all (unknown version, bad encoding, a nonce or tag of the wrong length).
 */
export class SealedDataError extends Error {
  override readonly name = 'SealedDataError';
  constructor(
    readonly reason: 'authentication-failed' | 'malformed',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Encrypts with AES-256-GCM; `aad` binds the ciphertext to its context (e.g. tenant and key id). */
export function seal(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString('base64url'), ct.toString('base64url'), tag.toString('base64url')].join('.');
}

/** Decodes one base64url part of a sealed value, refusing any other character (Buffer.from would skip them). */
function part(text: string | undefined, name: string): Buffer {
  if (text === undefined || !BASE64URL.test(text)) throw new SealedDataError('malformed', `the ${name} is not base64url`);
  return Buffer.from(text, 'base64url');
}

/**
 * Decrypts what `seal` produced. Throws a SealedDataError: `malformed` before any decryption
 * when the format, the nonce or the 16-byte tag is not as sealed, `authentication-failed` when
 * the key, the context or the data are wrong.
 */
export function open(key: Buffer, sealed: string, aad: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) throw new SealedDataError('malformed', `not a ${VERSION} sealed value`);
  const iv = part(parts[1], 'nonce');
  const ct = part(parts[2], 'ciphertext');
  const tag = part(parts[3], 'authentication tag');
  if (iv.length !== IV_BYTES) throw new SealedDataError('malformed', `the nonce is ${iv.length} bytes, not ${IV_BYTES}`);
  if (tag.length !== TAG_BYTES) throw new SealedDataError('malformed', `the authentication tag is ${tag.length} bytes, not ${TAG_BYTES}`);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(ct);
  try {
    return Buffer.concat([plaintext, decipher.final()]).toString('utf8');
  } catch (err) {
    throw new SealedDataError('authentication-failed', 'authentication failed', { cause: err });
  }
}
