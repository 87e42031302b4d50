import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';

/**
 * The DER of the certificate the client presented in the TLS handshake of `req` (RFC 8705 §2), or
 * null: a plain HTTP connection, or no certificate sent. Not validated: whoever reads it decides.
 */
export function peerCertificateDer(req: IncomingMessage): Buffer | null {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket)) return null;
  // An empty object when the client sent none.
  const raw = (socket.getPeerCertificate() as { raw?: Buffer }).raw;
  return raw ?? null;
}
