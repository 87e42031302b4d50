import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ADMIN_API_IDENTIFIER, ADMIN_SCOPE_DESCRIPTIONS, ADMIN_SCOPES } from '../../src/domain/admin-scopes.js';
import { assertProblem, created, ok, tokenRequest } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

const FIXED = 'the built-in API urn:tessera:admin: only access_token_ttl can change';
const RESERVED = [{ pointer: '/identifier', detail: 'identifiers starting urn:tessera: are reserved for Tessera' }];

describeEachDialect('the built-in API urn:tessera:admin', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  const builtInOf = async (prefix: string) => ok(await t.admin('GET', `${prefix}/apis`)).items.filter((a: any) => a.built_in);

  it('is listed in the default tenant with the fixed scopes of the admin API', async () => {
    const [api] = await builtInOf('');
    assert.deepEqual(api, {
      id: 'api_tessera_admin',
      name: 'Tessera admin API',
      identifier: ADMIN_API_IDENTIFIER,
      scopes: ADMIN_SCOPES.map((value) => ({ value, description: ADMIN_SCOPE_DESCRIPTIONS[value] })),
      access_token_ttl: null,
      dpop_bound_access_tokens: false,
      claims: null,
      token_exchange: 'allow',
      built_in: true,
      created_at: api.created_at,
      updated_at: api.created_at,
    });
    assert.deepEqual(ok(await t.admin('GET', '/apis/api_tessera_admin')), api);
  });

  it('comes with every new tenant, and goes with it', async () => {
    created(await t.admin('POST', '/tenants', { id: 'acme' }));
    const apis = ok(await t.admin('GET', '/tenants/acme/apis')).items;
    assert.deepEqual(
      apis.map((a: any) => [a.id, a.identifier, a.built_in]),
      [['api_tessera_admin', ADMIN_API_IDENTIFIER, true]],
    );
    assert.equal((await t.admin('DELETE', '/tenants/acme')).status, 204);
  });

  it('takes a new token lifetime and nothing else; cannot be deleted', async () => {
    const instance = '/apis/api_tessera_admin';
    const patched = ok(await t.admin('PATCH', instance, { access_token_ttl: 300 }));
    assert.equal(patched.access_token_ttl, 300);
    assert.equal(patched.built_in, true);
    for (const body of [
      { name: 'mine' },
      { identifier: 'https://admin.example' },
      { identifier: ADMIN_API_IDENTIFIER },
      { scopes: [{ value: 'admin' }] },
      { dpop_bound_access_tokens: true },
      { token_exchange: 'deny' },
      { access_token_ttl: 600, scopes: [] },
    ]) {
      assertProblem(await t.admin('PATCH', instance, body), { status: 409, detail: FIXED, instance });
    }
    assertProblem(await t.admin('DELETE', instance), { status: 409, detail: 'the built-in API urn:tessera:admin cannot be deleted', instance });
    const after = ok(await t.admin('GET', instance));
    assert.deepEqual(after, { ...patched, updated_at: after.updated_at });
    assert.deepEqual(
      after.scopes.map((s: any) => s.value),
      ADMIN_SCOPES,
    );
    ok(await t.admin('PATCH', instance, { access_token_ttl: null }));
  });

  it('reserves identifiers starting urn:tessera: (422 on /identifier)', async () => {
    for (const identifier of [ADMIN_API_IDENTIFIER, 'urn:tessera:other']) {
      assertProblem(await t.admin('POST', '/apis', { identifier }), { status: 422, detail: 'the API is not valid', instance: '/apis', errors: RESERVED });
    }
    const api = await createOk(t, '/apis', { identifier: 'https://reserved.test/' });
    const instance = `/apis/${api.id}`;
    assertProblem(await t.admin('PATCH', instance, { identifier: 'urn:tessera:admin2' }), {
      status: 422,
      detail: 'the API is not valid',
      instance,
      errors: RESERVED,
    });
    assert.equal(ok(await t.admin('GET', instance)).identifier, 'https://reserved.test/');
  });

  it('grants on it work as on any API: client_credentials with audience=urn:tessera:admin', async () => {
    const client = await createClient(t, {});
    const grant = created(await t.admin('POST', '/grants', { client_id: client.clientId, api_identifier: ADMIN_API_IDENTIFIER, scopes: ['clients:read'] }));
    assert.equal(grant.api_id, 'api_tessera_admin');
    const token = await tokenRequest(t, '/oauth2/token', client.clientId, client.secret, { audience: ADMIN_API_IDENTIFIER });
    assert.equal(token.status, 200, token.text);
    assert.equal(token.body.scope, 'clients:read');
    const { payload } = decodeJwt(token.body.access_token);
    assert.deepEqual([payload.aud, payload.scope], [ADMIN_API_IDENTIFIER, 'clients:read']);
    // A scope the grant does not hold is not issued.
    const more = await tokenRequest(t, '/oauth2/token', client.clientId, client.secret, { audience: ADMIN_API_IDENTIFIER, scope: 'clients:read admin' });
    assert.equal(more.status, 400, more.text);
  });
});

