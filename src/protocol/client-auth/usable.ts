import { isConfidential } from '../../domain/clients/model.js';
import type { ClientEntry, TenantState } from '../../domain/read-model/tenant-state.js';
import type { ClientAuthMethod } from './index.js';

/**
 * Refuses a client that may not authenticate this way (RFC 6749 §2.3; docs/api.md#client-authentication): disabled,
 * public, acting for an inactive service account, or registered for another method. A client
 * without a registered method accepts both secret methods; private_key_jwt and the TLS methods (RFC 8705 §2) must be registered. The registered
 * method does not restrict `federated`: a client may hold secrets, keys and federated credentials at once.
 */
export function assertClientMayAuthenticate(entry: ClientEntry, method: ClientAuthMethod, tenant: TenantState, fail: (detail: string) => Error): void {
  const { client } = entry;
  const id = client.clientId;
  if (!client.active) throw fail(`client ${id} is disabled`);
  if (!isConfidential(client.clientType)) throw fail(`client ${id} is a public client`);
  if (client.serviceAccountId !== null && tenant.settings.serviceAccounts.get(client.serviceAccountId)?.active !== true) {
    throw fail(`the service account of client ${id} is inactive`);
  }
  const registered = client.tokenEndpointAuthMethod;
  if (method === 'federated') return;
  if ((registered !== null || (method !== 'client_secret_basic' && method !== 'client_secret_post')) && registered !== method) {
    throw fail(`client ${id} registered ${registered ?? 'a secret method'} but used ${method}`);
  }
}
