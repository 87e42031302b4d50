import { apisRepo } from '../../storage/repositories/apis.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import { configurationRepo, type ManagedTable } from '../../storage/repositories/configuration.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { federatedIssuersRepo } from '../../storage/repositories/federated-issuers.js';
import { grantsRepo } from '../../storage/repositories/grants.js';
import { serviceAccountsRepo } from '../../storage/repositories/service-accounts.js';
import { tenantsRepo } from '../../storage/repositories/tenants.js';
import type { Api } from '../apis/model.js';
import type { Client } from '../clients/model.js';
import type { FederatedIssuer } from '../federation/model.js';
import type { Grant } from '../grants/model.js';
import type { ServiceAccount } from '../service-accounts/model.js';
import type { Tenant } from '../tenants/model.js';

/** Clients read per query when a tenant is loaded whole. */
const CLIENT_PAGE = 5000;

/** Everything a configuration document can describe of one tenant, as stored, and which of it is managed (keys per table). */
export interface TenantState {
  /** Undefined: the tenant does not exist (yet). */
  tenant: Tenant | undefined;
  apis: Api[];
  serviceAccounts: ServiceAccount[];
  clients: Client[];
  grants: Grant[];
  issuers: FederatedIssuer[];
  managed: Record<ManagedTable, Set<string>>;
}

const noneManaged = (): Record<ManagedTable, Set<string>> => ({
  apis: new Set(),
  service_accounts: new Set(),
  clients: new Set(),
  grants: new Set(),
  federated_issuers: new Set(),
});

/** The state of a tenant that does not exist: nothing at all. */
export function emptyState(): TenantState {
  return { tenant: undefined, apis: [], serviceAccounts: [], clients: [], grants: [], issuers: [], managed: noneManaged() };
}

/** Reads a tenant whole, a few queries per kind of object (never one per object). */
export async function loadTenantState(db: Executor, tenantId: string): Promise<TenantState> {
  const tenant = await tenantsRepo.get(db, tenantId);
  if (!tenant) return emptyState();
  const clients: Client[] = [];
  for (let page = await clientsRepo.page(db, tenantId, null, CLIENT_PAGE); page.length > 0;) {
    clients.push(...page);
    const last = page.at(-1);
    page = page.length < CLIENT_PAGE || last === undefined ? [] : await clientsRepo.page(db, tenantId, last.clientId, CLIENT_PAGE);
  }
  const managed = noneManaged();
  for (const table of Object.keys(managed) as ManagedTable[]) managed[table] = await configurationRepo.managed(db, table, tenantId);
  return {
    tenant,
    apis: await apisRepo.all(db, tenantId),
    serviceAccounts: await serviceAccountsRepo.all(db, tenantId),
    clients,
    grants: await grantsRepo.all(db, tenantId),
    issuers: await federatedIssuersRepo.all(db, tenantId),
    managed,
  };
}
