import { invalidClient } from '../errors.js';

/** Decodes one half of Basic credentials: form-urlencoded before base64 (RFC 6749 §2.3.1). */
function formDecode(value: string): string {
  if (!value.includes('%') && !value.includes('+')) return value;
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/** Reads `Authorization: Basic …` into client id and secret; malformed input is invalid_client. */
export function parseBasicCredentials(header: string, realm: string): { clientId: string; secret: string } {
  const token = header.slice('basic '.length).trim();
  const fail = (detail: string) => invalidClient(detail, true, realm);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw fail('malformed Basic credentials: not base64');
  const decoded = Buffer.from(token, 'base64').toString('utf8');
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
