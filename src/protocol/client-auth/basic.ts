import { invalidClient } from '../errors.js';

/** Decodes one half of Basic credentials: form-urlencoded before base64 (RFC 6749 §2.3.1). */
function formDecode(value: string): string {
  if (!value.includes('%') && !value.includes('+')) return value;
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/**
 * The UTF-8 text of base64 (RFC 4648 §4), or null when it is not well-formed. atob gives a
 * character per byte, read as UTF-8 only when a byte is not ASCII: cheaper than a Buffer for the
 * usual ASCII id and secret, which every token request presents.
 */
function base64Text(value: string): string | null {
  let bytes: string;
  try {
    bytes = atob(value);
  } catch {
    return null;
  }
  return /[^\x00-\x7f]/.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes;
}

/** Reads `Authorization: Basic …` into client id and secret; malformed input is invalid_client. */
export function parseBasicCredentials(header: string, realm: string): { clientId: string; secret: string } {
  const token = header.slice('basic '.length).trim();
  const fail = (detail: string) => invalidClient(detail, true, realm);
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(token) ? base64Text(token) : null;
  if (decoded === null) throw fail('malformed Basic credentials: not base64');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw fail('malformed Basic credentials: no colon');
  try {
    const clientId = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    if (!clientId || !secret) throw fail('malformed Basic credentials: empty id or secret');
    // RFC 6749 Appendix A.1, A.2: client ids and secrets are VSCHAR; never a control character.
    if (/[\u0000-\u001f\u007f-\u009f]/.test(clientId + secret)) throw fail('malformed Basic credentials: control character');
    return { clientId, secret };
  } catch (err) {
    if (err instanceof URIError) throw fail('malformed Basic credentials: bad percent-encoding');
    throw err;
  }
}
