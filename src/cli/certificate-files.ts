import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { splitPemCertificates } from '../lib/x509/pem.js';
import { usageError } from './errors.js';

/** The text of a file an option names; one that cannot be read is wrong usage. */
export function readText(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(`${flag} ${path}: ${(err as Error).message}`);
  }
}

/** The PEM certificates of a file (one, or a bundle), each its own PEM string (RFC 7468 §5); none is wrong usage. */
export function readPemCertificates(flag: string, path: string): string[] {
  const pems = splitPemCertificates(readText(flag, path));
  if (pems.length === 0) throw usageError(`${flag} ${path}: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file`);
  return pems;
}

/**
 * The JWK Set of a self_signed_tls_client_auth client (RFC 8705 §2.2) from its PEM certificate: the certificate's public
 * key as a JWK, with the certificate itself in `x5c` (RFC 7517 §4.7, base64 DER).
 */
export function selfSignedJwks(flag: string, path: string): { keys: Record<string, unknown>[] } {
  const pems = readPemCertificates(flag, path);
  const [pem] = pems;
  if (pems.length !== 1 || pem === undefined) throw usageError(`${flag} ${path}: the file must hold one certificate, not ${pems.length}`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw usageError(`${flag} ${path}: not a valid X.509 certificate`);
  }
  return { keys: [{ ...cert.publicKey.export({ format: 'jwk' }), x5c: [cert.raw.toString('base64')] }] };
}
