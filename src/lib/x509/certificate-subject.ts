import type { X509Certificate } from 'node:crypto';
import { parseDn, serializeDn, type Rdn } from './distinguished-name.js';

/**
 * The subject of a certificate as an RFC 4514 §2.1 string: most specific RDN first (node lists the most significant first,
 * one RDN per line, members of a multi-valued RDN joined by " + ", values escaped as RFC 2253 does). Throws DnSyntaxError
 * if node's rendering cannot be read.
 */
export function certificateSubjectDn(cert: X509Certificate): string {
  return serializeDn(nodeNameRdns(cert.subject));
}

/** The issuer of a certificate as an RFC 4514 §2.1 string, most specific RDN first. */
export function certificateIssuerDn(cert: X509Certificate): string {
  return serializeDn(nodeNameRdns(cert.issuer));
}

function nodeNameRdns(name: string): Rdn[] {
  const rdns = name
    .split('\n')
    .filter((line) => line !== '')
    .flatMap((line) => parseDn(line));
  return rdns.reverse();
}
