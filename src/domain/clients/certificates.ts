import { createPublicKey, X509Certificate, type JsonWebKey } from 'node:crypto';
import type { JSONWebKeySet, JWK } from 'jose';
import { certificateDetails, type CertificateDetails } from '../certificates/details.js';
import type { FieldError } from '../errors.js';

/** The certificate of one key of a client's inline JWK Set, with the key's id. */
export interface ClientCertificate extends CertificateDetails {
  kid: string | null;
}

/** The members that carry a public key's material, by key type (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2). */
const MATERIAL: Readonly<Record<string, readonly string[]>> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The field errors of the `x5c` members of a client's keys (RFC 7517 §4.7), under `/jwks/keys/N/x5c`: an array of
 * base64 DER certificates whose first one parses and holds the JWK's own public key. Keys without `x5c` pass.
 */
export function x5cFieldErrors(jwks: JSONWebKeySet): FieldError[] {
  const errors: FieldError[] = [];
  jwks.keys.forEach((jwk, i) => {
    if (jwk.x5c === undefined) return;
    const problem = x5cProblem(jwk);
    if (problem) errors.push({ pointer: `/jwks/keys/${i}/x5c`, detail: problem });
  });
  return errors;
}

/** The certificate of each key whose `x5c` holds one (its first, RFC 7517 §4.7), in the order of the keys. */
export function clientCertificates(jwks: JSONWebKeySet | null): ClientCertificate[] {
  const found: ClientCertificate[] = [];
  for (const jwk of jwks?.keys ?? []) {
    const cert = firstCertificate(jwk);
    if (cert) found.push({ kid: jwk.kid ?? null, ...certificateDetails(cert) });
  }
  return found;
}

function x5cProblem(jwk: JWK): string | null {
  const x5c: unknown = jwk.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0 || !x5c.every((c) => typeof c === 'string' && c.length > 0 && BASE64.test(c))) {
    return 'must be a non-empty array of base64 DER certificates';
  }
  const cert = firstCertificate(jwk);
  if (!cert) return 'its first certificate is not a valid X.509 certificate';
  const material = MATERIAL[jwk.kty ?? ''];
  if (material === undefined || !material.some((member) => member in jwk)) return null;
  const own = Object.fromEntries([['kty', jwk.kty], ...material.map((member) => [member, (jwk as Record<string, unknown>)[member]])]) as JsonWebKey;
  try {
    if (cert.publicKey.equals(createPublicKey({ key: own, format: 'jwk' }))) return null;
  } catch {
    // A key node cannot read is not the certificate's either.
  }
  return "its first certificate's public key is not this key";
}

function firstCertificate(jwk: JWK): X509Certificate | null {
  const first: unknown = Array.isArray(jwk.x5c) ? jwk.x5c[0] : undefined;
  if (typeof first !== 'string' || !BASE64.test(first)) return null;
  try {
    return new X509Certificate(Buffer.from(first, 'base64'));
  } catch {
    return null;
  }
}
