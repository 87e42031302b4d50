import type { Claims } from '../claims/model.js';

/** A non-human identity that clients act for (docs/api.md#service-accounts; SCIM-like names on input). */
export interface ServiceAccount {
  tenantId: string;
  id: string;
  userName: string;
  displayName: string;
  active: boolean;
  /** Claims added to the tokens of its clients (docs/claims.md), or null. */
  claims: Claims | null;
  createdAt: string;
  updatedAt: string;
}
