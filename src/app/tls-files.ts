import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { splitPemCertificates } from '../lib/x509/pem.js';

/** Where the public listener's certificate and key are (TESSERA_TLS_CERT, TESSERA_TLS_KEY). */
export interface TlsPaths {
  readonly certPath: string;
  readonly keyPath: string;
}

/** A certificate and its key, read and checked: what the public listener serves. */
export interface TlsPair {
  /** The PEM file as read: the certificate, then any intermediate certificates. */
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The first certificate of `cert`, the listener's own. */
  readonly certificate: X509Certificate;
}

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

/**
 * Reads and checks a certificate and key: both parse, and the key is the certificate's. Errors name
 * the file and the reason, never key material.
 */
export function readTlsPair(paths: TlsPaths): TlsPair {
  const cert = read(paths.certPath);
  const key = read(paths.keyPath);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`${paths.certPath} is not a PEM certificate`, { cause: err });
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new Error(`${paths.keyPath} is not a PEM private key (unencrypted)`, { cause: err });
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new Error(`the key in ${paths.keyPath} does not match the certificate in ${paths.certPath}`);
  return { cert, key, certificate };
}

/**
 * Reads a PEM bundle of trusted CA certificates (TESSERA_TLS_CLIENT_CA): at least one certificate, each of them a CA.
 * Errors name the file and the reason.
 */
export function readCaBundle(path: string): X509Certificate[] {
  const pems = splitPemCertificates(read(path).toString('utf8'));
  if (pems.length === 0) throw new Error(`${path} holds no PEM certificate`);
  return pems.map((pem, index) => {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch (err) {
      throw new Error(`certificate ${index + 1} of ${path} does not parse`, { cause: err });
    }
    if (!certificate.ca) throw new Error(`certificate ${index + 1} of ${path} (${certificate.subject.replace(/\n/g, ', ')}) is not a CA certificate`);
    return certificate;
  });
}

/** The log fields that name a certificate: subject, serial and end of validity. */
export function certificateFields(certificate: X509Certificate): { subject: string; serial: string; not_after: string } {
  return { subject: certificate.subject.replace(/\n/g, ', '), serial: certificate.serialNumber, not_after: new Date(certificate.validTo).toISOString() };
}
