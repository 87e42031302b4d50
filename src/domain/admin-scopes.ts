/**
 * The admin API as an OAuth resource (docs/security.md#admin-scopes): the identifier of the
 * built-in API every tenant has, and its fixed scopes. `admin` holds every other scope; `R:write`
 * holds `R:read`.
 */
export const ADMIN_API_IDENTIFIER = 'urn:tessera:admin';

/** The name the built-in API is listed under. */
export const ADMIN_API_NAME = 'Tessera admin API';

/** What the admin API manages, one pair of scopes (`R:read`, `R:write`) each. */
export const ADMIN_RESOURCES = ['tenants', 'clients', 'service-accounts', 'apis', 'grants', 'keys', 'federation', 'admin-tokens', 'config'] as const;
export type AdminResource = (typeof ADMIN_RESOURCES)[number];

export type AdminScope = 'admin' | `${AdminResource}:${'read' | 'write'}` | 'audit:read';

/** Every scope of `urn:tessera:admin`, in the order the docs and the console list them. */
export const ADMIN_SCOPES: readonly AdminScope[] = ['admin', ...ADMIN_RESOURCES.flatMap((r): AdminScope[] => [`${r}:read`, `${r}:write`]), 'audit:read'];

const RESOURCE_NOUNS: Record<AdminResource, string> = {
  tenants: 'tenants and their settings',
  clients: 'clients, their secrets and certificates',
  'service-accounts': 'service accounts',
  apis: 'APIs and their scopes',
  grants: 'grants',
  keys: 'signing keys',
  federation: 'federated issuers',
  'admin-tokens': 'admin tokens',
  config: 'the configuration document',
};

/** What each scope allows, as the built-in API describes it. */
export const ADMIN_SCOPE_DESCRIPTIONS: Readonly<Record<AdminScope, string>> = Object.fromEntries([
  ['admin', 'everything the admin API does'],
  ...ADMIN_RESOURCES.flatMap((r) => [
    [`${r}:read`, `read ${RESOURCE_NOUNS[r]}`],
    [`${r}:write`, `create, change and delete ${RESOURCE_NOUNS[r]} (and read them)`],
  ]),
  ['audit:read', 'read the audit log and token activity'],
  // The configuration document is exported and applied, not edited piece by piece.
  ['config:read', 'export the configuration document'],
  ['config:write', 'apply a configuration document (and export it)'],
]) as Record<AdminScope, string>;

const KNOWN = new Set<string>(ADMIN_SCOPES);

export function isAdminScope(value: string): value is AdminScope {
  return KNOWN.has(value);
}

/** Whether `held` includes `required`: directly, through `admin`, or `R:read` through `R:write`. */
export function holdsScope(held: Iterable<string>, required: AdminScope): boolean {
  const write = required.endsWith(':read') && required !== 'audit:read' ? `${required.slice(0, -':read'.length)}:write` : null;
  for (const scope of held) if (scope === required || scope === 'admin' || scope === write) return true;
  return false;
}

/** The scopes of `requested` that `held` does not include (none: handing `requested` out is no escalation). */
export function scopesBeyond(held: Iterable<string>, requested: Iterable<string>): string[] {
  const holding = [...held];
  return [...requested].filter((scope) => !isAdminScope(scope) || !holdsScope(holding, scope));
}
