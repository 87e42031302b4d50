import type { ClientRecord } from '../domain/read-model/tenant-state.js';
import { certificateThumbprint } from '../lib/x509/thumbprint.js';
import type { DpopProof } from './dpop.js';
import { invalidRequest } from './errors.js';
import { presentedLeaf, type PresentedCertificate } from './presented-certificate.js';

/**
 * Refuses a token request of a client whose tokens are bound to its certificate (RFC 8705 §3) that cannot be bound:
 * no certificate presented (or one that does not parse), or a DPoP proof sent (a token is bound one way or the other, never both).
 */
export function assertClientCertificateBinding(client: ClientRecord, certificate: PresentedCertificate | null, proof: DpopProof | null): void {
  if (!client.tlsClientCertificateBoundAccessTokens) return;
  if (proof !== null) {
    throw invalidRequest(
      "This client's access tokens are bound to its certificate (RFC 8705 section 3): it may not send a DPoP proof.",
      `client ${client.clientId} binds tokens to its certificate and sent a DPoP proof`,
    );
  }
  if (certificate === null || presentedLeaf(certificate) === null) {
    throw invalidRequest(
      "This client's access tokens are bound to its certificate: the request requires a client certificate (RFC 8705 section 3).",
      `client ${client.clientId} binds tokens to its certificate and presented ${certificate === null ? 'none' : 'one that does not parse'}`,
    );
  }
}

/** The `x5t#S256` a token of the client carries (RFC 8705 §3.1), or null for a client whose tokens are not bound to its certificate. */
export function certificateBinding(client: ClientRecord, certificate: PresentedCertificate | null): string | null {
  if (!client.tlsClientCertificateBoundAccessTokens || certificate === null) return null;
  let thumbprint = certificate.memo.get(certificateBinding) as string | undefined;
  if (thumbprint === undefined) certificate.memo.set(certificateBinding, (thumbprint = certificateThumbprint(certificate.der)));
  return thumbprint;
}
