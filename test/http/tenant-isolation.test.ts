import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { assertProblem, created, ok, tokenRequest } from '../helpers/admin.js';
import { describeEachDialect, type TestDialect } from '../helpers/dialects.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

/** What one tenant owns after `seed`: one of each entity, reachable at `prefix`. */
interface Owned {
  tenant: string;
  /** '' for the default tenant's root paths, else `/tenants/{tenant}`. */
  prefix: string;
  sa: any;
  client: { clientId: string; secret: string; body: any };
  /** A second secret added by rotation: its id and value. */
  secret: { id: string; client_secret: string };
  api: any;
  grant: any;
}

/**
 * Gives a tenant a service account, a client acting for it with two secrets, an API and a
 * grant. The user name and API identifier are the same in every tenant: unique per tenant only.
 */
async function seed(t: TestTessera, tenant: string): Promise<Owned> {
  const prefix = tenant === 'default' ? '' : `/tenants/${tenant}`;
  const sa = await createOk(t, `${prefix}/service-accounts`, { user_name: 'sync-job', display_name: `${tenant} sync` });
  const client = await createClient(
    t,
    { client_id: `${tenant}-client`, service_account_id: sa.id, audience: [`https://${tenant}.api/`], scope: 'read' },
    tenant === 'default' ? undefined : tenant,
  );
  const secret = await createOk(t, `${prefix}/clients/${client.clientId}/secrets`, {});
  const api = await createOk(t, `${prefix}/apis`, { name: `${tenant} orders`, identifier: 'https://orders.test/', scopes: [{ value: 'orders:read' }] });
  const grant = await createOk(t, `${prefix}/grants`, { client_id: client.clientId, api_id: api.id, scopes: ['orders:read'] });
  return { tenant, prefix, sa, client, secret, api, grant };
}

async function startWithTenants(dialect: TestDialect): Promise<TestTessera> {
  const t = await startTessera({ dialect });
  created(await t.admin('POST', '/tenants', { id: 'acme' }));
  created(await t.admin('POST', '/tenants', { id: 'other' }));
  return t;
}

/** Every item id of a list (one page of 200 holds them all here). */
async function listIds(t: TestTessera, path: string): Promise<string[]> {
  const body = ok(await t.admin('GET', `${path}${path.includes('?') ? '&' : '?'}limit=200`));
  assert.equal(body.next_cursor, null);
  return body.items.map((x: any) => x.id ?? x.client_id ?? x.kid);
}

/** A Tessera with its tenants, each of `acme` and `default` seeded with one object of every kind. */
async function startSeeded(dialect: TestDialect): Promise<{ t: TestTessera; acme: Owned; dflt: Owned }> {
  const t = await startWithTenants(dialect);
  return { t, acme: await seed(t, 'acme'), dflt: await seed(t, 'default') };
}

