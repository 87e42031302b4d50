import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { assertProblem, created, ok } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

describeEachDialect('admin API: the tenant of a request, seen with its admin token', (dialect) => {
  let t: TestTessera;
  /** The tenants looked up on their own (TenantsService.get on the running server, counted, not replaced). */
  let lookups: string[];

  before(async () => {
    t = await startTessera({ dialect });
    created(await t.admin('POST', '/tenants', { id: 'acme' }));
    const tenants = t.server.deps.services.tenants;
    const get = tenants.get.bind(tenants);
    tenants.get = (id) => {
      lookups.push(id);
      return get(id);
    };
  });
  after(() => t.close());

  it('an admin token acting on an existing tenant needs no second lookup of it', async () => {
    lookups = [];
    created(await t.admin('POST', '/clients', { client_id: 'seen-default', audience: ['https://api.test'] }));
    created(await t.admin('POST', '/tenants/acme/clients', { client_id: 'seen-acme', audience: ['https://api.test'] }));
    ok(await t.admin('GET', '/tenants/acme/clients/seen-acme'));
    assert.deepEqual(lookups, []);
  });

  it('an unknown tenant is still 404 and an unknown token still 401, whichever tenant the path names', async () => {
    assertProblem(await t.admin('POST', '/tenants/nope/clients', { client_id: 'x' }), {
      status: 404,
      detail: 'tenant "nope" does not exist',
      instance: '/tenants/nope/clients',
    });
    assert.equal((await t.admin('GET', '/tenants/acme/clients', undefined, { token: 'tsr_at_not-a-token-of-this-server-0000000000' })).status, 401);
    assert.equal((await t.admin('GET', '/tenants/nope/clients', undefined, { token: 'tsr_at_not-a-token-of-this-server-0000000000' })).status, 401);
  });

  it('a token limited to a tenant is refused on another, existing or not, before any lookup of it', async () => {
    const limited = created(await t.admin('POST', '/admin-tokens', { name: 'acme only', tenant: 'acme' })).token;
    lookups = [];
    ok(await t.admin('GET', '/tenants/acme/clients', undefined, { token: limited }));
    const refused = { status: 403, detail: 'this admin token is limited to tenant acme' };
    assertProblem(await t.admin('GET', '/clients', undefined, { token: limited }), { ...refused, instance: '/clients' });
    assertProblem(await t.admin('GET', '/tenants/nope/clients', undefined, { token: limited }), { ...refused, instance: '/tenants/nope/clients' });
    assert.deepEqual(lookups, []);
  });

  it('a tenant deleted after a token was created is not found through that token', async () => {
    created(await t.admin('POST', '/tenants', { id: 'brief' }));
    const limited = created(await t.admin('POST', '/admin-tokens', { name: 'brief only', tenant: 'brief' })).token;
    ok(await t.admin('GET', '/tenants/brief/clients', undefined, { token: limited }));
    assert.equal((await t.admin('DELETE', '/tenants/brief')).status, 204);
    const res = await t.admin('GET', '/tenants/brief/clients', undefined, { token: limited });
    assert.ok(res.status === 401 || res.status === 404, `answered ${res.status}: ${res.text}`);
  });
});