describeEachDialect('admin tokens carry scopes', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  it('default to ["admin"]; a token with clients:read reads clients and nothing else', async () => {
    const reader = created(await t.admin('POST', '/admin-tokens', { name: 'reader', scopes: ['clients:read'] }));
    assert.deepEqual(reader, {
      id: reader.id,
      name: 'reader',
      token: reader.token,
      tenant: null,
      scopes: ['clients:read'],
      created_at: reader.created_at,
      expires_at: null,
    });
    const listed = ok(await t.admin('GET', '/admin-tokens')).items.find((x: any) => x.id === reader.id);
    assert.deepEqual(listed, { id: reader.id, name: 'reader', tenant: null, scopes: ['clients:read'], created_at: reader.created_at, expires_at: null });
    const as = { token: reader.token };
    ok(await t.admin('GET', '/clients', undefined, as));
    assert.deepEqual(ok(await t.admin('GET', '/whoami', undefined, as)).scopes, ['clients:read']);
    const refused = await t.admin('POST', '/clients', {}, as);
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.required_scope, 'clients:write');
    assert.equal((await t.admin('GET', '/apis', undefined, as)).status, 403);

    const full = created(await t.admin('POST', '/admin-tokens', { name: 'full' }));
    assert.deepEqual(full.scopes, ['admin']);
    const writer = created(await t.admin('POST', '/admin-tokens', { name: 'writer', scopes: ['clients:write', 'apis:read'] }));
    ok(await t.admin('GET', '/clients', undefined, { token: writer.token }));
    ok(await t.admin('GET', '/apis', undefined, { token: writer.token }));
  });

  it('refuses unknown, duplicate, too few or too many scopes (422 on /scopes)', async () => {
    const invalid = (errors: { pointer: string; detail: string }[]) => ({
      status: 422,
      detail: 'the admin token is not valid',
      instance: '/admin-tokens',
      errors,
    });
    assertProblem(
      await t.admin('POST', '/admin-tokens', { name: 'x', scopes: ['clients:read', 'clients:delete', 'clients:read', 'openid'] }),
      invalid([
        { pointer: '/scopes/1', detail: 'unknown scope "clients:delete": see GET /apis (urn:tessera:admin)' },
        { pointer: '/scopes/2', detail: 'duplicate scope "clients:read"' },
        { pointer: '/scopes/3', detail: 'unknown scope "openid": see GET /apis (urn:tessera:admin)' },
      ]),
    );
    const count = invalid([{ pointer: '/scopes', detail: 'must hold 1 to 30 scopes of urn:tessera:admin' }]);
    assertProblem(await t.admin('POST', '/admin-tokens', { name: 'x', scopes: [] }), count);
    assertProblem(await t.admin('POST', '/admin-tokens', { name: 'x', scopes: Array<string>(31).fill('clients:read') }), count);
    assert.ok(!ok(await t.admin('GET', '/admin-tokens')).items.some((x: any) => x.name === 'x'), 'no token was created');
  });
});