describeEachDialect('tenant isolation: admin API, per entity', (dialect) => {
  let t: TestTessera;
  let acme: Owned;
  let dflt: Owned;
  before(async () => {
    ({ t, acme, dflt } = await startSeeded(dialect));
  });
  after(() => t.close());

  /** The paths from which `owner`'s objects must be invisible: another tenant's, and the default's (root and prefixed). */
  const foreignPrefixes = (owner: Owned) => (owner.tenant === 'acme' ? ['/tenants/other', '', '/tenants/default'] : ['/tenants/acme', '/tenants/other']);
  const both = () => [acme, dflt];

  it('lets the same user_name, API identifier and client_id exist in two tenants', async () => {
    assert.equal(acme.sa.user_name, dflt.sa.user_name);
    assert.equal(acme.api.identifier, dflt.api.identifier);
    assert.notEqual(acme.sa.id, dflt.sa.id);
    const a = created(await t.admin('POST', '/tenants/acme/clients', { client_id: 'same-id' }));
    const d = created(await t.admin('POST', '/clients', { client_id: 'same-id' }));
    assert.notEqual(a.client_secret, d.client_secret);
    assert.notEqual(a.client_secrets[0].id, d.client_secrets[0].id);
  });

  it('service accounts: invisible and unchangeable from another tenant, lists do not leak', async () => {
    for (const owner of both()) {
      const id = owner.sa.id;
      for (const prefix of foreignPrefixes(owner)) {
        const instance = `${prefix}/service-accounts/${id}`;
        const missing = { status: 404, detail: `service account ${JSON.stringify(id)} does not exist`, instance };
        assertProblem(await t.admin('GET', instance), missing);
        assertProblem(await t.admin('PATCH', instance, { display_name: 'hijacked', active: false }), missing);
        assertProblem(await t.admin('DELETE', instance), missing);
        assert.ok(!(await listIds(t, `${prefix}/service-accounts`)).includes(id));
        assert.deepEqual(ok(await t.admin('GET', `${prefix}/service-accounts?search=${encodeURIComponent(owner.sa.display_name)}`)).items, []);
      }
      assert.deepEqual(ok(await t.admin('GET', `${owner.prefix}/service-accounts/${id}`)), owner.sa, 'unchanged');
    }
  });

  it('clients: invisible and unchangeable from another tenant, lists do not leak', async () => {
    for (const owner of both()) {
      const id = owner.client.clientId;
      const { client_secret: _s, client_secret_expires_at: _e, ...asCreated } = owner.client.body;
      const current = ok(await t.admin('GET', `${owner.prefix}/clients/${id}`));
      for (const prefix of foreignPrefixes(owner)) {
        const instance = `${prefix}/clients/${id}`;
        const missing = { status: 404, detail: `client ${JSON.stringify(id)} does not exist`, instance };
        assertProblem(await t.admin('GET', instance), missing);
        assertProblem(await t.admin('PATCH', instance, { client_name: 'hijacked', active: false }), missing);
        assertProblem(await t.admin('DELETE', instance), missing);
        assert.ok(!(await listIds(t, `${prefix}/clients`)).includes(id));
        assert.deepEqual(ok(await t.admin('GET', `${prefix}/clients?service_account_id=${owner.sa.id}`)).items, []);
      }
      const after = ok(await t.admin('GET', `${owner.prefix}/clients/${id}`));
      assert.deepEqual(after, current, 'unchanged');
      assert.deepEqual({ ...after, client_secrets: [] }, { ...asCreated, client_secrets: [] });
    }
  });

  it('client secrets: cannot be added or removed from another tenant, even under the same client_id', async () => {
    for (const owner of both()) {
      const id = owner.client.clientId;
      const before = ok(await t.admin('GET', `${owner.prefix}/clients/${id}`)).client_secrets;
      assert.equal(before.length, 2);
      for (const prefix of foreignPrefixes(owner)) {
        const missing = { status: 404, detail: `client ${JSON.stringify(id)} does not exist` };
        assertProblem(await t.admin('POST', `${prefix}/clients/${id}/secrets`, { expires_in: 0 }), { ...missing, instance: `${prefix}/clients/${id}/secrets` });
        for (const { id: secretId } of before) {
          const instance = `${prefix}/clients/${id}/secrets/${secretId}`;
          assertProblem(await t.admin('DELETE', instance), { ...missing, instance });
        }
      }
      assert.deepEqual(ok(await t.admin('GET', `${owner.prefix}/clients/${id}`)).client_secrets, before, 'unchanged');
    }
    // A client_id both tenants use: a secret id of one is unknown to the other's client.
    const a = ok(await t.admin('GET', '/tenants/acme/clients/same-id'));
    const d = ok(await t.admin('GET', '/clients/same-id'));
    const dSecret = d.client_secrets[0].id;
    assertProblem(await t.admin('DELETE', `/tenants/acme/clients/same-id/secrets/${dSecret}`), {
      status: 404,
      detail: `client secret ${JSON.stringify(dSecret)} does not exist`,
      instance: `/tenants/acme/clients/same-id/secrets/${dSecret}`,
    });
    const aSecret = a.client_secrets[0].id;
    assertProblem(await t.admin('DELETE', `/clients/same-id/secrets/${aSecret}`), {
      status: 404,
      detail: `client secret ${JSON.stringify(aSecret)} does not exist`,
      instance: `/clients/same-id/secrets/${aSecret}`,
    });
    assert.deepEqual(ok(await t.admin('GET', '/clients/same-id')).client_secrets, d.client_secrets);
    assert.deepEqual(ok(await t.admin('GET', '/tenants/acme/clients/same-id')).client_secrets, a.client_secrets);
    // Both secrets of each seeded client still work at their own issuer.
    for (const owner of both()) {
      const path = owner.tenant === 'default' ? '/oauth2/token' : `/t/${owner.tenant}/oauth2/token`;
      for (const secret of [owner.client.secret, owner.secret.client_secret]) {
        const res = await tokenRequest(t, path, owner.client.clientId, secret, { audience: `https://${owner.tenant}.api/` });
        assert.equal(res.status, 200, res.text);
      }
    }
  });

  it('APIs: invisible and unchangeable from another tenant, lists do not leak', async () => {
    for (const owner of both()) {
      const id = owner.api.id;
      for (const prefix of foreignPrefixes(owner)) {
        const instance = `${prefix}/apis/${id}`;
        const missing = { status: 404, detail: `API ${JSON.stringify(id)} does not exist`, instance };
        assertProblem(await t.admin('GET', instance), missing);
        assertProblem(await t.admin('PATCH', instance, { name: 'hijacked', scopes: [] }), missing);
        assertProblem(await t.admin('DELETE', instance), missing);
        assert.ok(!(await listIds(t, `${prefix}/apis`)).includes(id));
      }
      assert.deepEqual(ok(await t.admin('GET', `${owner.prefix}/apis/${id}`)), owner.api, 'unchanged');
    }
  });

  it('grants: invisible and undeletable from another tenant, lists and filters do not leak', async () => {
    for (const owner of both()) {
      const id = owner.grant.id;
      for (const prefix of foreignPrefixes(owner)) {
        const instance = `${prefix}/grants/${id}`;
        const missing = { status: 404, detail: `grant ${JSON.stringify(id)} does not exist`, instance };
        assertProblem(await t.admin('GET', instance), missing);
        assertProblem(await t.admin('DELETE', instance), missing);
        assert.ok(!(await listIds(t, `${prefix}/grants`)).includes(id));
        assert.deepEqual(await listIds(t, `${prefix}/grants?api_id=${owner.api.id}`), []);
        assert.deepEqual(await listIds(t, `${prefix}/grants?service_account_id=${owner.sa.id}`), []);
      }
      assert.deepEqual(ok(await t.admin('GET', `${owner.prefix}/grants/${id}`)), owner.grant, 'unchanged');
    }
  });

  it('grants and clients cannot refer to a client, service account or API of another tenant (422)', async () => {
    const invalid = (instance: string, errors: { pointer: string; detail: string }[]) => ({
      status: 422,
      detail: 'the grant is not valid',
      instance,
      errors,
    });
    const acmeOnly = await createClient(t, {}, 'acme');
    assertProblem(
      await t.admin('POST', '/tenants/acme/grants', { client_id: dflt.client.clientId, api_id: acme.api.id, scopes: [] }),
      invalid('/tenants/acme/grants', [{ pointer: '/client_id', detail: 'no such client in this tenant' }]),
    );
    assertProblem(
      await t.admin('POST', '/tenants/acme/grants', { service_account_id: dflt.sa.id, api_id: acme.api.id, scopes: [] }),
      invalid('/tenants/acme/grants', [{ pointer: '/service_account_id', detail: 'no such service account in this tenant' }]),
    );
    assertProblem(
      await t.admin('POST', '/tenants/acme/grants', { client_id: acmeOnly.clientId, api_id: dflt.api.id, scopes: ['orders:read'] }),
      invalid('/tenants/acme/grants', [{ pointer: '/api_id', detail: 'no such API in this tenant' }]),
    );
    const defaultOnlyApi = await createOk(t, '/apis', { identifier: 'https://default-only.test/', scopes: [{ value: 'x' }] });
    assertProblem(
      await t.admin('POST', '/tenants/acme/grants', { client_id: acmeOnly.clientId, api_identifier: defaultOnlyApi.identifier, scopes: ['x'] }),
      invalid('/tenants/acme/grants', [{ pointer: '/api_identifier', detail: 'no such API in this tenant' }]),
    );
    assertProblem(
      await t.admin('POST', '/grants', { client_id: acme.client.clientId, api_id: defaultOnlyApi.id, scopes: [] }),
      invalid('/grants', [{ pointer: '/client_id', detail: 'no such client in this tenant' }]),
    );
    assert.deepEqual(await listIds(t, `/tenants/acme/grants?client_id=${acmeOnly.clientId}`), []);

    const noSuchSa = {
      status: 422,
      detail: 'the client metadata is not valid',
      errors: [{ pointer: '/service_account_id', detail: `service account ${JSON.stringify(dflt.sa.id)} does not exist` }],
    };
    assertProblem(await t.admin('POST', '/tenants/acme/clients', { service_account_id: dflt.sa.id }), { ...noSuchSa, instance: '/tenants/acme/clients' });
    assertProblem(await t.admin('PATCH', `/tenants/acme/clients/${acmeOnly.clientId}`, { service_account_id: dflt.sa.id }), {
      ...noSuchSa,
      instance: `/tenants/acme/clients/${acmeOnly.clientId}`,
    });
  });

  it('keys: each tenant lists and rotates its own keys only', async () => {
    const acmeKeys = await listIds(t, '/tenants/acme/keys');
    const rootKeys = await listIds(t, '/keys');
    const otherKeys = await listIds(t, '/tenants/other/keys');
    assert.equal(acmeKeys.length, 2, 'the active key and the next key');
    for (const kid of acmeKeys) {
      assert.ok(!rootKeys.includes(kid));
      assert.ok(!otherKeys.includes(kid));
    }
    assert.deepEqual(await listIds(t, '/tenants/default/keys'), rootKeys);
    created(await t.admin('POST', '/tenants/other/keys/rotate'));
    created(await t.admin('POST', '/keys/rotate'));
    assert.deepEqual(await listIds(t, '/tenants/acme/keys'), acmeKeys, 'rotating elsewhere leaves acme alone');
    const rotated = created(await t.admin('POST', '/tenants/acme/keys/rotate'));
    const rootActive = ok(await t.admin('GET', '/keys')).items.find((k: any) => k.status === 'active').kid;
    assert.ok(!(await listIds(t, '/keys')).includes(rotated.kid));
    assert.notEqual(rootActive, rotated.kid);
    assert.equal(rotated.kid, acmeKeys[0], "acme's next key signs");
    const acmeAfter = ok(await t.admin('GET', '/tenants/acme/keys')).items;
    assert.deepEqual(
      acmeAfter.map((k: any) => [k.kid, k.status]),
      [
        [acmeAfter[0].kid, 'next'],
        [acmeKeys[0], 'active'],
        [acmeKeys[1], 'retired'],
      ],
    );
  });

  it('audit events: each tenant sees its own only', async () => {
    const rootEvents = ok(await t.admin('GET', '/audit-events?limit=200')).items;
    const acmeEvents = ok(await t.admin('GET', '/tenants/acme/audit-events?limit=200')).items;
    const otherEvents = ok(await t.admin('GET', '/tenants/other/audit-events?limit=200')).items;
    assert.ok(rootEvents.every((e: any) => e.tenant_id === 'default' || e.tenant_id === null));
    assert.ok(acmeEvents.every((e: any) => e.tenant_id === 'acme'));
    assert.ok(otherEvents.every((e: any) => e.tenant_id === 'other'));
    assert.deepEqual(otherEvents.map((e: any) => e.action).sort(), ['key.rotate', 'tenant.create']);
    for (const owner of both()) {
      const own = owner.tenant === 'acme' ? acmeEvents : rootEvents;
      for (const id of [owner.sa.id, owner.client.clientId, owner.api.id, owner.grant.id]) {
        assert.ok(
          own.some((e: any) => e.target_id === id),
          `${owner.tenant} sees its event for ${id}`,
        );
        for (const prefix of foreignPrefixes(owner)) {
          assert.deepEqual(ok(await t.admin('GET', `${prefix}/audit-events?target_id=${encodeURIComponent(id)}`)).items, [], `${prefix} sees ${id}`);
        }
      }
    }
  });
});

