import { apisRepo } from '../../storage/repositories/apis.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { grantsRepo } from '../../storage/repositories/grants.js';
import { serviceAccountsRepo } from '../../storage/repositories/service-accounts.js';
import type { Api } from '../apis/model.js';
import type { Client } from '../clients/model.js';
import { computePermissions } from '../clients/permissions.js';
import type { FieldError } from '../errors.js';
import type { ServiceAccount } from '../service-accounts/model.js';
import { addedClaimBytes, largestTokenBytes, MAX_TOKEN_BYTES } from './token-size.js';

/** An API or a service account as a change will store it, in place of the stored one. */
export interface Replaced {
  api?: Api;
  serviceAccount?: ServiceAccount;
}

/**
 * Checks, for each of `clients` (as they will be stored) whose tokens carry configured or mapped
 * claims, that no token could exceed MAX_TOKEN_BYTES (largestTokenBytes over every API it may
 * target, docs/claims.md#token-size); answers one field error at `pointer` for the first that could.
 */
export async function tokenSizeErrors(trx: Executor, tenantId: string, clients: readonly Client[], replaced: Replaced, pointer: string): Promise<FieldError[]> {
  if (clients.length === 0) return [];
  const [apis, accounts] = await Promise.all([apisRepo.all(trx, tenantId), serviceAccountsRepo.all(trx, tenantId)]);
  const apisById = new Map(apis.map((a) => [a.id, a]));
  if (replaced.api) apisById.set(replaced.api.id, replaced.api);
  const accountsById = new Map(accounts.map((sa) => [sa.id, sa]));
  if (replaced.serviceAccount) accountsById.set(replaced.serviceAccount.id, replaced.serviceAccount);
  // Most tenants configure no claims: then no token carries any, and the grants are not read.
  const anyClaims =
    clients.some((c) => c.claims !== null || c.claimMappings !== null) ||
    [...apisById.values()].some((a) => a.claims !== null) ||
    [...accountsById.values()].some((sa) => sa.claims !== null);
  if (!anyClaims) return [];
  const grants = await grantsRepo.all(trx, tenantId);
  const apisByIdentifier = new Map([...apisById.values()].map((a) => [a.identifier, a]));
  for (const client of clients) {
    const account = client.serviceAccountId === null ? undefined : accountsById.get(client.serviceAccountId);
    const own = grants.filter((g) => g.clientId === client.clientId || (account !== undefined && g.serviceAccountId === account.id));
    const permissions = [...computePermissions(client, { apisById, apisByIdentifier, grants: own }).values()];
    const claims = [...permissions.map((p) => p.api?.claims ?? null), account?.claims ?? null, client.claims];
    if (addedClaimBytes({ claims, mappings: client.claimMappings }) === 0) continue;
    const bytes = largestTokenBytes({
      subject: account?.id ?? client.clientId,
      clientId: client.clientId,
      federated: client.federatedCredentials.length > 0,
      audiences: permissions.map((p) => p.audience),
      scopes: [...new Set(permissions.flatMap((p) => p.scopes))],
      claims,
      mappings: client.claimMappings,
    });
    if (bytes > MAX_TOKEN_BYTES) {
      const detail = `a token of client ${JSON.stringify(client.clientId)} could be ${bytes} bytes, more than ${MAX_TOKEN_BYTES} (docs/claims.md#token-size)`;
      return [{ pointer, detail }];
    }
  }
  return [];
}

/** Clients read at a time by clientsOf. */
const CLIENT_PAGE = 500;

/**
 * The tenant's clients that `keep` selects, read page by page: what an API's or a service
 * account's new claims are checked against (only when claims are set, never on the token path).
 */
export async function clientsOf(trx: Executor, tenantId: string, keep: (c: Client) => boolean): Promise<Client[]> {
  const out: Client[] = [];
  for (let after: string | null = null; ;) {
    const page = await clientsRepo.page(trx, tenantId, after, CLIENT_PAGE);
    out.push(...page.filter(keep));
    const last = page.at(-1);
    if (page.length < CLIENT_PAGE || last === undefined) return out;
    after = last.clientId;
  }
}
