import { apisRepo } from '../../storage/repositories/apis.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { grantsRepo } from '../../storage/repositories/grants.js';
import { ADMIN_API_IDENTIFIER } from '../admin-scopes.js';
import type { Api } from '../apis/model.js';
import type { Grant } from '../grants/model.js';
import type { Client } from './model.js';
import { computePermissions } from './permissions.js';

/**
 * The scopes of `urn:tessera:admin` a client can obtain, as the token endpoint would compute them:
 * its own audience and scope lists, its grants and its service account's grants on the built-in API.
 */
export async function adminScopesHeld(db: Executor, client: Client): Promise<readonly string[]> {
  const api = await apisRepo.getByIdentifier(db, client.tenantId, ADMIN_API_IDENTIFIER);
  if (!api) return [];
  return adminScopesFrom(client, api, await grantsRepo.all(db, client.tenantId, { apiId: api.id }));
}

/** adminScopesHeld from the built-in API `api` and its tenant's grants on it (`grants`), read already. */
export function adminScopesFrom(client: Client, api: Api, grants: readonly Grant[]): readonly string[] {
  const own = grants.filter((g) => g.clientId === client.clientId || (client.serviceAccountId !== null && g.serviceAccountId === client.serviceAccountId));
  const permissions = computePermissions(client, { apisById: new Map([[api.id, api]]), apisByIdentifier: new Map([[api.identifier, api]]), grants: own });
  return permissions.get(api.identifier)?.scopes ?? [];
}
