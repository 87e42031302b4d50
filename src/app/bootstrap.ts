import { DEFAULT_TENANT } from '../domain/tenants/model.js';
import { NotFoundError } from '../domain/errors.js';
import { SealedDataError } from '../lib/aead.js';
import { settleHeapAfterLoad } from '../lib/heap.js';
import { adminTokensRepo } from '../storage/repositories/admin-tokens.js';
import type { Deps } from './deps.js';

const SYSTEM = { id: 'system', reason: 'bootstrap' };

/**
 * First start with an empty store creates tenant `default` with its first signing key and an
 * admin token. TESSERA_ADMIN_TOKEN, when set, is registered (as a digest) instead of generating
 * one. Returns a generated token, which the caller prints once.
 */
export async function bootstrap(deps: Deps): Promise<{ generatedAdminToken?: string }> {
  const { tenants, adminTokens } = deps.services;
  try {
    await tenants.get(DEFAULT_TENANT);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    await tenants.create(SYSTEM, { id: DEFAULT_TENANT, name: 'Default' });
  }
  if (deps.config.adminToken) {
    await adminTokens.ensure(SYSTEM, 'bootstrap (TESSERA_ADMIN_TOKEN)', deps.config.adminToken);
    return {};
  }
  if ((await adminTokensRepo.count(deps.store.db)) === 0) {
    const { value } = await adminTokens.create(SYSTEM, { name: 'bootstrap' });
    return { generatedAdminToken: value };
  }
  return {};
}

/**
 * Loads the read model (then settles the heap, src/lib/heap.ts). A signing key that does not open
 * shows here first: say plainly which one, and that the usual cause is a wrong TESSERA_SECRET.
 */
export async function loadReadModel(deps: Deps): Promise<void> {
  try {
    await deps.readModel.loadAll();
    settleHeapAfterLoad();
  } catch (err) {
    if (err instanceof SealedDataError) {
      const why =
        err.reason === 'authentication-failed'
          ? 'TESSERA_SECRET (or data/tessera.secret) is not the one it was sealed with, or its database row was altered or copied from another key'
          : 'its database row was altered';
      throw new Error(`cannot decrypt the ${err.message}: ${why}`, { cause: err });
    }
    throw err;
  }
}
