import type { AdminApi } from './api';
import type { Grant } from './types';

export type Holder = { service_account_id: string } | { client_id: string };

/**
 * Gives `holder` `scopes` of an API. A holder has at most one grant per API: an existing grant
 * that lacks some of the scopes gets both sets (`PATCH /grants/{id}`).
 */
export async function grantScopes(api: AdminApi, holder: Holder, apiId: string, scopes: string[], reason: string): Promise<Grant> {
  const existing = (await api.all<Grant>(api.t('/grants'), { ...holder, api_id: apiId }))[0];
  if (existing) {
    const union = [...new Set([...existing.scopes, ...scopes])];
    if (union.length === existing.scopes.length) return existing;
    return api.patch<Grant>(api.t(`/grants/${encodeURIComponent(existing.id)}`), { scopes: union }, reason);
  }
  return api.post<Grant>(api.t('/grants'), { ...holder, api_id: apiId, scopes }, reason);
}
