import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { assertProblem, manualClock, ok } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient } from '../helpers/fixtures.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';
import { issueToken } from '../helpers/tokens.js';

/** A document of one tenant `shop`: an API, a service account, two clients and their grants. */
function shopDocument(overrides: { scopes?: string[]; clients?: unknown[]; grants?: unknown[] } = {}) {
  return {
    version: 1,
    tenants: [
      {
        id: 'shop',
        apis: [{ identifier: 'https://orders.example/', scopes: [{ value: 'orders:read' }, { value: 'orders:write', description: 'change orders' }] }],
        service_accounts: [{ user_name: 'billing', display_name: 'Billing' }],
        clients: overrides.clients ?? [
          { client_id: 'billing-worker', client_name: 'Billing worker', service_account: 'billing' },
          { client_id: 'reporting', audience: ['https://orders.example/'] },
        ],
        grants: overrides.grants ?? [
          { service_account: 'billing', api: 'https://orders.example/', scopes: ['orders:read', 'orders:write'] },
          { client: 'reporting', api: 'https://orders.example/', scopes: overrides.scopes ?? ['orders:read'] },
        ],
      },
    ],
  };
}

const kinds = (changes: { action: string; kind: string; key: string }[]) => changes.map((c) => `${c.action} ${c.kind} ${c.key}`);

describeEachDialect('POST /config/apply and GET /config/export', (dialect) => {
  let t: TestTessera;

  before(async () => {
    t = await startTessera({ dialect, clock: manualClock('2031-05-01T00:00:00.000Z') });
  });
  after(() => t.close());

  it('plans, applies (secrets once, tokens at once), re-applies as unchanged, and edits with fields and diff', async () => {
    const plan = ok(await t.admin('POST', '/config/apply?dry_run=true', shopDocument()));
    assert.equal(plan.applied, false);
    assert.deepEqual(plan.secrets, []);
    const expected = [
      'create tenant shop',
      'create api https://orders.example/',
      'create service_account billing',
      'create client billing-worker',
      'create client reporting',
      'create grant service_account:billing>https://orders.example/',
      'create grant client:reporting>https://orders.example/',
    ];
    assert.deepEqual(kinds(plan.changes), expected);
    assert.equal((await t.admin('GET', '/tenants/shop')).status, 404, 'a plan changes nothing');

    const applied = ok(await t.admin('POST', '/config/apply', shopDocument()));
    assert.equal(applied.applied, true);
    assert.deepEqual(kinds(applied.changes), expected);
    assert.deepEqual(
      applied.secrets.map((s: { tenant: string; client_id: string }) => `${s.tenant}/${s.client_id}`),
      ['shop/billing-worker', 'shop/reporting'],
    );
    const reporting = { clientId: 'reporting', secret: applied.secrets[1].client_secret as string };
    const token = await issueToken(t, reporting, { scope: 'orders:read' }, 'shop');
    assert.ok(token.length > 0);

    const again = ok(await t.admin('POST', '/config/apply', shopDocument()));
    assert.deepEqual(
      again.changes.map((c: { action: string }) => c.action),
      expected.map(() => 'unchanged'),
    );
    assert.deepEqual(again.secrets, []);

    const edited = ok(await t.admin('POST', '/config/apply', shopDocument({ scopes: ['orders:read', 'orders:write'] })));
    const update = edited.changes.find((c: { action: string }) => c.action === 'update');
    assert.deepEqual(update, {
      action: 'update',
      kind: 'grant',
      tenant: 'shop',
      key: 'client:reporting>https://orders.example/',
      fields: ['scopes'],
      diff: { scopes: { from: ['orders:read'], to: ['orders:read', 'orders:write'] } },
    });
    assert.equal(edited.changes.filter((c: { action: string }) => c.action !== 'unchanged').length, 1);
    await issueToken(t, reporting, { scope: 'orders:write' }, 'shop');
  });

  it('export is the document of the current state: applying it changes nothing', async () => {
    const exported = ok(await t.admin('GET', '/config/export?tenant=shop'));
    const shop = exported.tenants[0];
    assert.deepEqual(shop.clients, [
      { client_id: 'billing-worker', client_name: 'Billing worker', service_account: 'billing' },
      { client_id: 'reporting', audience: ['https://orders.example/'] },
    ]);
    const plan = ok(await t.admin('POST', '/config/apply?dry_run=true', exported));
    assert.deepEqual(
      plan.changes.filter((c: { action: string }) => c.action !== 'unchanged'),
      [],
    );
  });

  it('an invalid document changes nothing and points at every bad field', async () => {
    const bad = shopDocument({ grants: [{ client: 'reporting', api: 'https://orders.example/', scopes: ['orders:read', 'orders:delete'] }] });
    bad.tenants[0]?.clients?.push({ client_id: 'newcomer' });
    assertProblem(await t.admin('POST', '/config/apply', bad), {
      status: 422,
      detail: 'the configuration document is not valid',
      instance: '/config/apply',
      errors: [{ pointer: '/tenants/0/grants/0/scopes/1', detail: 'the API does not define scope "orders:delete"' }],
    });
    assert.equal((await t.admin('GET', '/tenants/shop/clients/newcomer')).status, 404);
  });

  it('prune deletes managed objects the document no longer names, never hand-made ones', async () => {
    await createClient(t, { client_id: 'by-hand' }, 'shop');
    const pruned = ok(
      await t.admin(
        'POST',
        '/config/apply?prune=true',
        shopDocument({ clients: [{ client_id: 'billing-worker', client_name: 'Billing worker', service_account: 'billing' }], grants: [] }),
      ),
    );
    assert.deepEqual(kinds(pruned.changes.filter((c: { action: string }) => c.action === 'delete')), [
      'delete grant service_account:billing>https://orders.example/',
      'delete client reporting',
    ]);
    assert.equal((await t.admin('GET', '/tenants/shop/clients/reporting')).status, 404);
    assert.equal((await t.admin('GET', '/tenants/shop/clients/by-hand')).status, 200);
  });
});
