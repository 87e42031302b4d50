import { certificateThumbprint } from '../../lib/x509/thumbprint.js';
import { readPemCertificate } from '../certificates/details.js';
import type { FieldError } from '../errors.js';

/** At most this many CAs of a tenant's own (`tls_client_cas`). */
export const MAX_TENANT_CLIENT_CAS = 20;

/**
 * The field errors of a tenant's `tls_client_cas` (RFC 8705 §2.1 trust anchors): at most MAX_TENANT_CLIENT_CAS
 * entries, each exactly one PEM certificate that parses and is a CA (basicConstraints cA, RFC 5280 §4.2.1.9).
 */
export function clientCaFieldErrors(pems: readonly string[]): FieldError[] {
  if (pems.length > MAX_TENANT_CLIENT_CAS) return [{ pointer: '/tls_client_cas', detail: `must hold at most ${MAX_TENANT_CLIENT_CAS} certificates` }];
  const errors: FieldError[] = [];
  pems.forEach((pem, i) => {
    const read = readPemCertificate(pem);
    const problem = read.ok ? (read.cert.ca ? null : 'is not a CA certificate (basicConstraints cA is not set)') : read.problem;
    if (problem) errors.push({ pointer: `/tls_client_cas/${i}`, detail: problem });
  });
  return errors;
}

/** The `x5t#S256` of each of a tenant's CAs, in order (what the audit log records instead of the PEMs). */
export function clientCaThumbprints(pems: readonly string[]): string[] {
  return pems.map((pem) => {
    const read = readPemCertificate(pem);
    return read.ok ? certificateThumbprint(read.cert.raw) : '';
  });
}
