import type { JWK } from 'jose';
import type { SigningAlg } from '../tenants/model.js';

/** next: published, not yet signing; active: signs; retired: published until its tokens expire. */
export type KeyStatus = 'next' | 'active' | 'retired';

export interface SigningKey {
  tenantId: string;
  kid: string;
  alg: SigningAlg;
  status: KeyStatus;
  publicJwk: JWK;
  /** The private JWK, sealed with AES-256-GCM under TESSERA_SECRET. */
  sealedPrivateKey: string;
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
  publishUntil: string | null;
}
