/** A bearer token for the admin API; a tenant id limits it to that tenant. */
export interface AdminToken {
  id: string;
  tenantId: string | null;
  name: string;
  digest: string;
  createdAt: string;
}
