import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KyselyPlugin, RootOperationNode } from 'kysely';
import { resolveKeyEncryptionKey } from '../../src/app/secret.js';
import { LocalChangeFeed } from '../../src/domain/changes.js';
import { ReadModel } from '../../src/domain/read-model/read-model.js';
import { createClient } from '../helpers/fixtures.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

/** Counts the statements that read from `table` (a Kysely plugin over the real database). */
function readsOf(table: string): { plugin: KyselyPlugin; count: () => number } {
  let count = 0;
  const names = (node: RootOperationNode) => JSON.stringify(node.kind === 'SelectQueryNode' ? node.from : null);
  return {
    plugin: {
      transformQuery: ({ node }) => {
        if (names(node).includes(`"name":"${table}"`)) count++;
        return node;
      },
      transformResult: ({ result }) => Promise.resolve(result),
    },
    count: () => count,
  };
}

describe('read model: a full load', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera();
    for (let i = 0; i < 3; i++) await createClient(t, { audience: ['https://api.test'] });
    assert.equal((await t.admin('POST', '/tenants', { id: 'acme' })).status, 201);
    await createClient(t, { audience: ['https://api.test'] }, 'acme');
  });
  after(() => t.close());

  it('reads each tenant and its clients once, and holds every client', async () => {
    const { deps } = t.server;
    const clients = readsOf('clients');
    const tenants = readsOf('tenants');
    const model = new ReadModel({
      db: deps.store.db.withPlugin(clients.plugin).withPlugin(tenants.plugin),
      clock: deps.clock,
      changes: new LocalChangeFeed(),
      kek: resolveKeyEncryptionKey(deps.config, deps.store.sqlitePath),
      auditTrail: { committed: () => {} },
    });
    await model.loadAll();
    assert.equal(model.tenant('default')?.clients.size, 3);
    assert.equal(model.tenant('acme')?.clients.size, 1);
    // One page of clients per tenant (fewer than a page each), and the tenant list once plus each tenant's row.
    assert.equal(clients.count(), 2, 'clients read more than once per tenant');
    assert.ok(tenants.count() <= 3, `tenants read ${tenants.count()} times`);
  });
});
