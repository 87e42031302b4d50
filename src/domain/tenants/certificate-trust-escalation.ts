import { apisRepo } from '../../storage/repositories/apis.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { grantsRepo } from '../../storage/repositories/grants.js';
import { refuseEscalation, type AdminReach } from '../admin-reach.js';
import { ADMIN_API_IDENTIFIER } from '../admin-scopes.js';
import { adminScopesHeld } from '../clients/admin-scopes-held.js';
import type { Client } from '../clients/model.js';

const PAGE = 500;

/** The tenant's `tls_client_auth` clients that a grant on `urn:tessera:admin` reaches, directly or through their service account. */
async function certificateClientsWithAdminGrants(trx: Executor, tenantId: string): Promise<Client[]> {
  const api = await apisRepo.getByIdentifier(trx, tenantId, ADMIN_API_IDENTIFIER);
  if (!api) return [];
  const grants = await grantsRepo.all(trx, tenantId, { apiId: api.id });
  const clients = new Map<string, Client>();
  for (const grant of grants) {
    if (grant.clientId !== null) {
      const client = await clientsRepo.get(trx, tenantId, grant.clientId);
      if (client) clients.set(client.clientId, client);
    }
    if (grant.serviceAccountId !== null) {
      let after: string | undefined;
      do {
        const page = await clientsRepo.list(trx, tenantId, { limit: PAGE, after }, { serviceAccountId: grant.serviceAccountId });
        for (const client of page.items) clients.set(client.clientId, client);
        after = page.nextKey ?? undefined;
      } while (after !== undefined);
    }
  }
  return [...clients.values()].filter((c) => c.tokenEndpointAuthMethod === 'tls_client_auth');
}

/**
 * A CA added to a tenant's `tls_client_cas` can issue a certificate in the name of any
 * `tls_client_auth` client of the tenant: adding one needs the admin scopes those clients hold
 * (docs/api.md#escalation). Removing CAs hands out nothing.
 */
export async function refuseCertificateTrustEscalation(
  trx: Executor,
  tenantId: string,
  before: readonly string[],
  after: readonly string[],
  reach: AdminReach,
): Promise<void> {
  const trusted = new Set(before);
  if (after.every((ca) => trusted.has(ca))) return;
  const held = new Set<string>();
  for (const client of await certificateClientsWithAdminGrants(trx, tenantId)) for (const scope of await adminScopesHeld(trx, client)) held.add(scope);
  refuseEscalation(reach, held, `tls_client_auth clients of tenant ${tenantId} hold scopes the caller does not hold`);
}
