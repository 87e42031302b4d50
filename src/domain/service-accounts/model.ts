/** A non-human identity that clients act for (DESIGN §4; SCIM-like names on input). */
export interface ServiceAccount {
  tenantId: string;
  id: string;
  userName: string;
  displayName: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}
