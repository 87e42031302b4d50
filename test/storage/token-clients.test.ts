import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { KyselyPlugin } from 'kysely';
import { rememberDialect } from '../../src/storage/dialects.js';
import { clientsRepo } from '../../src/storage/repositories/clients.js';
import { created } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { testKey } from '../helpers/keys.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

/** Counts every statement run through a handle, built or compiled beforehand (a Kysely plugin over the real database: it hears each result). */
function statementCounter(): { plugin: KyselyPlugin; count: () => number } {
  let count = 0;
  return {
    plugin: {
      transformQuery: ({ node }) => node,
      transformResult: ({ result }) => {
        count++;
        return Promise.resolve(result);
      },
    },
    count: () => count,
  };
}

describeEachDialect('clients reloaded by id for the read model', (dialect) => {
  let t: TestTessera;
  const named = ['rotated', 'federated', 'public-one', 'absent'];

  before(async () => {
    t = await startTessera({ dialect });
    created(await t.admin('POST', '/clients', { client_id: 'rotated', audience: ['https://api.test'], scope: 'read' }));
    // A second secret, the first given an expiry: two secrets, each with its own expires_at.
    created(await t.admin('POST', '/clients/rotated/secrets', { expires_in: 3600 }));
    const keys = { keys: [(await testKey('ES256', 'ci')).publicJwk] };
    const ci = created(await t.admin('POST', '/federated-issuers', { name: 'CI', issuer: 'https://ci.example.test', jwks: keys }));
    created(
      await t.admin('POST', '/clients', {
        client_id: 'federated',
        token_endpoint_auth_method: 'federated',
        grant_types: ['client_credentials'],
        federated_credentials: [
          { issuer: ci.id, subject: 'repo:b', claims: { ref: 'main' } },
          { issuer: ci.id, subject: 'repo:a', claims: { project_id: ['42', '7'] } },
        ],
      }),
    );
    created(await t.admin('POST', '/clients', { client_id: 'public-one', client_type: 'spa', grant_types: [] }));
  });
  after(() => t.close());

  it('reads each client with its secrets in id order and its credentials in their order, as a page of the tenant reads them', async () => {
    const db = t.server.deps.store.db;
    const page = await clientsRepo.tokenPage(db, 'default', null, 100);
    const byId = await clientsRepo.tokenClients(db, 'default', named);
    const sorted = (clients: typeof page) => [...clients].sort((a, b) => (a.clientId < b.clientId ? -1 : 1));
    assert.deepEqual(sorted(byId), sorted(page.filter((c) => named.includes(c.clientId))));
    const rotated = byId.find((c) => c.clientId === 'rotated')!;
    assert.equal(rotated.secrets.length, 2);
    assert.notEqual(rotated.secrets[0]!.expiresAt, null, 'the older secret was given an expiry');
    assert.equal(rotated.secrets[1]!.expiresAt, null);
    assert.deepEqual(
      byId.find((c) => c.clientId === 'federated')!.federatedCredentials.map((f) => f.subject),
      ['repo:b', 'repo:a'],
    );
    assert.deepEqual(byId.find((c) => c.clientId === 'public-one')!.secrets, []);
    assert.equal(
      byId.some((c) => c.clientId === 'absent'),
      false,
    );
  });

  it(`reads them in ${dialect === 'postgres' ? 'one statement' : 'three statements'}`, async () => {
    const counter = statementCounter();
    const db = t.server.deps.store.db.withPlugin(counter.plugin);
    rememberDialect(db, dialect);
    assert.equal((await clientsRepo.tokenClients(db, 'default', named)).length, 3);
    assert.equal(counter.count(), dialect === 'postgres' ? 1 : 3);
  });
});
