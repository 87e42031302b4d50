import { X509Certificate } from 'node:crypto';
import { isoTime } from '../../lib/clock.js';
import { certificateIssuerDn, certificateSubjectDn } from '../../lib/x509/certificate-subject.js';
import { splitPemCertificates } from '../../lib/x509/pem.js';
import { subjectAltNames, type SubjectAltNames } from '../../lib/x509/subject-alt-names.js';
import { certificateThumbprint } from '../../lib/x509/thumbprint.js';

/** What an administrator needs to know of a certificate: names, thumbprint and validity. */
export interface CertificateDetails {
  /** RFC 4514 string, most specific RDN first. */
  subject: string;
  issuer: string;
  subjectAltNames: SubjectAltNames;
  /** `x5t#S256` (RFC 8705 §3.1). */
  thumbprint: string;
  notBefore: string;
  notAfter: string;
}

/** A certificate read from text, or what is wrong with the text. */
export type PemReading = { ok: true; cert: X509Certificate } | { ok: false; problem: string };

const ONE_PEM = 'must be exactly one PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----) and nothing else';

/** The details of a certificate (RFC 5280 §4.1): subject and issuer as RFC 4514 strings, SANs, x5t#S256, validity as RFC 3339 times. */
export function certificateDetails(cert: X509Certificate): CertificateDetails {
  return {
    subject: readableDn(() => certificateSubjectDn(cert), cert.subject),
    issuer: readableDn(() => certificateIssuerDn(cert), cert.issuer),
    subjectAltNames: subjectAltNames(cert),
    thumbprint: certificateThumbprint(cert.raw),
    notBefore: isoTime(Date.parse(cert.validFrom)),
    notAfter: isoTime(Date.parse(cert.validTo)),
  };
}

/** Reads a text that must hold one PEM certificate (RFC 7468 §5) and nothing but whitespace around it: no key, no second certificate. */
export function readPemCertificate(text: string): PemReading {
  const blocks = splitPemCertificates(text);
  const [block] = blocks;
  if (blocks.length !== 1 || block === undefined || text.trim() !== block.trim()) return { ok: false, problem: ONE_PEM };
  try {
    return { ok: true, cert: new X509Certificate(block) };
  } catch {
    return { ok: false, problem: 'is not a valid X.509 certificate' };
  }
}

/** Node's own rendering (one RDN a line, most significant first) turned around, for a name the RFC 4514 reader cannot read. */
function readableDn(read: () => string, nodeText: string): string {
  try {
    return read();
  } catch {
    return nodeText.split('\n').filter(Boolean).reverse().join(',');
  }
}

/** A certificate's public key as a JWK (RFC 7517 §4): what a self_signed_tls_client_auth client's jwks entry holds next to `x5c`. */
export function certificateJwk(cert: X509Certificate): { kty: string } & Record<string, unknown> {
  const jwk = cert.publicKey.export({ format: 'jwk' });
  return { ...jwk, kty: jwk.kty ?? '' };
}
