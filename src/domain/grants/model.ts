/** Scopes of one API given to a client, or to the service account behind clients. */
export interface Grant {
  tenantId: string;
  id: string;
  clientId: string | null;
  serviceAccountId: string | null;
  apiId: string;
  scopes: string[];
  createdAt: string;
}
