import { pemCertificateDer } from './pem.js';

/** The longest base64 text accepted for one certificate in a header (16 KiB). */
export const MAX_CERT_BASE64_LENGTH = 16 * 1024;
/** The most certificates accepted in `Client-Cert-Chain`. */
export const MAX_CHAIN_CERTIFICATES = 10;

const BYTE_SEQUENCE = /^:([A-Za-z0-9+/]*={0,2}):$/;

/** The DER certificate in an RFC 9440 §2.2 `Client-Cert` header: one RFC 8941 §3.3.5 byte sequence (`:base64:`); null for anything else. */
export function parseClientCertHeader(value: string | undefined): Buffer | null {
  if (value === undefined) return null;
  return parseByteSequence(value.trim());
}

/** The DER certificates of an RFC 9440 §2.3 `Client-Cert-Chain` header: an RFC 8941 list of byte sequences, at most 10; null when malformed. */
export function parseClientCertChainHeader(value: string | undefined): Buffer[] | null {
  if (value === undefined || value.trim() === '') return [];
  const members = value.split(',');
  if (members.length > MAX_CHAIN_CERTIFICATES) return null;
  const ders: Buffer[] = [];
  for (const member of members) {
    const der = parseByteSequence(member.trim());
    if (der === null) return null;
    ders.push(der);
  }
  return ders;
}

/** The DER certificate in nginx's `$ssl_client_escaped_cert` (URL-encoded PEM, RFC 3986 §2.1 percent-encoding); null when it is anything else. */
export function parseNginxEscapedCert(value: string | undefined): Buffer | null {
  if (value === undefined || value.length > MAX_CERT_BASE64_LENGTH * 2) return null;
  let pem: string;
  try {
    pem = decodeURIComponent(value);
  } catch {
    return null;
  }
  return pemCertificateDer(pem);
}

function parseByteSequence(text: string): Buffer | null {
  if (text.length > MAX_CERT_BASE64_LENGTH + 2) return null;
  const base64 = BYTE_SEQUENCE.exec(text)?.[1];
  // RFC 8941 §3.3.5: padding may be absent, so only an impossible length (1 mod 4) is refused
  if (base64 === undefined || base64.length === 0 || base64.replace(/=+$/, '').length % 4 === 1) return null;
  return Buffer.from(base64, 'base64');
}
