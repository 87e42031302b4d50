import { ADMIN_API_IDENTIFIER } from '../admin-scopes.js';
import type { Api } from '../apis/model.js';
import { splitScope } from '../apis/model.js';
import type { Grant } from '../grants/model.js';
import type { Client } from './model.js';

/** What a client may get for one audience: scopes in a stable order, and the API if it is registered. */
export interface AudiencePermission {
  readonly audience: string;
  readonly api: Api | null;
  readonly scopes: readonly string[];
  readonly scopeSet: ReadonlySet<string>;
}

/** Every audience a client may target, with its scopes (docs/api.md#what-a-client-may-get). */
export type Permissions = ReadonlyMap<string, AudiencePermission>;

export interface PermissionSources {
  apisByIdentifier: ReadonlyMap<string, Api>;
  apisById: ReadonlyMap<string, Api>;
  /** Grants to the client itself and to its service account. */
  grants: readonly Grant[];
}

/**
 * (a) the client's own audience list × its own scope list, and (b) its grants and its service
 * account's grants. Where the audience is a registered API, only scopes the API defines count.
 * Rights on the admin API (`urn:tessera:admin`) come from grants only: whoever may edit a client's
 * own lists (clients:write) could otherwise hand it `admin`.
 */
export function computePermissions(client: Pick<Client, 'audience' | 'scope'>, sources: PermissionSources): Permissions {
  const collected = new Map<string, { api: Api | null; scopes: string[] }>();
  const add = (audience: string, api: Api | null, scopes: readonly string[]) => {
    const entry = collected.get(audience) ?? { api, scopes: [] };
    const defined = api ? new Set(api.scopes.map((s) => s.value)) : null;
    for (const scope of scopes) {
      if ((defined === null || defined.has(scope)) && !entry.scopes.includes(scope)) entry.scopes.push(scope);
    }
    collected.set(audience, entry);
  };
  const ownScopes = splitScope(client.scope);
  for (const audience of client.audience) {
    if (audience !== ADMIN_API_IDENTIFIER) add(audience, sources.apisByIdentifier.get(audience) ?? null, ownScopes);
  }
  for (const grant of sources.grants) {
    const api = sources.apisById.get(grant.apiId);
    if (api) add(api.identifier, api, grant.scopes);
  }
  const out = new Map<string, AudiencePermission>();
  for (const [audience, { api, scopes }] of collected) {
    out.set(audience, { audience, api, scopes, scopeSet: new Set(scopes) });
  }
  return out;
}
