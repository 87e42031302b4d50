import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export type TestAlg = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

/** A key pair a test client or DPoP prover signs with; the public half as a JWK with its kid. */
export interface TestKey {
  readonly alg: TestAlg;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly privateJwk: JWK;
}

/** Generates a key pair of `alg` (extractable, so tests can also show the private JWK). */
export async function testKey(alg: TestAlg, kid: string = `${alg.toLowerCase()}-${Math.random().toString(36).slice(2, 10)}`): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return {
    alg,
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid },
    privateJwk: { ...(await exportJWK(privateKey)), kid },
  };
}
