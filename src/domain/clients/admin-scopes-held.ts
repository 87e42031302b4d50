import { apisRepo } from '../../storage/repositories/apis.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { grantsRepo } from '../../storage/repositories/grants.js';
import { ADMIN_API_IDENTIFIER } from '../admin-scopes.js';
import type { Client } from './model.js';
import { computePermissions } from './permissions.js';

/**
 * The scopes of `urn:tessera:admin` a client can obtain, as the token endpoint would compute them:
 * its own audience and scope lists, its grants and its service account's grants on the built-in API.
 */
export async function adminScopesHeld(db: Executor, client: Client): Promise<readonly string[]> {
  const api = await apisRepo.getByIdentifier(db, client.tenantId, ADMIN_API_IDENTIFIER);
  if (!api) return [];
  const grants = (await grantsRepo.all(db, client.tenantId, { apiId: api.id })).filter(
    (g) => g.clientId === client.clientId || (client.serviceAccountId !== null && g.serviceAccountId === client.serviceAccountId),
  );
  const permissions = computePermissions(client, { apisById: new Map([[api.id, api]]), apisByIdentifier: new Map([[api.identifier, api]]), grants });
  return permissions.get(api.identifier)?.scopes ?? [];
}
