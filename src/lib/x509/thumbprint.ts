import { createHash } from 'node:crypto';

/** The `x5t#S256` thumbprint of a certificate: base64url of the SHA-256 of its DER encoding (RFC 8705 §3.1). */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}
