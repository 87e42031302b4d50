import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { ConfigDocument } from '../../src/domain/configuration/document.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';

const RACE_API = 'https://race.test/';

/**
 * One side of a race on tenant `tenant`: both sides create the tenant, the API, the service
 * account, client `shared` and its grant, each differently, and clients of their own.
 */
function side(tenant: string, name: 'a' | 'b', own = 40): ConfigDocument {
  const scope = name === 'a' ? 'write' : 'delete';
  return {
    version: 1,
    tenants: [
      {
        id: tenant,
        apis: [{ identifier: RACE_API, name: `race ${name}`, scopes: [{ value: 'read' }, { value: scope }] }],
        service_accounts: [{ user_name: 'shared-sa', display_name: `from ${name}` }],
        clients: [
          { client_id: 'shared', client_name: `shared from ${name}`, service_account: 'shared-sa' },
          ...Array.from({ length: own }, (_, i) => ({ client_id: `${name}-${i}`, client_name: `${name} ${i}` })),
        ],
        grants: [
          { client: 'shared', api: RACE_API, scopes: [scope] },
          { service_account: 'shared-sa', api: RACE_API, scopes: ['read'] },
          ...Array.from({ length: own }, (_, i) => ({ client: `${name}-${i}`, api: RACE_API, scopes: ['read'] })),
        ],
      },
    ],
  };
}

describeEachDialect('POST /config/apply: concurrent applies serialise', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  const apply = (document: ConfigDocument, query = '') => t.admin('POST', `/config/apply${query}`, document);
  /** The exported tenant `tenant`, its id written as `as` (to compare tenants built the same way). */
  const exported = async (tenant: string, as = 'race') => {
    const res = await t.admin('GET', `/config/export?tenant=${tenant}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.tenants.length, 1, res.text);
    // A tenant's name defaults to its id: the same setting under another id.
    const { id, name, ...members } = res.body.tenants[0];
    return { id: as, ...(name === undefined || name === id ? {} : { name }), ...members };
  };
  /** An apply that did not go through: a clean 409 or 422 problem, never a 500. */
  const assertCleanRefusal = (res: HttpResult) => {
    assert.ok(res.status === 409 || res.status === 422, `${res.status} ${res.text}`);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  };
  /** The state each order of the two sides leaves, applied one after the other on tenants of their own. */
  const sequentially = async (tenant: string, documents: ConfigDocument[]) => {
    for (const document of documents) assert.equal((await apply(document)).status, 200);
    return exported(tenant);
  };

  it('two applies creating the same tenant and objects at once: each succeeds or is refused cleanly; the result is one order of them', async () => {
    const ab = await sequentially('order-ab', [side('order-ab', 'a'), side('order-ab', 'b')]);
    const ba = await sequentially('order-ba', [side('order-ba', 'b'), side('order-ba', 'a')]);
    const onlyA = await sequentially('only-a', [side('only-a', 'a')]);
    const onlyB = await sequentially('only-b', [side('only-b', 'b')]);
    for (let round = 0; round < 3; round++) {
      const tenant = `race-${round}`;
      const [a, b] = await Promise.all([apply(side(tenant, 'a')), apply(side(tenant, 'b'))]);
      for (const res of [a, b]) if (res.status !== 200) assertCleanRefusal(res);
      assert.ok(a.status === 200 || b.status === 200, `neither went through: ${a.text} ${b.text}`);
      const state = await exported(tenant);
      const expected = a.status !== 200 ? [onlyB] : b.status !== 200 ? [onlyA] : [ab, ba];
      assert.ok(
        expected.some((one) => JSON.stringify(one) === JSON.stringify(state)),
        `round ${round}: the state is no order of the applies that succeeded:\n${JSON.stringify(state)}`,
      );
      // Whatever the order, the state is a document: applying it again changes nothing.
      const again = await apply({ version: 1, tenants: [{ ...state, id: tenant }] }, '?dry_run=true');
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(
        again.body.changes.filter((c: { action: string }) => c.action !== 'unchanged'),
        [],
      );
    }
  });

  it('dry runs while an apply runs see the state before it or after it, never a part of it', async () => {
    assert.equal((await t.admin('POST', '/tenants', { id: 'steady' })).status, 201);
    const document = side('steady', 'a', 300);
    const plans = Array.from({ length: 4 }, () => apply(document, '?dry_run=true'));
    const [applied, ...planned] = await Promise.all([apply(document), ...plans]);
    assert.equal(applied.status, 200, applied.text);
    for (const plan of planned) {
      assert.equal(plan.status, 200, plan.text);
      const actions = new Set(plan.body.changes.filter((c: { kind: string }) => c.kind !== 'tenant').map((c: { action: string }) => c.action));
      assert.ok(
        (actions.size === 1 && actions.has('create')) || (actions.size === 1 && actions.has('unchanged')),
        `a plan saw part of the apply: ${[...actions].join(', ')}`,
      );
      assert.equal(plan.body.applied, false);
      assert.deepEqual(plan.body.secrets, []);
    }
    const settled = await apply(document, '?dry_run=true');
    assert.deepEqual(new Set(settled.body.changes.map((c: { action: string }) => c.action)), new Set(['unchanged']));
  });
});