describeEachDialect('tenant isolation: token endpoint, JWKS and discovery', (dialect) => {
  let t: TestTessera;
  let acme: Owned;
  let dflt: Owned;
  before(async () => {
    ({ t, acme, dflt } = await startSeeded(dialect));
  });
  after(() => t.close());

  it("an acme client is invalid_client at the default issuer and at another tenant's, with the unknown-client body", async () => {
    for (const path of ['/oauth2/token', '/oauth/token', '/t/other/oauth2/token']) {
      const unknown = await tokenRequest(t, path, 'no-such-client', 'no-such-secret');
      assert.equal(unknown.status, 401, unknown.text);
      const res = await tokenRequest(t, path, acme.client.clientId, acme.client.secret, { audience: 'https://acme.api/' });
      assert.equal(res.status, 401, `${path}: ${res.text}`);
      assert.equal(res.body.error, 'invalid_client');
      assert.deepEqual(res.body, unknown.body, 'nothing tells a foreign client from an unknown one');
      assert.equal(res.body.access_token, undefined);
    }
    const back = await tokenRequest(t, '/t/acme/oauth2/token', dflt.client.clientId, dflt.client.secret, { audience: 'https://default.api/' });
    assert.equal(back.status, 401, back.text);
    assert.equal(back.body.error, 'invalid_client');
  });

  it("issues acme's client a token from acme's issuer, signed with a key only acme's JWKS holds", async () => {
    const issuer = `${t.publicUrl}/t/acme`;
    for (const path of ['/t/acme/oauth2/token', '/t/acme/oauth/token']) {
      const res = await tokenRequest(t, path, acme.client.clientId, acme.client.secret, { audience: 'https://acme.api/' });
      assert.equal(res.status, 200, res.text);
      const { header, payload } = decodeJwt(res.body.access_token);
      assert.equal(payload.iss, issuer);
      assert.equal(payload.aud, 'https://acme.api/');
      assert.equal(payload.client_id, acme.client.clientId);
      assert.equal(payload.sub, acme.sa.id);

      const acmeJwks = ok(await t.publicFetch('/t/acme/.well-known/jwks.json'));
      const rootJwks = ok(await t.publicFetch('/.well-known/jwks.json'));
      assert.ok(acmeJwks.keys.some((k: any) => k.kid === header.kid));
      assert.ok(!rootJwks.keys.some((k: any) => k.kid === header.kid));
      const verified = await jwtVerify(res.body.access_token, createLocalJWKSet(acmeJwks), { issuer, audience: 'https://acme.api/' });
      assert.equal(verified.payload.iss, issuer);
      await assert.rejects(jwtVerify(res.body.access_token, createLocalJWKSet(rootJwks)), 'the root JWKS cannot verify an acme token');
    }
    const root = await tokenRequest(t, '/oauth2/token', dflt.client.clientId, dflt.client.secret, { audience: 'https://default.api/' });
    assert.equal(root.status, 200, root.text);
    assert.equal(decodeJwt(root.body.access_token).payload.iss, t.publicUrl);
  });

  it("grants of one tenant never reach another's token: the same API identifier, different grants", async () => {
    const res = await tokenRequest(t, '/t/acme/oauth2/token', acme.client.clientId, acme.client.secret, { audience: 'https://orders.test/' });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.scope, 'orders:read');
    assert.equal(decodeJwt(res.body.access_token).payload.iss, `${t.publicUrl}/t/acme`);
    assert.equal((await t.admin('DELETE', `/grants/${dflt.grant.id}`)).status, 204);
    const still = await tokenRequest(t, '/t/acme/oauth2/token', acme.client.clientId, acme.client.secret, { audience: 'https://orders.test/' });
    assert.equal(still.status, 200, "deleting default's grant leaves acme's");
    const gone = await tokenRequest(t, '/oauth2/token', dflt.client.clientId, dflt.client.secret, { audience: 'https://orders.test/' });
    assert.equal(gone.status, 400, gone.text);
  });

  it('one client_id in two tenants: each secret works at its own issuer only', async () => {
    const a = created(await t.admin('POST', '/tenants/acme/clients', { client_id: 'twin', audience: ['https://twin.test/'] }));
    const d = created(await t.admin('POST', '/clients', { client_id: 'twin', audience: ['https://twin.test/'] }));
    const at = (path: string, secret: string) => tokenRequest(t, path, 'twin', secret).then((r) => r.status);
    assert.equal(await at('/t/acme/oauth2/token', a.client_secret), 200);
    assert.equal(await at('/oauth2/token', d.client_secret), 200);
    assert.equal(await at('/t/acme/oauth2/token', d.client_secret), 401);
    assert.equal(await at('/oauth2/token', a.client_secret), 401);
    assert.equal(await at('/t/other/oauth2/token', a.client_secret), 401);
  });

  it('publishes different JWKS per tenant', async () => {
    const kids = async (path: string) => ok(await t.publicFetch(path)).keys.map((k: any) => k.kid);
    const root = await kids('/.well-known/jwks.json');
    const acmeKids = await kids('/t/acme/.well-known/jwks.json');
    const other = await kids('/t/other/.well-known/jwks.json');
    assert.ok(root.length > 0 && acmeKids.length > 0 && other.length > 0);
    assert.deepEqual(
      root.filter((k: string) => acmeKids.includes(k) || other.includes(k)),
      [],
    );
    assert.deepEqual(
      acmeKids.filter((k: string) => other.includes(k)),
      [],
    );
    assert.deepEqual(acmeKids, await listIds(t, '/tenants/acme/keys'));
  });

  it("discovery of acme names acme's issuer, in both the path and the RFC 8414 path-insertion form", async () => {
    const issuer = `${t.publicUrl}/t/acme`;
    for (const path of [
      '/t/acme/.well-known/openid-configuration',
      '/t/acme/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server/t/acme',
    ]) {
      const doc = ok(await t.publicFetch(path));
      assert.equal(doc.issuer, issuer, path);
      assert.equal(doc.token_endpoint, `${issuer}/oauth2/token`, path);
      assert.equal(doc.jwks_uri, `${issuer}/.well-known/jwks.json`, path);
    }
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      assert.equal(ok(await t.publicFetch(path)).issuer, t.publicUrl, path);
    }
    assert.equal(ok(await t.publicFetch('/.well-known/oauth-authorization-server/t/other')).issuer, `${t.publicUrl}/t/other`);
    assert.equal((await t.publicFetch('/.well-known/oauth-authorization-server/t/nope')).status, 404);
  });
});

