import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KyselyPlugin, RootOperationNode } from 'kysely';
import { resolveKeyEncryptionKey } from '../../src/app/secret.js';
import { LocalChangeFeed } from '../../src/domain/changes.js';
import { ClientSlots } from '../../src/domain/read-model/client-slots.js';
import { ReadModel } from '../../src/domain/read-model/read-model.js';
import { createClient } from '../helpers/fixtures.js';
import { describeEachDialect } from '../helpers/dialects.js';
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

  it('numbers each client once: the same slot, and the same id string, after a reload and an update', async () => {
    const { deps } = t.server;
    const model = new ReadModel({
      db: deps.store.db,
      clock: deps.clock,
      changes: new LocalChangeFeed(),
      kek: resolveKeyEncryptionKey(deps.config, deps.store.sqlitePath),
      auditTrail: { committed: () => {} },
    });
    await model.loadAll();
    const entries = () => [...model.tenant('default')!.clients.values(), ...model.tenant('acme')!.clients.values()];
    const first = entries().map((e) => [e.client.tenantId, e.client.clientId, e.slot] as const);
    assert.deepEqual(new Set(first.map(([, , slot]) => slot)).size, 4, 'a slot per client');
    for (const [tenantId, clientId, slot] of first) {
      assert.equal(model.slots.tenantOf(slot), tenantId);
      assert.equal(model.slots.clientOf(slot), clientId);
    }
    const added = await createClient(t, { audience: ['https://api.test'] });
    await model.loadAll();
    await model.apply({ kind: 'client', tenantId: 'default', clientId: first[0]![1] });
    const again = new Map(entries().map((e) => [`${e.client.tenantId}/${e.client.clientId}`, e]));
    for (const [tenantId, clientId, slot] of first) {
      const entry = again.get(`${tenantId}/${clientId}`)!;
      assert.equal(entry.slot, slot, 'the slot changed with a reload');
      assert.equal(entry.client.clientId, model.slots.clientOf(slot));
    }
    assert.equal(again.get(`default/${added.clientId}`)!.slot, 4, 'a new client takes the next slot');
    assert.equal(model.slots.size, 5);
  });
});

describeEachDialect('read model: client changes', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  it('reloads the clients of concurrent changes with one read, each as the store holds it after its write', async () => {
    const { deps } = t.server;
    const clients = readsOf('clients');
    const model = new ReadModel({
      db: deps.store.db.withPlugin(clients.plugin),
      clock: deps.clock,
      changes: new LocalChangeFeed(),
      kek: resolveKeyEncryptionKey(deps.config, deps.store.sqlitePath),
      auditTrail: { committed: () => {} },
    });
    await model.loadAll();
    const gone = await createClient(t, { audience: ['https://api.test'] });
    await model.apply({ kind: 'client', tenantId: 'default', clientId: gone.clientId });
    assert.ok(model.tenant('default')?.clients.has(gone.clientId));
    const added = [];
    for (let i = 0; i < 4; i++) added.push(await createClient(t, { audience: ['https://api.test'] }));
    assert.equal((await t.admin('DELETE', `/clients/${gone.clientId}`)).status, 204);
    const before = clients.count();
    await Promise.all([...added, gone].map((c) => model.apply({ kind: 'client', tenantId: 'default', clientId: c.clientId })));
    assert.equal(clients.count() - before, 1, 'the clients of concurrent changes were read one by one');
    for (const c of added)
      assert.equal(model.tenant('default')?.clients.get(c.clientId)?.secrets.length, 1, `client ${c.clientId} missing or without its secret`);
    assert.equal(model.tenant('default')?.clients.has(gone.clientId), false, 'a deleted client is still held');
    // A change arriving while a reload runs is read again after it: nothing joins a reload already started.
    const late = await createClient(t, { audience: ['https://api.test'] });
    const first = model.apply({ kind: 'client', tenantId: 'default', clientId: added[0]!.clientId });
    await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([first, model.apply({ kind: 'client', tenantId: 'default', clientId: late.clientId })]);
    assert.ok(model.tenant('default')?.clients.has(late.clientId));
  });
});

describe('client slots', () => {
  it('gives each (tenant, client id) its own number, the next one, for good', () => {
    const slots = new ClientSlots();
    assert.equal(slots.slotOf('a', 'job'), 0);
    assert.equal(slots.slotOf('b', 'job'), 1, 'the same client id in another tenant is another client');
    assert.equal(slots.slotOf('a', 'job'), 0);
    assert.equal(slots.slotOf('a', 'other'), 2);
    assert.deepEqual(
      [0, 1, 2].map((s) => [slots.tenantOf(s), slots.clientOf(s)]),
      [
        ['a', 'job'],
        ['b', 'job'],
        ['a', 'other'],
      ],
    );
    assert.equal(slots.size, 3);
  });
});
