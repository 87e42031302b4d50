import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openStore, type Store } from '../../src/storage/database.js';
import { MIGRATION_NAMES, migrateToLatest, migrateUpTo } from '../../src/storage/migrations/index.js';
import { clientsRepo } from '../../src/storage/repositories/clients.js';
import { federatedIssuersRepo } from '../../src/storage/repositories/federated-issuers.js';
import { tenantsRepo } from '../../src/storage/repositories/tenants.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { storeEnv } from '../helpers/tessera.js';

const AT = '2026-01-01T00:00:00.000Z';

describeEachDialect('migrations 0007_federation and 0008_mtls from a database of an earlier release', (dialect) => {
  let dir: string;
  let store: Store;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-federation-migration-'));
    store = openStore((await storeEnv(dialect, dir)).TESSERA_DATABASE_URL!);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds the federation tables and the mutual TLS columns; existing clients load with neither', async () => {
    await migrateUpTo(store.db, '0006_admin_token_digests');
    const db = store.db as any;
    await db.insertInto('tenants').values({ id: 'acme', name: 'acme', signing_alg: 'ES256', access_token_ttl: 3600, created_at: AT, updated_at: AT }).execute();
    await db
      .insertInto('clients')
      .values({
        tenant_id: 'acme',
        client_id: 'legacy',
        client_name: '',
        client_type: 'machine_to_machine',
        grant_types: '["client_credentials"]',
        response_types: '[]',
        audience: '[]',
        scope: '',
        token_endpoint_auth_method: null,
        jwks: null,
        jwks_uri: null,
        service_account_id: null,
        access_token_ttl: null,
        active: 1,
        dpop_bound_access_tokens: 0,
        created_at: AT,
        updated_at: AT,
      })
      .execute();
    assert.deepEqual(await migrateToLatest(store.db), MIGRATION_NAMES.slice(MIGRATION_NAMES.indexOf('0007_federation')));
    const legacy = await clientsRepo.get(store.db, 'acme', 'legacy');
    assert.deepEqual(legacy?.federatedCredentials, []);
    // 0008_mtls: no certificate name, no binding, and the tenant trusts no CA of its own.
    assert.equal(legacy?.tlsClientAuth, null);
    assert.equal(legacy?.tlsClientCertificateBoundAccessTokens, false);
    assert.deepEqual((await tenantsRepo.get(store.db, 'acme'))?.tlsClientCas, []);
    assert.deepEqual(
      (await clientsRepo.page(store.db, 'acme', null, 10)).map((c) => [c.clientId, c.federatedCredentials]),
      [['legacy', []]],
    );
    assert.deepEqual(await federatedIssuersRepo.all(store.db, 'acme'), []);
  });
});
