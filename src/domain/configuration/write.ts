import { apisRepo } from '../../storage/repositories/apis.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import { configurationRepo, type ManagedTable } from '../../storage/repositories/configuration.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { federatedCredentialsRepo } from '../../storage/repositories/federated-credentials.js';
import { federatedIssuersRepo } from '../../storage/repositories/federated-issuers.js';
import { grantsRepo } from '../../storage/repositories/grants.js';
import { serviceAccountsRepo } from '../../storage/repositories/service-accounts.js';
import { tenantsRepo } from '../../storage/repositories/tenants.js';
import { builtInAdminApi } from '../apis/built-in.js';
import type { DomainContext } from '../context.js';
import type { FederatedCredential } from '../federation/model.js';
import { activateNewKey } from '../keys/service.js';
import type { Planned, TenantPlan } from './plan.js';

/** Writes the objects of one kind: creates in multi-row inserts, updates one by one, then the named ones not managed yet marked managed. */
async function writeKind<T>(
  trx: Executor,
  table: ManagedTable,
  tenantId: string,
  planned: readonly Planned<T>[],
  ops: { insertMany: (items: T[]) => Promise<void>; update: (item: T) => Promise<void>; key: (item: T) => string },
): Promise<void> {
  await ops.insertMany(planned.filter((p) => p.action === 'create').map((p) => p.next));
  for (const p of planned) if (p.action === 'update') await ops.update(p.next);
  await configurationRepo.markManaged(
    trx,
    table,
    tenantId,
    planned.filter((p) => p.action !== 'create' && (p.adopt || p.action === 'update')).map((p) => ops.key(p.next)),
  );
}

/**
 * Writes a tenant's plan inside the apply's transaction, in an order the foreign keys accept:
 * the tenant, APIs, service accounts and issuers, then clients (their secrets and credentials),
 * grants, and last the deletes (grants, clients, issuers, service accounts, APIs).
 */
export async function writePlan(ctx: DomainContext, trx: Executor, plan: TenantPlan): Promise<void> {
  const { tenantId } = plan;
  const tenant = plan.tenant.next;
  const builtIn = plan.apis.find((p) => p.next.builtIn);
  if (plan.tenant.action === 'create') {
    await tenantsRepo.insert(trx, tenant);
    await activateNewKey(ctx, trx, tenantId, tenant.signingAlg);
    await apisRepo.insert(trx, builtIn?.next ?? builtInAdminApi(tenantId, ctx.clock.now()));
  } else if (plan.tenant.action === 'update') {
    await tenantsRepo.update(trx, tenant);
    if (plan.tenant.fields?.includes('signing_alg')) await activateNewKey(ctx, trx, tenantId, tenant.signingAlg);
    if (builtIn?.action === 'update') await apisRepo.update(trx, builtIn.next);
  } else if (builtIn?.action === 'update') await apisRepo.update(trx, builtIn.next);

  await writeKind(
    trx,
    'apis',
    tenantId,
    plan.apis.filter((p) => !p.next.builtIn),
    { insertMany: (apis) => apisRepo.insertMany(trx, apis, true), update: (api) => apisRepo.update(trx, api), key: (api) => api.id },
  );
  await writeKind(trx, 'service_accounts', tenantId, plan.serviceAccounts, {
    insertMany: (accounts) => serviceAccountsRepo.insertMany(trx, accounts, true),
    update: (sa) => serviceAccountsRepo.update(trx, sa),
    key: (sa) => sa.id,
  });
  await writeKind(trx, 'federated_issuers', tenantId, plan.issuers, {
    insertMany: (issuers) => federatedIssuersRepo.insertMany(trx, issuers, true),
    update: (issuer) => federatedIssuersRepo.update(trx, issuer),
    key: (issuer) => issuer.id,
  });
  await writeKind(trx, 'clients', tenantId, plan.clients, {
    insertMany: (clients) => clientsRepo.insertMany(trx, clients, true),
    update: (client) => clientsRepo.update(trx, client),
    key: (client) => client.clientId,
  });
  await clientsRepo.insertSecrets(
    trx,
    tenantId,
    plan.secrets.map((s) => s.record),
  );
  const credentials = new Map<string, FederatedCredential[]>();
  for (const p of plan.clients) {
    const changed = p.action === 'create' ? p.next.federatedCredentials.length > 0 : p.fields?.includes('federated_credentials') === true;
    if (changed) credentials.set(p.next.clientId, p.next.federatedCredentials);
  }
  await federatedCredentialsRepo.replaceMany(trx, tenantId, credentials);
  await writeKind(trx, 'grants', tenantId, plan.grants, {
    insertMany: (grants) => grantsRepo.insertMany(trx, grants, true),
    update: (grant) => grantsRepo.updateScopes(trx, tenantId, grant.id, grant.scopes),
    key: (grant) => grant.id,
  });
  for (const { grant, scopes } of plan.trimmedGrants) await grantsRepo.updateScopes(trx, tenantId, grant.id, scopes);

  // Deleted in this order: what refers to an object goes before it.
  const { deletes } = plan;
  const deletions = [
    ['grants', deletes.grants.map((g) => g.id)],
    ['clients', deletes.clients.map((c) => c.clientId)],
    ['federated_issuers', deletes.issuers.map((i) => i.id)],
    ['service_accounts', deletes.serviceAccounts.map((sa) => sa.id)],
    ['apis', deletes.apis.map((a) => a.id)],
  ] as const;
  for (const [table, keys] of deletions) await configurationRepo.deleteRows(trx, table, tenantId, keys);
}
