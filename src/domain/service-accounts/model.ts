/** A non-human identity that clients act for (docs/api.md#service-accounts; SCIM-like names on input). */
export interface ServiceAccount {
  tenantId: string;
  id: string;
  userName: string;
  displayName: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}
