import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrations/index.js';
import { adminTokensRepo } from '../../src/storage/repositories/admin-tokens.js';
import { transact } from '../../src/storage/transaction.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { openTestStore } from '../helpers/store.js';

const DIGESTS = { sha256: 'a'.repeat(64), 'hmac-sha256': 'b'.repeat(64) };
const AT = new Date(0).toISOString();

describeEachDialect("an admin token's lookup with its request's tenant", (dialect) => {
  let store: Store;

  before(async () => {
    store = await openTestStore(dialect, 'tessera-admin-token-lookup-');
    await migrateToLatest(store.db);
    await store.db
      .insertInto('tenants')
      .values({ id: 'acme', name: 'acme', signing_alg: 'ES256', access_token_ttl: 300, tls_client_cas: '[]', created_at: AT, updated_at: AT })
      .execute();
    await adminTokensRepo.insert(store.db, {
      id: 'at_1',
      tenantId: null,
      name: 'ops',
      digest: DIGESTS['hmac-sha256'],
      digestKind: 'hmac-sha256',
      source: null,
      scopes: ['admin'],
      createdAt: AT,
      expiresAt: null,
    });
  });
  after(() => store.close());

  it('finds the token by the digest of its own kind and tells whether the tenant exists', async () => {
    const found = await adminTokensRepo.findByDigestsWithTenant(store.db, DIGESTS, 'acme');
    assert.equal(found?.token.id, 'at_1');
    assert.equal(found?.tenantExists, true);
    assert.equal((await adminTokensRepo.findByDigestsWithTenant(store.db, DIGESTS, 'nope'))?.tenantExists, false);
    // The same digest under the other kind names nothing.
    assert.equal(await adminTokensRepo.findByDigestsWithTenant(store.db, { sha256: DIGESTS['hmac-sha256'], 'hmac-sha256': 'c'.repeat(64) }, 'acme'), undefined);
  });

  it('answers while a write transaction holds the store (on SQLite: from the reader connection, not behind the writer)', async () => {
    const lookup = await transact(store.db, async (trx) => {
      await trx.updateTable('tenants').set({ name: 'acme, renamed' }).where('id', '=', 'acme').execute();
      return Promise.race([adminTokensRepo.findByDigestsWithTenant(store.db, DIGESTS, 'acme'), sleep(2000).then(() => 'waited for the writer')]);
    });
    assert.equal(typeof lookup === 'object' ? lookup?.token.id : lookup, 'at_1');
  });
});
