import { FULL_REACH } from '../domain/admin-reach.js';
import { DEFAULT_TENANT } from '../domain/tenants/model.js';
import { NotFoundError } from '../domain/errors.js';
import { SealedDataError } from '../lib/aead.js';
import { settleHeapAfterLoad } from '../lib/heap.js';
import { adminTokensRepo } from '../storage/repositories/admin-tokens.js';
import type { Deps } from './deps.js';

const SYSTEM = { id: 'system', reason: 'bootstrap' };

/**
 * Starts from a known state: tenant `default` exists (with its first signing key), every tenant
 * publishes a next key (one made now for a tenant from an earlier version), and the
 * environment's admin token is what TESSERA_ADMIN_TOKEN says. When it is set, its one record holds
 * the current value's keyed digest (created, or replaced when the value changed; an earlier value
 * stops working). When it is not set, that record is deleted; a store left without any admin token
 * (an empty store, or one whose only token was the environment's) gets a generated one, which this
 * returns for the caller to print once.
 */
export async function bootstrap(deps: Deps): Promise<{ generatedAdminToken?: string; firstStart?: boolean }> {
  const { tenants, adminTokens } = deps.services;
  let firstStart = false;
  try {
    await tenants.get(DEFAULT_TENANT);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    await tenants.create(SYSTEM, { id: DEFAULT_TENANT, name: 'Default' });
    firstStart = true;
  }
  await deps.keyRotation.publishMissingNextKeys();
  if (deps.config.adminToken) {
    const change = await adminTokens.followEnvironment(SYSTEM, deps.config.adminToken);
    if (change === 'replaced') deps.logger.warn('TESSERA_ADMIN_TOKEN changed: its earlier value no longer works');
    return {};
  }
  if ((await adminTokens.forgetEnvironment(SYSTEM)) === 'removed') {
    deps.logger.warn('TESSERA_ADMIN_TOKEN is no longer set: the admin token it held has been deleted');
  }
  if ((await adminTokensRepo.count(deps.store.db)) === 0) {
    const { value } = await adminTokens.create(SYSTEM, { name: 'bootstrap' }, FULL_REACH);
    return { generatedAdminToken: value, firstStart };
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