describeEachDialect('tenant isolation: a tenant-limited admin token', (dialect) => {
  let t: TestTessera;
  let limited: { id: string; token: string; tenant: string };
  before(async () => {
    t = await startWithTenants(dialect);
    await seed(t, 'default');
    limited = created(await t.admin('POST', '/admin-tokens?reason=delegate', { name: 'acme-ops', tenant: 'acme' }));
  });
  after(() => t.close());

  const as = () => ({ token: limited.token });
  const forbidden = (instance: string) => ({ status: 403, detail: 'this admin token is limited to tenant acme', instance });

  it('acts under /tenants/acme/… on every resource, audited as itself', async () => {
    assert.equal(limited.tenant, 'acme');
    const sa = created(await t.admin('POST', '/tenants/acme/service-accounts?reason=self-service', { user_name: 'acme-job' }, as()));
    const scim = created(
      await t.admin('POST', '/tenants/acme/api/v1/resources/cid/ServiceAccount', '{"userName":"acme-scim"}', {
        ...as(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
    assert.equal(scim.user_name, 'acme-scim');
    const client = created(
      await t.admin('POST', '/tenants/acme/clients', { client_id: 'acme-ops-client', service_account_id: sa.id, audience: ['https://acme.api/'] }, as()),
    );
    created(await t.admin('POST', '/tenants/acme/client', { client_id: 'acme-alias-client' }, as()));
    ok(await t.admin('PATCH', `/tenants/acme/clients/${client.client_id}`, { client_name: 'Ops' }, as()));
    const secret = created(await t.admin('POST', `/tenants/acme/clients/${client.client_id}/secrets`, {}, as()));
    assert.equal((await t.admin('DELETE', `/tenants/acme/clients/${client.client_id}/secrets/${secret.id}`, undefined, as())).status, 204);
    const api = created(await t.admin('POST', '/tenants/acme/apis', { identifier: 'https://acme-orders.test/', scopes: [{ value: 'r' }] }, as()));
    const grant = created(await t.admin('POST', '/tenants/acme/grants', { service_account_id: sa.id, api_identifier: api.identifier, scopes: ['r'] }, as()));
    assert.deepEqual(
      ok(await t.admin('GET', '/tenants/acme/grants', undefined, as())).items.map((g: any) => g.id),
      [grant.id],
    );
    assert.deepEqual(
      ok(await t.admin('GET', '/tenants/acme/clients', undefined, as())).items.map((c: any) => c.client_id),
      ['acme-alias-client', 'acme-ops-client'],
    );
    const rotated = created(await t.admin('POST', '/tenants/acme/keys/rotate', undefined, as()));
    assert.equal(ok(await t.admin('GET', '/tenants/acme/keys', undefined, as())).items.find((k: any) => k.status === 'active').kid, rotated.kid);
    const token = await tokenRequest(t, '/t/acme/oauth2/token', client.client_id, client.client_secret, { audience: 'https://acme-orders.test/' });
    assert.equal(token.status, 200, token.text);
    assert.equal(token.body.scope, 'r');

    const events = ok(
      await t.admin('GET', `/tenants/acme/audit-events?actor=${encodeURIComponent(`admin-token:${limited.id}`)}&limit=200`, undefined, as()),
    ).items;
    assert.deepEqual(events.map((e: any) => e.action).sort(), [
      'api.create',
      'client.create',
      'client.create',
      'client.secret.create',
      'client.secret.delete',
      'client.update',
      'grant.create',
      'key.rotate',
      'service_account.create',
      'service_account.create',
    ]);
    assert.equal(events.find((e: any) => e.target_id === sa.id).reason, 'self-service');
  });

  it('reads and patches its own tenant; lists no other', async () => {
    assert.equal(ok(await t.admin('GET', '/tenants/acme', undefined, as())).id, 'acme');
    assert.equal(ok(await t.admin('PATCH', '/tenants/acme', { name: 'Acme Inc' }, as())).name, 'Acme Inc');
    const tenants = ok(await t.admin('GET', '/tenants', undefined, as()));
    assert.deepEqual(
      tenants.items.map((x: any) => x.id),
      ['acme'],
    );
    assert.equal(tenants.next_cursor, null);
    assert.deepEqual(
      ok(await t.admin('GET', '/tenants')).items.map((x: any) => x.id),
      ['acme', 'default', 'other'],
      'an unrestricted token lists all',
    );
  });

  it('gets 403 under /tenants/default/…, /tenants/other/… and at the root paths', async () => {
    const attempts: [string, string, unknown][] = [];
    for (const prefix of ['/tenants/default', '/tenants/other', '']) {
      attempts.push(
        ['GET', `${prefix}/clients`, undefined],
        ['POST', `${prefix}/clients`, { client_id: 'intruder' }],
        ['GET', `${prefix}/clients/default-client`, undefined],
        ['PATCH', `${prefix}/clients/default-client`, { active: false }],
        ['DELETE', `${prefix}/clients/default-client`, undefined],
        ['POST', `${prefix}/clients/default-client/secrets`, {}],
        ['GET', `${prefix}/service-accounts`, undefined],
        ['POST', `${prefix}/service-accounts`, { user_name: 'intruder' }],
        ['GET', `${prefix}/apis`, undefined],
        ['POST', `${prefix}/apis`, { identifier: 'https://intruder.test/' }],
        ['GET', `${prefix}/grants`, undefined],
        ['GET', `${prefix}/keys`, undefined],
        ['POST', `${prefix}/keys/rotate`, undefined],
        ['GET', `${prefix}/audit-events`, undefined],
      );
    }
    attempts.push(['POST', '/client', { client_id: 'intruder' }], ['POST', '/api/v1/resources/cid/ServiceAccount', { userName: 'intruder' }]);
    attempts.push(['GET', '/tenants/default', undefined], ['PATCH', '/tenants/other', { name: 'x' }], ['GET', '/tenants/other', undefined]);
    for (const [method, path, body] of attempts) {
      assertProblem(await t.admin(method, path, body, as()), forbidden(path));
    }
    // Nothing the refused calls named changed.
    const client = ok(await t.admin('GET', '/clients/default-client'));
    assert.equal(client.active, true);
    assert.equal(client.client_secrets.length, 2);
    assert.equal((await listIds(t, '/clients')).includes('intruder'), false);
    assert.equal((await listIds(t, '/tenants/other/clients')).includes('intruder'), false);
    assert.equal(ok(await t.admin('GET', '/tenants/other')).name, 'other');
  });

  it('gets 403 on installation-wide routes: POST /tenants, admin tokens, deleting its tenant', async () => {
    assertProblem(await t.admin('POST', '/tenants', { id: 'acme-two' }, as()), forbidden('/tenants'));
    assertProblem(await t.admin('POST', '/admin-tokens', { name: 'escalate', tenant: 'acme' }, as()), forbidden('/admin-tokens'));
    assertProblem(await t.admin('POST', '/admin-tokens', { name: 'escalate' }, as()), forbidden('/admin-tokens'));
    assertProblem(await t.admin('GET', '/admin-tokens', undefined, as()), forbidden('/admin-tokens'));
    assertProblem(await t.admin('DELETE', `/admin-tokens/${limited.id}`, undefined, as()), forbidden(`/admin-tokens/${limited.id}`));
    assertProblem(await t.admin('DELETE', '/tenants/acme', undefined, as()), forbidden('/tenants/acme'));
    assertProblem(await t.admin('GET', '/tenants/acme-two'), { status: 404, detail: 'tenant "acme-two" does not exist', instance: '/tenants/acme-two' });
    assert.deepEqual(
      ok(await t.admin('GET', '/admin-tokens'))
        .items.map((x: any) => x.name)
        .sort(),
      ['acme-ops', 'bootstrap (TESSERA_ADMIN_TOKEN)'],
    );
  });

  it('stops working when its tenant is deleted', async () => {
    created(await t.admin('POST', '/tenants', { id: 'short' }));
    const short = created(await t.admin('POST', '/admin-tokens', { name: 'short-ops', tenant: 'short' }));
    assert.equal((await t.admin('GET', '/tenants/short/clients', undefined, { token: short.token })).status, 200);
    assert.equal((await t.admin('DELETE', '/tenants/short')).status, 204);
    assertProblem(await t.admin('GET', '/tenants/short/clients', undefined, { token: short.token }), {
      status: 401,
      detail: 'the admin token is not valid',
      instance: '/tenants/short/clients',
    });
  });
});
