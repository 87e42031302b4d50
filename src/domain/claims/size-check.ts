import { apisRepo } from '../../storage/repositories/apis.js';
import { anyConfiguredClaims } from '../../storage/repositories/configured-claims.js';
import { clientsRepo } from '../../storage/repositories/clients.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { grantsRepo } from '../../storage/repositories/grants.js';
import { serviceAccountsRepo } from '../../storage/repositories/service-accounts.js';
import type { Api } from '../apis/model.js';
import type { Client } from '../clients/model.js';
import { computePermissions } from '../clients/permissions.js';
import type { FieldError } from '../errors.js';
import type { Grant } from '../grants/model.js';
import type { ServiceAccount } from '../service-accounts/model.js';
import { addedClaimBytes, largestTokenBytes, MAX_TOKEN_BYTES } from './token-size.js';

/** A tenant's objects as a change will leave them: what a client's tokens may be made of. */
export interface TokenSources {
  readonly apisById: ReadonlyMap<string, Api>;
  readonly accountsById: ReadonlyMap<string, ServiceAccount>;
  readonly grants: readonly Grant[];
}

/** An API or a service account as a change will store it, in place of the stored one. */
export interface Replaced {
  api?: Api;
  serviceAccount?: ServiceAccount;
}

/** The detail of a client whose tokens could exceed MAX_TOKEN_BYTES. */
const oversized = (clientId: string, bytes: number) =>
  `a token of client ${JSON.stringify(clientId)} could be ${bytes} bytes, more than ${MAX_TOKEN_BYTES} (docs/claims.md#token-size)`;

/**
 * The detail for the first of `clients` (as they will be stored) whose tokens carry configured or
 * mapped claims and could exceed MAX_TOKEN_BYTES (largestTokenBytes over every API it may target,
 * docs/claims.md#token-size) with its client id, or null when none could.
 */
export function oversizedTokens(clients: Iterable<Client>, sources: TokenSources): { clientId: string; detail: string } | null {
  const apisByIdentifier = new Map([...sources.apisById.values()].map((a) => [a.identifier, a]));
  const grantsOf = new Map<string, Grant[]>();
  for (const g of sources.grants) {
    const key = g.clientId !== null ? `client ${g.clientId}` : `account ${g.serviceAccountId ?? ''}`;
    const list = grantsOf.get(key);
    if (list) list.push(g);
    else grantsOf.set(key, [g]);
  }
  for (const client of clients) {
    const account = client.serviceAccountId === null ? undefined : sources.accountsById.get(client.serviceAccountId);
    const own = [...(grantsOf.get(`client ${client.clientId}`) ?? []), ...(account ? (grantsOf.get(`account ${account.id}`) ?? []) : [])];
    const permissions = [...computePermissions(client, { apisById: sources.apisById, apisByIdentifier, grants: own }).values()];
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
    if (bytes > MAX_TOKEN_BYTES) return { clientId: client.clientId, detail: oversized(client.clientId, bytes) };
  }
  return null;
}

/**
 * Checks `clients` (as they will be stored) with oversizedTokens against the tenant's stored
 * objects and `replaced`; answers one field error at `pointer`, or none. Reads the grants only
 * when some claims are configured (most tenants configure none).
 */
export async function tokenSizeErrors(trx: Executor, tenantId: string, clients: readonly Client[], replaced: Replaced, pointer: string): Promise<FieldError[]> {
  if (clients.length === 0) return [];
  // Nothing configures claims (not the clients, not what replaces a stored object, nothing stored): no token can grow.
  const claimsGiven =
    clients.some((c) => c.claims !== null || c.claimMappings !== null) ||
    (replaced.api?.claims ?? null) !== null ||
    (replaced.serviceAccount?.claims ?? null) !== null;
  if (!claimsGiven && !(await anyConfiguredClaims(trx, tenantId))) return [];
  const [apis, accounts] = await Promise.all([apisRepo.all(trx, tenantId), serviceAccountsRepo.all(trx, tenantId)]);
  const apisById = new Map(apis.map((a) => [a.id, a]));
  if (replaced.api) apisById.set(replaced.api.id, replaced.api);
  const accountsById = new Map(accounts.map((sa) => [sa.id, sa]));
  if (replaced.serviceAccount) accountsById.set(replaced.serviceAccount.id, replaced.serviceAccount);
  const anyClaims =
    clients.some((c) => c.claims !== null || c.claimMappings !== null) ||
    [...apisById.values()].some((a) => a.claims !== null) ||
    [...accountsById.values()].some((sa) => sa.claims !== null);
  if (!anyClaims) return [];
  const found = oversizedTokens(clients, { apisById, accountsById, grants: await grantsRepo.all(trx, tenantId) });
  return found === null ? [] : [{ pointer, detail: found.detail }];
}

/** Clients read at a time by clientsOf. */
const CLIENT_PAGE = 500;

/**
 * The tenant's clients (only a service account's, given its id), read page by page: what new
 * claims or grants are checked against (only on a change, never on the token path).
 */
export async function clientsOf(trx: Executor, tenantId: string, serviceAccountId?: string): Promise<Client[]> {
  const out: Client[] = [];
  for (let after: string | undefined; ;) {
    const page = await clientsRepo.list(trx, tenantId, { limit: CLIENT_PAGE, after }, { serviceAccountId });
    out.push(...page.items);
    if (page.nextKey === null) return out;
    after = page.nextKey;
  }
}
