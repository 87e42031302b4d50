import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ADMIN_API_IDENTIFIER, ADMIN_SCOPES } from '../../src/domain/admin-scopes.js';
import type { Store } from '../../src/storage/database.js';
import { MIGRATION_NAMES, migrateToLatest, migrateUpTo } from '../../src/storage/migrations/index.js';
import { adminTokensRepo } from '../../src/storage/repositories/admin-tokens.js';
import { apisRepo } from '../../src/storage/repositories/apis.js';
import { clientsRepo } from '../../src/storage/repositories/clients.js';
import { federatedIssuersRepo } from '../../src/storage/repositories/federated-issuers.js';
import { tenantsRepo } from '../../src/storage/repositories/tenants.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { openTestStore } from '../helpers/store.js';

const AT = '2026-01-01T00:00:00.000Z';

describeEachDialect('migrations 0007_federation and 0008_mtls from a database of an earlier release', (dialect) => {
  let store: Store;

  before(async () => {
    store = await openTestStore(dialect, 'tessera-federation-migration-');
  });
  after(() => store.close());

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

describeEachDialect('migration 0009_admin_scopes from a database of an earlier release', (dialect) => {
  let store: Store;

  before(async () => {
    store = await openTestStore(dialect, 'tessera-admin-scopes-migration-');
  });
  after(() => store.close());

  it('gives every tenant the built-in API (a hand-made urn:tessera:admin becomes it) and keeps every admin token at full rights', async () => {
    await migrateUpTo(store.db, '0008_mtls');
    const db = store.db as any;
    for (const id of ['acme', 'beta']) {
      await db.insertInto('tenants').values({ id, name: id, signing_alg: 'ES256', access_token_ttl: 3600, created_at: AT, updated_at: AT }).execute();
    }
    const api = (tenantId: string, id: string, identifier: string) => ({
      tenant_id: tenantId,
      id,
      name: 'mine',
      identifier,
      scopes: '[{"value":"everything","description":""}]',
      access_token_ttl: 600,
      dpop_bound_access_tokens: 0,
      created_at: AT,
      updated_at: AT,
    });
    await db
      .insertInto('apis')
      .values([api('acme', 'api_orders', 'https://orders.example'), api('beta', 'api_handmade', ADMIN_API_IDENTIFIER)])
      .execute();
    await db
      .insertInto('admin_tokens')
      .values({ id: 'at_old', tenant_id: 'acme', name: 'old', digest: 'd'.repeat(64), digest_kind: 'sha256', source: null, created_at: AT, expires_at: null })
      .execute();

    assert.deepEqual(await migrateToLatest(store.db), MIGRATION_NAMES.slice(MIGRATION_NAMES.indexOf('0009_admin_scopes')));

    const acme = await apisRepo.all(store.db, 'acme');
    assert.deepEqual(acme.map((a) => [a.id, a.identifier, a.builtIn]).sort(), [
      ['api_orders', 'https://orders.example', false],
      ['api_tessera_admin', ADMIN_API_IDENTIFIER, true],
    ]);
    const builtIn = acme.find((a) => a.builtIn);
    assert.equal(builtIn?.name, 'Tessera admin API');
    assert.deepEqual(
      builtIn?.scopes.map((s) => s.value),
      ADMIN_SCOPES,
    );
    assert.equal(builtIn?.accessTokenTtl, null);
    // The hand-made API keeps its id (and so its grants) and its token lifetime; it takes the fixed name and scopes.
    const beta = await apisRepo.all(store.db, 'beta');
    assert.deepEqual(
      beta.map((a) => [a.id, a.identifier, a.builtIn, a.name, a.accessTokenTtl]),
      [['api_handmade', ADMIN_API_IDENTIFIER, true, 'Tessera admin API', 600]],
    );
    assert.deepEqual(
      beta[0]?.scopes.map((s) => s.value),
      ADMIN_SCOPES,
    );
    assert.deepEqual((await adminTokensRepo.get(store.db, 'at_old'))?.scopes, ['admin']);
  });
});
