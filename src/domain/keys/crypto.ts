import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { open, seal, SealedDataError } from '../../lib/aead.js';
import type { SigningAlg } from '../tenants/model.js';

/** A new key pair for `alg`: RSA 2048 for RS256/PS256, P-256 for ES256, Ed25519 for EdDSA. */
export async function generateSigningKey(alg: SigningAlg): Promise<{ kid: string; publicJwk: JWK; privateJwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
    ...(alg === 'RS256' || alg === 'PS256' ? { modulusLength: 2048 } : {}),
  });
  const publicJwk = await exportJWK(publicKey);
  const privateJwk = await exportJWK(privateKey);
  // RFC 7638 thumbprint as key id: stable, unique, and derived from public material only.
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return { kid, publicJwk: { ...publicJwk, kid, alg, use: 'sig' }, privateJwk };
}

function context(tenantId: string, kid: string): string {
  return `tessera/signing-key/${tenantId}/${kid}`;
}

/** Seals a private JWK with AES-256-GCM, bound to its tenant and key id. */
export function sealPrivateKey(kek: Buffer, tenantId: string, kid: string, privateJwk: JWK): string {
  return seal(kek, JSON.stringify(privateJwk), context(tenantId, kid));
}

/**
 * Opens a sealed private key into a KeyObject ready to sign. A key that does not open (another
 * key-encryption key, a truncated tag, a sealed key copied from another row) throws a
 * SealedDataError naming the key.
 */
export function openPrivateKey(kek: Buffer, tenantId: string, kid: string, sealed: string): KeyObject {
  let opened: string;
  try {
    opened = open(kek, sealed, context(tenantId, kid));
  } catch (err) {
    if (!(err instanceof SealedDataError)) throw err;
    throw new SealedDataError(err.reason, `signing key ${kid} of tenant ${tenantId} (${err.message})`, { cause: err });
  }
  return createPrivateKey({ key: JSON.parse(opened) as JsonWebKey, format: 'jwk' });
}
