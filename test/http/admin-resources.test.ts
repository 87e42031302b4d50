import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { assertProblem, created, manualClock, ok, tokenRequest, walkPages } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { decodeJwt, startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const GENERATED_CLIENT_ID = /^[0-9a-z]{24}$/;
/** 256 bits as base64url: unreserved characters only, so a secret needs no encoding in Basic or a form. */
const GENERATED_SECRET = /^[A-Za-z0-9_-]{43}$/;

/** Guide 001's curl -d body, byte for byte (curl sends it as application/x-www-form-urlencoded). */
const GUIDE_001_BODY = `
{
  "userName": "periodicCleanup",
  "displayName": "Periodic Cleanup Account",
  "active": true
}
`;

/** Asserts no key named client_secret at any depth, and no secret value in the raw text. */
function assertNoSecret(res: HttpResult, ...values: string[]): void {
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, inner] of Object.entries(v)) {
        assert.notEqual(k, 'client_secret', `client_secret in ${res.text}`);
        walk(inner);
      }
    }
  };
  walk(res.body);
  for (const value of values) assert.ok(!res.text.includes(value), 'a secret value is in the response');
}

function auditEvents(t: TestTessera, query: string, tenant?: string): Promise<any[]> {
  return t.admin('GET', `${tenant ? `/tenants/${tenant}` : ''}/audit-events?limit=200${query ? `&${query}` : ''}`).then((r) => ok(r).items);
}

describeEachDialect('admin API: service accounts', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  it("creates one with guide 001's command verbatim (SCIM names, JSON sent as a form body, ?reason=)", async () => {
    const res = await t.admin('POST', '/api/v1/resources/cid/ServiceAccount?reason=add-user', GUIDE_001_BODY, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const sa = created(res);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.match(sa.id, /^sa_[0-9a-z]{26}$/);
    assert.match(sa.created_at, ISO);
    assert.deepEqual(sa, {
      id: sa.id,
      user_name: 'periodicCleanup',
      display_name: 'Periodic Cleanup Account',
      active: true,
      claims: null,
      created_at: sa.created_at,
      updated_at: sa.created_at,
    });
    assert.deepEqual(ok(await t.admin('GET', `/service-accounts/${sa.id}`)), sa);
    const events = await auditEvents(t, `target_id=${sa.id}`);
    assert.equal(events.length, 1);
    assert.equal(events[0].action, 'service_account.create');
    assert.equal(events[0].reason, 'add-user');
  });

  it('reads a JSON object body that has no content type at all', async () => {
    const response = await fetch(`${t.adminUrl}/service-accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}` },
      body: new TextEncoder().encode('{"userName":"no-type-job"}'),
    });
    assert.equal(response.status, 201);
    assert.equal(((await response.json()) as any).user_name, 'no-type-job');
  });

  it('creates (snake_case), gets, lists, searches, patches and deletes', async () => {
    const sa = created(await t.admin('POST', '/service-accounts', { user_name: 'billing-job', display_name: 'Billing' }));
    assert.equal(sa.user_name, 'billing-job');
    assert.equal(sa.display_name, 'Billing');
    assert.equal(sa.active, true, 'active by default');
    const other = created(await t.admin('POST', '/service-accounts', { user_name: 'mailer', active: false }));
    assert.equal(other.display_name, '');
    assert.equal(other.active, false);

    const all = ok(await t.admin('GET', '/service-accounts')).items.map((s: any) => s.id);
    assert.ok(all.includes(sa.id) && all.includes(other.id));
    const found = ok(await t.admin('GET', '/service-accounts?search=billi'));
    assert.deepEqual(found, { items: [sa], next_cursor: null });

    const patched = ok(await t.admin('PATCH', `/service-accounts/${sa.id}?reason=rename`, { user_name: 'billing', display_name: 'Billing v2', active: false }));
    assert.deepEqual({ ...patched, updated_at: sa.updated_at }, { ...sa, user_name: 'billing', display_name: 'Billing v2', active: false });
    assert.deepEqual(ok(await t.admin('GET', `/service-accounts/${sa.id}`)), patched);
    const untouched = ok(await t.admin('PATCH', `/service-accounts/${sa.id}`, { active: true }));
    assert.equal(untouched.user_name, 'billing', 'a PATCH changes only the fields it names');
    assert.equal(untouched.display_name, 'Billing v2');

    const del = await t.admin('DELETE', `/service-accounts/${sa.id}?reason=cleanup`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    const detail = `service account ${JSON.stringify(sa.id)} does not exist`;
    const instance = `/service-accounts/${sa.id}`;
    assertProblem(await t.admin('GET', instance), { status: 404, detail, instance });
    assertProblem(await t.admin('PATCH', instance, { display_name: 'x' }), { status: 404, detail, instance });
    assertProblem(await t.admin('DELETE', instance), { status: 404, detail, instance });
  });

  it('searches the same on every store: any case, and % _ \\ as plain characters', async () => {
    const make = async (user_name: string, display_name = '') => created(await t.admin('POST', '/service-accounts', { user_name, display_name })).id as string;
    const pct = await make('rate-100%-job', 'Quota Keeper');
    const digits = await make('rate-1000-job');
    const under = await make('snake_case_job');
    const noUnder = await make('snakeXcase');
    const slash = await make('back\\slash');
    const noSlash = await make('backslash');
    const search = async (q: string) => ok(await t.admin('GET', `/service-accounts?search=${encodeURIComponent(q)}`)).items.map((s: any) => s.id);
    assert.deepEqual(await search('QUOTA keep'), [pct], 'display name, any case');
    assert.deepEqual((await search('RATE-100')).sort(), [pct, digits].sort(), 'user name, any case');
    assert.deepEqual(await search('100%'), [pct], '% matches itself only');
    assert.deepEqual(await search('snake_case'), [under], '_ matches itself only');
    assert.deepEqual(await search('k\\s'), [slash], '\\ matches itself only');
    for (const id of [pct, digits, under, noUnder, slash, noSlash]) assert.equal((await t.admin('DELETE', `/service-accounts/${id}`)).status, 204);
  });

  it('answers 404 for an unknown id', async () => {
    assertProblem(await t.admin('GET', '/service-accounts/sa_nope'), {
      status: 404,
      detail: 'service account "sa_nope" does not exist',
      instance: '/service-accounts/sa_nope',
    });
  });

  it('refuses schema errors with 400 and JSON Pointers: unknown property, bad pattern, missing user_name', async () => {
    assertProblem(await t.admin('POST', '/service-accounts', { user_name: 'x1', bogus: 1 }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/service-accounts',
      errors: [{ pointer: '/bogus', detail: 'unknown property' }],
    });
    assertProblem(await t.admin('POST', '/service-accounts', { user_name: 'has space' }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/service-accounts',
      errors: [
        {
          pointer: '/user_name',
          detail:
            'must be one word of printable text: no whitespace, control characters, line or paragraph separators, or bidirectional overrides and isolates',
        },
      ],
    });
    assertProblem(await t.admin('POST', '/api/v1/resources/cid/ServiceAccount', { displayName: 'No name' }), {
      status: 400,
      detail: 'user_name is required',
      instance: '/api/v1/resources/cid/ServiceAccount',
      errors: [{ pointer: '/user_name', detail: 'is required' }],
    });
    assertProblem(await t.admin('PATCH', '/service-accounts/sa_any', { userName: 'scim-only-on-create' }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/service-accounts/sa_any',
      errors: [{ pointer: '/userName', detail: 'unknown property' }],
    });
  });

  it('refuses a duplicate user_name with 409, on create and on rename', async () => {
    created(await t.admin('POST', '/service-accounts', { user_name: 'dup-job' }));
    const second = created(await t.admin('POST', '/service-accounts', { user_name: 'dup-job-2' }));
    const conflict = { status: 409, detail: 'a service account with user_name "dup-job" already exists' };
    assertProblem(await t.admin('POST', '/service-accounts', { user_name: 'dup-job' }), { ...conflict, instance: '/service-accounts' });
    assertProblem(await t.admin('POST', '/api/v1/resources/cid/ServiceAccount', { userName: 'dup-job' }), {
      ...conflict,
      instance: '/api/v1/resources/cid/ServiceAccount',
    });
    assertProblem(await t.admin('PATCH', `/service-accounts/${second.id}`, { user_name: 'dup-job' }), {
      ...conflict,
      instance: `/service-accounts/${second.id}`,
    });
    assert.equal(ok(await t.admin('GET', `/service-accounts/${second.id}`)).user_name, 'dup-job-2');
  });

  it('refuses to delete a service account a client still acts for (409), then deletes it once the client moved', async () => {
    const sa = created(await t.admin('POST', '/service-accounts', { user_name: 'in-use' }));
    const { clientId } = await createClient(t, { service_account_id: sa.id });
    assertProblem(await t.admin('DELETE', `/service-accounts/${sa.id}`), {
      status: 409,
      detail: '1 client(s) act for this service account; delete them or move them to another account first',
      instance: `/service-accounts/${sa.id}`,
    });
    assert.equal(ok(await t.admin('GET', `/service-accounts/${sa.id}`)).id, sa.id, 'still there');
    assert.equal(ok(await t.admin('PATCH', `/clients/${clientId}`, { service_account_id: null })).service_account_id, null);
    assert.equal((await t.admin('DELETE', `/service-accounts/${sa.id}`)).status, 204);
  });
});

describeEachDialect('admin API: clients', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  it('creates a client: generated id and secret, shown in this answer only', async () => {
    const res = await t.admin('POST', '/clients?reason=onboard', { client_name: 'Reporting', audience: ['https://reports.test/'], scope: 'read  write read' });
    const c = created(res);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(c.client_id, GENERATED_CLIENT_ID);
    assert.match(c.client_secret, GENERATED_SECRET);
    assert.equal(c.client_secrets.length, 1);
    const [meta] = c.client_secrets;
    assert.match(meta.id, /^sec_[0-9a-z]{26}$/);
    assert.deepEqual(c, {
      client_id: c.client_id,
      client_secret: c.client_secret,
      client_secret_expires_at: 0,
      client_name: 'Reporting',
      client_type: 'machine_to_machine',
      grant_types: ['client_credentials'],
      response_types: [],
      audience: ['https://reports.test/'],
      scope: 'read write',
      token_endpoint_auth_method: null,
      jwks: null,
      jwks_uri: null,
      service_account_id: null,
      access_token_ttl: null,
      active: true,
      dpop_bound_access_tokens: false,
      tls_client_certificate_bound_access_tokens: false,
      token_quota: null,
      client_id_issued_at: Math.floor(Date.parse(c.created_at) / 1000),
      created_at: c.created_at,
      updated_at: c.created_at,
      client_secrets: [{ id: meta.id, created_at: c.created_at, expires_at: null, last_used_at: null }],
      federated_credentials: [],
      claims: null,
      claim_mappings: null,
    });
    const token = await tokenRequest(t, '/oauth2/token', c.client_id, c.client_secret);
    assert.equal(token.status, 200, token.text);
    assert.equal(token.body.scope, 'read write');

    // Never again: GET, list and PATCH answer the metadata without the value.
    const get = await t.admin('GET', `/clients/${c.client_id}`);
    assertNoSecret(get, c.client_secret);
    const { client_secret: _s, client_secret_expires_at: _e, ...withoutSecret } = c;
    assert.deepEqual(get.body, withoutSecret);
    assertNoSecret(await t.admin('GET', '/clients'), c.client_secret);
    assertNoSecret(await t.admin('GET', `/clients?limit=1`), c.client_secret);
    const patch = await t.admin('PATCH', `/clients/${c.client_id}`, { client_name: 'Reporting v2' });
    assert.equal(patch.status, 200);
    assertNoSecret(patch, c.client_secret);
    assert.deepEqual(patch.body.client_secrets, [{ id: meta.id, created_at: c.created_at, expires_at: null, last_used_at: null }]);
  });

  it("creates guide 000's client at the alias POST /client, and it gets a token at /oauth/token", async () => {
    const res = await t.admin('POST', '/client', {
      client_id: 'my-api4',
      audience: ['https://localhost:5001/'],
      grant_types: ['client_credentials'],
      response_types: ['token'],
      scope: 'read:secrets',
      client_type: 'machine_to_machine',
    });
    const c = created(res);
    assert.equal(c.client_id, 'my-api4');
    assert.match(c.client_secret, GENERATED_SECRET);
    assert.deepEqual(c.response_types, ['token']);
    assert.equal(ok(await t.admin('GET', '/clients/my-api4')).client_id, 'my-api4');
    const token = await tokenRequest(t, '/oauth/token', 'my-api4', c.client_secret, { scope: 'read:secrets', audience: 'https://localhost:5001/' });
    assert.equal(token.status, 200, token.text);
    assert.equal(token.body.scope, 'read:secrets');
    assert.equal(decodeJwt(token.body.access_token).payload.aud, 'https://localhost:5001/');
  });

  it('refuses a duplicate client_id with 409 at both paths', async () => {
    await createClient(t, { client_id: 'dup-client' });
    const detail = 'client "dup-client" already exists';
    assertProblem(await t.admin('POST', '/clients', { client_id: 'dup-client' }), { status: 409, detail, instance: '/clients' });
    assertProblem(await t.admin('POST', '/client', { client_id: 'dup-client' }), { status: 409, detail, instance: '/client' });
    // The refused creates wrote nothing: no second secret, no audit event of theirs.
    assert.equal(ok(await t.admin('GET', '/clients/dup-client')).client_secrets.length, 1);
    const events = ok(await t.admin('GET', '/audit-events?action=client.create&limit=200')).items.filter((e: any) => e.target_id === 'dup-client');
    assert.equal(events.length, 1);
  });

  it('refuses schema errors with 400: bad client_id pattern, unknown property (a caller-chosen secret)', async () => {
    assertProblem(await t.admin('POST', '/clients', { client_id: 'bad id\u00a0!' }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/clients',
      errors: [{ pointer: '/client_id', detail: 'must be 1 to 255 printable ASCII characters (RFC 6749 VSCHAR: space to "~", no control characters)' }],
    });
    assertProblem(await t.admin('POST', '/clients', { client_secret: 'my-own-secret' }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/clients',
      errors: [{ pointer: '/client_secret', detail: 'unknown property' }],
    });
    assertProblem(await t.admin('PATCH', '/clients/any', { client_id: 'renamed' }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/clients/any',
      errors: [{ pointer: '/client_id', detail: 'unknown property' }],
    });
  });

  it('refuses semantic errors with 422: unknown service_account_id (create and PATCH), public client with client_credentials', async () => {
    const unknownSa = {
      status: 422,
      detail: 'the client metadata is not valid',
      errors: [{ pointer: '/service_account_id', detail: 'service account "sa_missing" does not exist' }],
    };
    assertProblem(await t.admin('POST', '/clients', { client_id: 'orphan', service_account_id: 'sa_missing' }), { ...unknownSa, instance: '/clients' });
    assertProblem(await t.admin('GET', '/clients/orphan'), { status: 404, detail: 'client "orphan" does not exist', instance: '/clients/orphan' });
    const { clientId } = await createClient(t, {});
    assertProblem(await t.admin('PATCH', `/clients/${clientId}`, { service_account_id: 'sa_missing' }), {
      ...unknownSa,
      instance: `/clients/${clientId}`,
    });
    assert.equal(ok(await t.admin('GET', `/clients/${clientId}`)).service_account_id, null, 'the refused PATCH changed nothing');
    assertProblem(await t.admin('POST', '/clients', { client_type: 'spa', grant_types: ['client_credentials'] }), {
      status: 422,
      detail: 'the client metadata is not valid',
      instance: '/clients',
      errors: [{ pointer: '/grant_types', detail: 'a spa client is public and may not use client_credentials' }],
    });
  });

  it('gives a public client no secret', async () => {
    const c = created(await t.admin('POST', '/clients', { client_type: 'spa' }));
    assert.equal('client_secret' in c, false);
    assert.deepEqual(c.client_secrets, []);
    assert.deepEqual(c.grant_types, []);
  });

  it('patches metadata; a disabled client gets no token until enabled again', async () => {
    const sa = created(await t.admin('POST', '/service-accounts', { user_name: 'patch-sa' }));
    const { clientId, secret } = await createClient(t, { audience: ['https://p.test/'], scope: 'a' });
    const patched = ok(
      await t.admin('PATCH', `/clients/${clientId}`, {
        client_name: 'Patched',
        scope: 'a b',
        access_token_ttl: 120,
        service_account_id: sa.id,
        token_endpoint_auth_method: 'client_secret_basic',
      }),
    );
    assert.equal(patched.client_name, 'Patched');
    assert.equal(patched.scope, 'a b');
    assert.equal(patched.access_token_ttl, 120);
    assert.equal(patched.service_account_id, sa.id);
    assert.equal(patched.token_endpoint_auth_method, 'client_secret_basic');
    assert.deepEqual(patched.audience, ['https://p.test/'], 'unnamed fields are kept');
    assert.deepEqual(ok(await t.admin('GET', `/clients/${clientId}`)), patched);
    const good = await tokenRequest(t, '/oauth2/token', clientId, secret);
    assert.equal(good.status, 200, good.text);
    assert.equal(good.body.expires_in, 120);
    assert.equal(decodeJwt(good.body.access_token).payload.sub, sa.id);

    assert.equal(ok(await t.admin('PATCH', `/clients/${clientId}`, { active: false })).active, false);
    const refused = await tokenRequest(t, '/oauth2/token', clientId, secret);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'invalid_client');
    assert.equal(ok(await t.admin('PATCH', `/clients/${clientId}`, { active: true })).active, true);
    assert.equal((await tokenRequest(t, '/oauth2/token', clientId, secret)).status, 200);
  });

  it('lists clients acting for one service account', async () => {
    const sa = created(await t.admin('POST', '/service-accounts', { user_name: 'filter-sa' }));
    const a = await createClient(t, { service_account_id: sa.id });
    const b = await createClient(t, { service_account_id: sa.id });
    await createClient(t, {});
    const ids = ok(await t.admin('GET', `/clients?service_account_id=${sa.id}`)).items.map((c: any) => c.client_id);
    assert.deepEqual(ids, [a.clientId, b.clientId].sort());
  });

  it('deletes a client: 404 afterwards, and its secret no longer gets a token', async () => {
    const { clientId, secret } = await createClient(t, { audience: ['https://d.test/'] });
    assert.equal((await tokenRequest(t, '/oauth2/token', clientId, secret)).status, 200);
    const del = await t.admin('DELETE', `/clients/${clientId}?reason=offboard`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    const detail = `client ${JSON.stringify(clientId)} does not exist`;
    const instance = `/clients/${clientId}`;
    assertProblem(await t.admin('GET', instance), { status: 404, detail, instance });
    assertProblem(await t.admin('PATCH', instance, { client_name: 'x' }), { status: 404, detail, instance });
    assertProblem(await t.admin('DELETE', instance), { status: 404, detail, instance });
    const token = await tokenRequest(t, '/oauth2/token', clientId, secret);
    assert.equal(token.status, 401);
    assert.equal(token.body.error, 'invalid_client');
  });
});

describeEachDialect('admin API: client secret rotation (injected clock)', (dialect) => {
  const clock = manualClock();
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect, clock });
  });
  after(() => t.close());

  const status = async (clientId: string, secret: string) => {
    const res = await tokenRequest(t, '/oauth2/token', clientId, secret);
    if (res.status !== 200) assert.equal(res.body.error, 'invalid_client', res.text);
    return res.status;
  };

  it('with expires_in: both secrets work until the old one expires, then only the new one', async () => {
    const { clientId, secret: oldSecret, body } = await createClient(t, { audience: ['https://rot.test/'] });
    const oldId = body.client_secrets[0].id;
    const start = clock.now();
    const res = await t.admin('POST', `/clients/${clientId}/secrets?reason=rotate`, { expires_in: 60 });
    const added = created(res);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(added.id, /^sec_[0-9a-z]{26}$/);
    assert.match(added.client_secret, GENERATED_SECRET);
    assert.notEqual(added.client_secret, oldSecret);
    assert.deepEqual(added, { id: added.id, client_secret: added.client_secret, created_at: new Date(start).toISOString(), expires_at: null });

    const client = await t.admin('GET', `/clients/${clientId}`);
    assertNoSecret(client, oldSecret, added.client_secret);
    const byId = new Map(client.body.client_secrets.map((s: any) => [s.id, s]));
    assert.equal(byId.size, 2);
    assert.equal((byId.get(oldId) as any).expires_at, new Date(start + 60_000).toISOString());
    assert.equal((byId.get(added.id) as any).expires_at, null);

    assert.equal(await status(clientId, oldSecret), 200);
    assert.equal(await status(clientId, added.client_secret), 200);
    clock.advance(59_999);
    assert.equal(await status(clientId, oldSecret), 200, 'the old secret works until it expires');
    clock.advance(1);
    assert.equal(await status(clientId, oldSecret), 401, 'the old secret fails from its expiry on');
    assert.equal(await status(clientId, added.client_secret), 200);
  });

  it('with no body: adds a secret and leaves the existing ones without expiry', async () => {
    const { clientId, secret: first } = await createClient(t, { audience: ['https://rot.test/'] });
    const res = await t.admin('POST', `/clients/${clientId}/secrets`);
    const added = created(res);
    assert.equal(added.expires_at, null);
    const metas = ok(await t.admin('GET', `/clients/${clientId}`)).client_secrets;
    assert.deepEqual(
      metas.map((s: any) => s.expires_at),
      [null, null],
    );
    clock.advance(30 * 86_400_000);
    assert.equal(await status(clientId, first), 200);
    assert.equal(await status(clientId, added.client_secret), 200);
  });

  it('with expires_in 0: the existing secrets stop at once', async () => {
    const { clientId, secret: first } = await createClient(t, { audience: ['https://rot.test/'] });
    const added = created(await t.admin('POST', `/clients/${clientId}/secrets`, { expires_in: 0 }));
    assert.equal(await status(clientId, first), 401);
    assert.equal(await status(clientId, added.client_secret), 200);
  });

  it('DELETE of a secret stops it at once and leaves the others', async () => {
    const { clientId, secret: first, body } = await createClient(t, { audience: ['https://rot.test/'] });
    const firstId = body.client_secrets[0].id;
    const added = created(await t.admin('POST', `/clients/${clientId}/secrets`));
    assert.equal(await status(clientId, first), 200);
    const del = await t.admin('DELETE', `/clients/${clientId}/secrets/${firstId}?reason=leaked`);
    assert.equal(del.status, 204);
    assert.equal(await status(clientId, first), 401);
    assert.equal(await status(clientId, added.client_secret), 200);
    assert.deepEqual(
      ok(await t.admin('GET', `/clients/${clientId}`)).client_secrets.map((s: any) => s.id),
      [added.id],
    );
    assertProblem(await t.admin('DELETE', `/clients/${clientId}/secrets/${firstId}`), {
      status: 404,
      detail: `client secret ${JSON.stringify(firstId)} does not exist`,
      instance: `/clients/${clientId}/secrets/${firstId}`,
    });
  });

  it('answers 404 for an unknown client, 409 for a public client, 400 for a bad expires_in', async () => {
    assertProblem(await t.admin('POST', '/clients/nope/secrets', {}), {
      status: 404,
      detail: 'client "nope" does not exist',
      instance: '/clients/nope/secrets',
    });
    assertProblem(await t.admin('DELETE', '/clients/nope/secrets/sec_x'), {
      status: 404,
      detail: 'client "nope" does not exist',
      instance: '/clients/nope/secrets/sec_x',
    });
    const spa = created(await t.admin('POST', '/clients', { client_type: 'spa' }));
    assertProblem(await t.admin('POST', `/clients/${spa.client_id}/secrets`), {
      status: 409,
      detail: 'a spa client is public and has no secrets',
      instance: `/clients/${spa.client_id}/secrets`,
    });
    const { clientId } = await createClient(t, {});
    assertProblem(await t.admin('POST', `/clients/${clientId}/secrets`, { expires_in: -1 }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: `/clients/${clientId}/secrets`,
      errors: [{ pointer: '/expires_in', detail: 'must be >= 0' }],
    });
  });
});

describeEachDialect('admin API: APIs and grants', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  it('creates, gets, lists, patches and deletes an API with its scopes', async () => {
    const api = created(
      await t.admin('POST', '/apis?reason=new-api', {
        name: 'Orders',
        identifier: 'https://orders.test/',
        scopes: [{ value: 'orders:read', description: 'Read orders' }, { value: 'orders:write' }],
        access_token_ttl: 600,
      }),
    );
    assert.match(api.id, /^api_[0-9a-z]{26}$/);
    assert.deepEqual(api, {
      id: api.id,
      name: 'Orders',
      identifier: 'https://orders.test/',
      scopes: [
        { value: 'orders:read', description: 'Read orders' },
        { value: 'orders:write', description: '' },
      ],
      access_token_ttl: 600,
      dpop_bound_access_tokens: false,
      claims: null,
      token_exchange: 'allow',
      built_in: false,
      created_at: api.created_at,
      updated_at: api.created_at,
    });
    assert.deepEqual(ok(await t.admin('GET', `/apis/${api.id}`)), api);
    assert.ok(ok(await t.admin('GET', '/apis')).items.some((a: any) => a.id === api.id));
    const unnamed = created(await t.admin('POST', '/apis', { identifier: 'urn:unnamed' }));
    assert.equal(unnamed.name, 'urn:unnamed', 'name defaults to the identifier');
    assert.deepEqual(unnamed.scopes, []);
    assert.equal(unnamed.access_token_ttl, null);

    const patched = ok(
      await t.admin('PATCH', `/apis/${api.id}`, { name: 'Orders v2', scopes: [{ value: 'orders:read' }, { value: 'orders:admin' }], access_token_ttl: null }),
    );
    assert.equal(patched.name, 'Orders v2');
    assert.equal(patched.identifier, 'https://orders.test/');
    assert.deepEqual(patched.scopes, [
      { value: 'orders:read', description: '' },
      { value: 'orders:admin', description: '' },
    ]);
    assert.equal(patched.access_token_ttl, null);
    assert.deepEqual(ok(await t.admin('GET', `/apis/${api.id}`)), patched);

    assert.equal((await t.admin('DELETE', `/apis/${api.id}`)).status, 204);
    const detail = `API ${JSON.stringify(api.id)} does not exist`;
    const instance = `/apis/${api.id}`;
    assertProblem(await t.admin('GET', instance), { status: 404, detail, instance });
    assertProblem(await t.admin('PATCH', instance, { name: 'x' }), { status: 404, detail, instance });
    assertProblem(await t.admin('DELETE', instance), { status: 404, detail, instance });
  });

  it('refuses a duplicate identifier (409), bad scopes (422) and an out-of-range ttl (400)', async () => {
    const first = created(await t.admin('POST', '/apis', { identifier: 'https://dup.test/' }));
    const second = created(await t.admin('POST', '/apis', { identifier: 'https://dup2.test/' }));
    const conflict = { status: 409, detail: 'an API with identifier "https://dup.test/" already exists' };
    assertProblem(await t.admin('POST', '/apis', { identifier: 'https://dup.test/' }), { ...conflict, instance: '/apis' });
    assertProblem(await t.admin('PATCH', `/apis/${second.id}`, { identifier: 'https://dup.test/' }), { ...conflict, instance: `/apis/${second.id}` });
    assert.equal(ok(await t.admin('GET', `/apis/${first.id}`)).identifier, 'https://dup.test/');
    assertProblem(await t.admin('POST', '/apis', { identifier: 'https://s.test/', scopes: [{ value: 'a b' }, { value: 'x' }, { value: 'x' }] }), {
      status: 422,
      detail: 'the API is not valid',
      instance: '/apis',
      errors: [
        { pointer: '/scopes/0/value', detail: 'invalid scope token "a b"' },
        { pointer: '/scopes/2/value', detail: 'duplicate scope "x"' },
      ],
    });
    assertProblem(await t.admin('POST', '/apis', { identifier: 'https://s.test/', access_token_ttl: 59 }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/apis',
      errors: [{ pointer: '/access_token_ttl', detail: 'must be >= 60' }],
    });
    assertProblem(await t.admin('POST', '/apis', { identifier: 'https://s.test/', scopes: [{ value: 'x', extra: true }] }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/apis',
      errors: [{ pointer: '/scopes/0/extra', detail: 'unknown property' }],
    });
  });

  describe('grants', () => {
    let api: any;
    let sa: any;
    let direct: { clientId: string; secret: string };
    let viaSa: { clientId: string; secret: string };
    let clientGrant: any;
    let saGrant: any;

    before(async () => {
      api = await createOk(t, '/apis', {
        name: 'Inventory',
        identifier: 'https://inventory.test/',
        scopes: [{ value: 'inv:read' }, { value: 'inv:write' }, { value: 'inv:admin' }],
      });
      sa = await createOk(t, '/service-accounts', { user_name: 'inventory-sync' });
      direct = await createClient(t, {});
      viaSa = await createClient(t, { service_account_id: sa.id });
    });

    it('grants a client scopes by api_id', async () => {
      clientGrant = created(await t.admin('POST', '/grants?reason=access', { client_id: direct.clientId, api_id: api.id, scopes: ['inv:read', 'inv:read'] }));
      assert.match(clientGrant.id, /^grt_[0-9a-z]{26}$/);
      assert.deepEqual(clientGrant, {
        id: clientGrant.id,
        client_id: direct.clientId,
        service_account_id: null,
        api_id: api.id,
        api_identifier: 'https://inventory.test/',
        scopes: ['inv:read'],
        created_at: clientGrant.created_at,
      });
      assert.deepEqual(ok(await t.admin('GET', `/grants/${clientGrant.id}`)), clientGrant);
      const token = await tokenRequest(t, '/oauth2/token', direct.clientId, direct.secret, { audience: 'https://inventory.test/' });
      assert.equal(token.status, 200, token.text);
      assert.equal(token.body.scope, 'inv:read');
    });

    it('grants a service account scopes by api_identifier; its client gets them', async () => {
      saGrant = created(
        await t.admin('POST', '/grants', { service_account_id: sa.id, api_identifier: 'https://inventory.test/', scopes: ['inv:read', 'inv:write'] }),
      );
      assert.deepEqual(saGrant, {
        id: saGrant.id,
        client_id: null,
        service_account_id: sa.id,
        api_id: api.id,
        api_identifier: 'https://inventory.test/',
        scopes: ['inv:read', 'inv:write'],
        created_at: saGrant.created_at,
      });
      const token = await tokenRequest(t, '/oauth2/token', viaSa.clientId, viaSa.secret, { audience: 'https://inventory.test/' });
      assert.equal(token.status, 200, token.text);
      assert.equal(token.body.scope, 'inv:read inv:write');
      assert.equal(decodeJwt(token.body.access_token).payload.sub, sa.id);
    });

    it('lists grants filtered by client_id, service_account_id and api_id', async () => {
      const ids = async (q: string) => ok(await t.admin('GET', `/grants?${q}`)).items.map((g: any) => g.id);
      assert.deepEqual(await ids(`client_id=${direct.clientId}`), [clientGrant.id]);
      assert.deepEqual(await ids(`service_account_id=${sa.id}`), [saGrant.id]);
      assert.deepEqual(await ids(`api_id=${api.id}`), [clientGrant.id, saGrant.id].sort());
      const listed = ok(await t.admin('GET', `/grants?client_id=${direct.clientId}`)).items[0];
      assert.deepEqual(listed, clientGrant, 'a listed grant carries its api_identifier too');
    });

    it('refuses a second grant for the same subject and API (409)', async () => {
      const detail = 'this client or service account already has a grant on this API; change its scopes with PATCH /grants/{id}';
      assertProblem(await t.admin('POST', '/grants', { client_id: direct.clientId, api_identifier: 'https://inventory.test/', scopes: ['inv:write'] }), {
        status: 409,
        detail,
        instance: '/grants',
      });
      assertProblem(await t.admin('POST', '/grants', { service_account_id: sa.id, api_id: api.id, scopes: [] }), { status: 409, detail, instance: '/grants' });
    });

    it('refuses semantic errors with 422: undefined scope, unknown client, service account or API, ambiguous subject', async () => {
      const invalid = (errors: { pointer: string; detail: string }[]) => ({ status: 422, detail: 'the grant is not valid', instance: '/grants', errors });
      const other = await createClient(t, {});
      assertProblem(
        await t.admin('POST', '/grants', { client_id: other.clientId, api_id: api.id, scopes: ['inv:read', 'inv:delete'] }),
        invalid([{ pointer: '/scopes/1', detail: 'the API does not define scope "inv:delete"' }]),
      );
      assertProblem(
        await t.admin('POST', '/grants', { client_id: 'ghost', api_id: api.id, scopes: [] }),
        invalid([{ pointer: '/client_id', detail: 'no such client in this tenant' }]),
      );
      assertProblem(
        await t.admin('POST', '/grants', { service_account_id: 'sa_ghost', api_id: api.id, scopes: [] }),
        invalid([{ pointer: '/service_account_id', detail: 'no such service account in this tenant' }]),
      );
      assertProblem(
        await t.admin('POST', '/grants', { client_id: other.clientId, api_id: 'api_ghost', scopes: [] }),
        invalid([{ pointer: '/api_id', detail: 'no such API in this tenant' }]),
      );
      assertProblem(
        await t.admin('POST', '/grants', { client_id: other.clientId, api_identifier: 'https://ghost.test/', scopes: [] }),
        invalid([{ pointer: '/api_identifier', detail: 'no such API in this tenant' }]),
      );
      assertProblem(
        await t.admin('POST', '/grants', {
          client_id: other.clientId,
          service_account_id: sa.id,
          api_id: api.id,
          api_identifier: 'https://inventory.test/',
          scopes: [],
        }),
        invalid([
          { pointer: '/client_id', detail: 'give exactly one of client_id and service_account_id' },
          { pointer: '/api_id', detail: 'give exactly one of api_id and api_identifier' },
        ]),
      );
      assertProblem(await t.admin('POST', '/grants', { client_id: other.clientId, api_id: api.id }), {
        status: 400,
        detail: 'the request body is invalid',
        instance: '/grants',
        errors: [{ pointer: '/scopes', detail: 'is required' }],
      });
      assert.deepEqual(ok(await t.admin('GET', `/grants?client_id=${other.clientId}`)).items, [], 'nothing was written');
    });

    it('PATCH /grants/{id} replaces the scopes: tokens carry the new ones, grant.update is audited with both lists', async () => {
      const patched = ok(await t.admin('PATCH', `/grants/${clientGrant.id}?reason=widen`, { scopes: ['inv:write', 'inv:read', 'inv:write'] }));
      assert.deepEqual(patched, { ...clientGrant, scopes: ['inv:write', 'inv:read'] });
      assert.deepEqual(ok(await t.admin('GET', `/grants/${clientGrant.id}`)), patched);
      const token = await tokenRequest(t, '/oauth2/token', direct.clientId, direct.secret, { audience: 'https://inventory.test/' });
      assert.equal(token.status, 200, token.text);
      assert.equal(token.body.scope, 'inv:write inv:read');
      const [event] = await auditEvents(t, `target_id=${clientGrant.id}&action=grant.update`);
      assert.deepEqual(
        [event.action, event.target_type, event.reason, event.details],
        [
          'grant.update',
          'grant',
          'widen',
          { client_id: direct.clientId, service_account_id: null, api_id: api.id, previous_scopes: ['inv:read'], scopes: ['inv:write', 'inv:read'] },
        ],
      );
      clientGrant = ok(await t.admin('PATCH', `/grants/${clientGrant.id}`, { scopes: ['inv:read'] }));
      assert.deepEqual(clientGrant.scopes, ['inv:read']);
    });

    it('PATCH /grants/{id} refuses an undefined scope (422), an unknown grant (404) and a body that is not {scopes} (400); nothing changes', async () => {
      const instance = `/grants/${clientGrant.id}`;
      assertProblem(await t.admin('PATCH', instance, { scopes: ['inv:read', 'inv:delete', 'inv:write', 'inv:purge'] }), {
        status: 422,
        detail: 'the grant is not valid',
        instance,
        errors: [
          { pointer: '/scopes/1', detail: 'the API does not define scope "inv:delete"' },
          { pointer: '/scopes/3', detail: 'the API does not define scope "inv:purge"' },
        ],
      });
      assertProblem(await t.admin('PATCH', '/grants/grt_ghost', { scopes: [] }), {
        status: 404,
        detail: 'grant "grt_ghost" does not exist',
        instance: '/grants/grt_ghost',
      });
      assertProblem(await t.admin('PATCH', instance, {}), {
        status: 400,
        detail: 'the request body is invalid',
        instance,
        errors: [{ pointer: '/scopes', detail: 'is required' }],
      });
      assertProblem(await t.admin('PATCH', instance, { scopes: [], api_id: api.id }), {
        status: 400,
        detail: 'the request body is invalid',
        instance,
        errors: [{ pointer: '/api_id', detail: 'unknown property' }],
      });
      assert.deepEqual(ok(await t.admin('GET', instance)), clientGrant, 'nothing was written');
      assert.deepEqual(await auditEvents(t, `target_id=${clientGrant.id}&action=grant.update`).then((e) => e.length), 2);
    });

    it('takes scopes an API stops defining out of its grants', async () => {
      ok(await t.admin('PATCH', `/apis/${api.id}`, { scopes: [{ value: 'inv:read' }, { value: 'inv:admin' }] }));
      assert.deepEqual(ok(await t.admin('GET', `/grants/${saGrant.id}`)).scopes, ['inv:read']);
      assert.deepEqual(ok(await t.admin('GET', `/grants/${clientGrant.id}`)).scopes, ['inv:read']);
    });

    it('deletes a grant: 404 afterwards, and its scopes are gone from tokens', async () => {
      const del = await t.admin('DELETE', `/grants/${clientGrant.id}?reason=revoke`);
      assert.equal(del.status, 204);
      const detail = `grant ${JSON.stringify(clientGrant.id)} does not exist`;
      const instance = `/grants/${clientGrant.id}`;
      assertProblem(await t.admin('GET', instance), { status: 404, detail, instance });
      assertProblem(await t.admin('DELETE', instance), { status: 404, detail, instance });
      const token = await tokenRequest(t, '/oauth2/token', direct.clientId, direct.secret, { audience: 'https://inventory.test/' });
      assert.equal(token.status, 400, token.text);
      assert.equal(token.body.access_token, undefined);
    });

    it('deleting an API deletes its grants', async () => {
      assert.equal((await t.admin('DELETE', `/apis/${api.id}`)).status, 204);
      assertProblem(await t.admin('GET', `/grants/${saGrant.id}`), {
        status: 404,
        detail: `grant ${JSON.stringify(saGrant.id)} does not exist`,
        instance: `/grants/${saGrant.id}`,
      });
      assert.deepEqual(ok(await t.admin('GET', `/grants?api_id=${api.id}`)).items, []);
    });
  });
});

describeEachDialect('admin API: signing keys (injected clock)', (dialect) => {
  const clock = manualClock();
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect, clock });
  });
  after(() => t.close());

  const jwksKids = async () => (await t.publicFetch('/.well-known/jwks.json')).body.keys.map((k: any) => k.kid);

  it('lists the active key and the next key, with public members only', async () => {
    const { items, next_cursor } = ok(await t.admin('GET', '/keys'));
    assert.equal(next_cursor, null);
    assert.deepEqual(
      items.map((k: any) => k.status),
      ['next', 'active'],
    );
    const [next, key] = items;
    assert.equal(next.activated_at, null);
    assert.equal(next.publish_until, null);
    assert.equal(key.status, 'active');
    assert.equal(key.alg, 'RS256');
    assert.equal(key.retired_at, null);
    assert.equal(key.publish_until, null);
    assert.deepEqual(Object.keys(key.public_jwk).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
    assert.equal(key.public_jwk.kid, key.kid);
    assert.deepEqual(await jwksKids(), [next.kid, key.kid]);
  });

  it('POST /keys/rotate: the published next key signs at once; the old one stays published until its tokens expire', async () => {
    const [next, before] = ok(await t.admin('GET', '/keys')).items;
    const now = clock.now();
    const rotated = created(await t.admin('POST', '/keys/rotate?reason=drill'));
    assert.equal(rotated.kid, next.kid);
    assert.equal(rotated.status, 'active');
    assert.equal(rotated.activated_at, new Date(now).toISOString());
    const { items } = ok(await t.admin('GET', '/keys'));
    const byKid = new Map(items.map((k: any) => [k.kid, k]));
    assert.equal(items.filter((k: any) => k.status === 'active').length, 1);
    assert.equal((byKid.get(rotated.kid) as any).status, 'active');
    const old = byKid.get(before.kid) as any;
    assert.equal(old.status, 'retired');
    assert.equal(old.retired_at, new Date(now).toISOString());
    assert.equal(old.publish_until, new Date(now + 86_400_000).toISOString(), 'published for the longest lifetime any setting allows (86400 s)');
    const newNext = items.find((k: any) => k.status === 'next').kid;
    assert.deepEqual(await jwksKids(), [newNext, rotated.kid, before.kid]);

    const { clientId, secret } = await createClient(t, { audience: ['https://k.test/'] });
    const token = await tokenRequest(t, '/oauth2/token', clientId, secret);
    assert.equal(token.status, 200, token.text);
    assert.equal(decodeJwt(token.body.access_token).header.kid, rotated.kid);

    clock.advance(86_400_000 - 1);
    assert.ok((await jwksKids()).includes(before.kid));
    clock.advance(1);
    assert.deepEqual(await jwksKids(), [newNext, rotated.kid], 'dropped once every token it signed has expired');
  });

  it('PATCH of the tenant signing_alg rotates to a key of the new algorithm; the old key is retired', async () => {
    const current = ok(await t.admin('GET', '/keys')).items.find((k: any) => k.status === 'active');
    const tenant = ok(await t.admin('PATCH', '/tenants/default?reason=ec', { signing_alg: 'ES256' }));
    assert.equal(tenant.signing_alg, 'ES256');
    const { items } = ok(await t.admin('GET', '/keys'));
    const active = items.filter((k: any) => k.status === 'active');
    assert.equal(active.length, 1);
    assert.notEqual(active[0].kid, current.kid);
    assert.equal(active[0].alg, 'ES256');
    assert.equal(active[0].public_jwk.kty, 'EC');
    assert.equal(active[0].public_jwk.crv, 'P-256');
    assert.equal(active[0].public_jwk.d, undefined);
    assert.equal(items[1].kid, active[0].kid, 'newest first, after the next key made with it');
    assert.equal(items[0].status, 'next');
    assert.equal(items[0].alg, 'ES256', 'the next key has the new algorithm too');
    const old = items.find((k: any) => k.kid === current.kid);
    assert.equal(old.status, 'retired');
    assert.equal(old.alg, 'RS256');

    const { clientId, secret } = await createClient(t, { audience: ['https://k.test/'] });
    const token = await tokenRequest(t, '/oauth2/token', clientId, secret);
    assert.equal(token.status, 200, token.text);
    const { header } = decodeJwt(token.body.access_token);
    assert.equal(header.alg, 'ES256');
    assert.equal(header.kid, active[0].kid);

    ok(await t.admin('PATCH', '/tenants/default', { signing_alg: 'ES256', name: 'Default' }));
    assert.equal(ok(await t.admin('GET', '/keys')).items.find((k: any) => k.status === 'active').kid, active[0].kid, 'the same algorithm does not rotate');
  });
});

describeEachDialect('admin API: tenants and admin tokens', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  it('creates, gets, lists and patches a tenant', async () => {
    const tenant = created(
      await t.admin('POST', '/tenants?reason=new-customer', { id: 'globex', name: 'Globex', signing_alg: 'PS256', access_token_ttl: 900 }),
    );
    assert.deepEqual(tenant, {
      id: 'globex',
      name: 'Globex',
      issuer: `${t.publicUrl}/t/globex`,
      signing_alg: 'PS256',
      access_token_ttl: 900,
      tls_client_cas: [],
      tls_client_ca_details: [],
      created_at: tenant.created_at,
      updated_at: tenant.created_at,
    });
    assert.match(tenant.created_at, ISO);
    assert.deepEqual(ok(await t.admin('GET', '/tenants/globex')), tenant);
    const keys = ok(await t.admin('GET', '/tenants/globex/keys')).items;
    assert.deepEqual(
      keys.map((k: any) => [k.alg, k.status]),
      [
        ['PS256', 'next'],
        ['PS256', 'active'],
      ],
    );
    const defaults = created(await t.admin('POST', '/tenants', { id: 'initech' }));
    assert.equal(defaults.name, 'initech');
    assert.equal(defaults.signing_alg, 'RS256');
    assert.equal(defaults.access_token_ttl, 3600);

    const ids = ok(await t.admin('GET', '/tenants')).items.map((x: any) => x.id);
    assert.deepEqual(ids, ['default', 'globex', 'initech']);
    const root = ok(await t.admin('GET', '/tenants/default'));
    assert.equal(root.issuer, t.publicUrl);

    const patched = ok(await t.admin('PATCH', '/tenants/globex', { name: 'Globex Corp', access_token_ttl: 120 }));
    assert.deepEqual({ ...patched, updated_at: tenant.updated_at }, { ...tenant, name: 'Globex Corp', access_token_ttl: 120 });
    assert.deepEqual(
      ok(await t.admin('GET', '/tenants/globex/keys')).items.map((k: any) => k.kid),
      keys.map((k: any) => k.kid),
      'no rotation without a new signing_alg',
    );
  });

  it('patching signing_alg of a tenant rotates its key to the new algorithm', async () => {
    const [beforeNext, beforeActive] = ok(await t.admin('GET', '/tenants/initech/keys')).items;
    ok(await t.admin('PATCH', '/tenants/initech', { signing_alg: 'EdDSA' }));
    const keys = ok(await t.admin('GET', '/tenants/initech/keys')).items;
    assert.deepEqual(
      keys.map((k: any) => [k.kid, k.alg, k.status]),
      [
        [keys[0].kid, 'EdDSA', 'next'],
        [keys[1].kid, 'EdDSA', 'active'],
        [beforeActive.kid, 'RS256', 'retired'],
      ],
    );
    assert.ok(!keys.some((k: any) => k.kid === beforeNext.kid), 'the next key of the old algorithm is replaced');
    assert.equal(keys[1].public_jwk.kty, 'OKP');
    const jwks = (await t.publicFetch('/t/initech/.well-known/jwks.json')).body.keys.map((k: any) => k.kid);
    assert.deepEqual(
      jwks,
      keys.map((k: any) => k.kid),
    );
  });

  it('refuses a duplicate (409), a bad id or algorithm (400), an unknown tenant (404)', async () => {
    assertProblem(await t.admin('POST', '/tenants', { id: 'globex' }), { status: 409, detail: 'tenant "globex" already exists', instance: '/tenants' });
    assertProblem(await t.admin('POST', '/tenants', { id: 'Bad_Id' }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/tenants',
      errors: [{ pointer: '/id', detail: 'must be 1 to 63 characters: lower-case letters, digits or "-", starting with a letter or digit' }],
    });
    const badAlg = await t.admin('POST', '/tenants', { id: 'hs', signing_alg: 'HS256' });
    assert.equal(badAlg.status, 400);
    assert.ok(
      badAlg.body.errors.every((e: any) => e.pointer === '/signing_alg'),
      badAlg.text,
    );
    assertProblem(await t.admin('POST', '/tenants', { id: 'x', region: 'eu' }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/tenants',
      errors: [{ pointer: '/region', detail: 'unknown property' }],
    });
    const missing = { status: 404, detail: 'tenant "nope" does not exist', instance: '/tenants/nope' };
    assertProblem(await t.admin('GET', '/tenants/nope'), missing);
    assertProblem(await t.admin('PATCH', '/tenants/nope', { name: 'x' }), missing);
    assertProblem(await t.admin('DELETE', '/tenants/nope'), missing);
    assertProblem(await t.admin('GET', '/tenants/nope/clients'), { ...missing, instance: '/tenants/nope/clients' });
  });

  it('deletes a tenant with everything it owns; the default tenant cannot be deleted', async () => {
    created(await t.admin('POST', '/tenants', { id: 'doomed' }));
    const { clientId, secret } = await createClient(t, { audience: ['https://doomed.test/'] }, 'doomed');
    assert.equal((await tokenRequest(t, '/t/doomed/oauth2/token', clientId, secret)).status, 200);
    const del = await t.admin('DELETE', '/tenants/doomed?reason=churned');
    assert.equal(del.status, 204);
    assertProblem(await t.admin('GET', '/tenants/doomed'), { status: 404, detail: 'tenant "doomed" does not exist', instance: '/tenants/doomed' });
    assertProblem(await t.admin('GET', `/tenants/doomed/clients/${clientId}`), {
      status: 404,
      detail: 'tenant "doomed" does not exist',
      instance: `/tenants/doomed/clients/${clientId}`,
    });
    assert.equal((await t.publicFetch('/t/doomed/.well-known/jwks.json')).status, 404);
    assert.equal((await tokenRequest(t, '/t/doomed/oauth2/token', clientId, secret)).status, 404);
    assertProblem(await t.admin('DELETE', '/tenants/default'), { status: 409, detail: 'the default tenant cannot be deleted', instance: '/tenants/default' });
  });

  it('creates an admin token shown once; lists without values; a deleted token stops working', async () => {
    const res = await t.admin('POST', '/admin-tokens?reason=ci', { name: 'ci' });
    const tok = created(res);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(tok.id, /^at_[0-9a-z]{26}$/);
    assert.match(tok.token, /^tsr_at_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(tok, { id: tok.id, name: 'ci', token: tok.token, tenant: null, scopes: ['admin'], created_at: tok.created_at, expires_at: null });
    assert.equal((await t.admin('GET', '/clients', undefined, { token: tok.token })).status, 200);
    assert.equal((await t.admin('POST', '/tenants', { id: 'by-ci' }, { token: tok.token })).status, 201, 'an unrestricted token acts on every tenant');

    const list = await t.admin('GET', '/admin-tokens');
    assert.equal(list.status, 200);
    assert.ok(!list.text.includes(tok.token));
    const listed = list.body.items.find((x: any) => x.id === tok.id);
    assert.deepEqual(listed, { id: tok.id, name: 'ci', tenant: null, scopes: ['admin'], created_at: tok.created_at, expires_at: null });

    assert.equal((await t.admin('DELETE', `/admin-tokens/${tok.id}?reason=rotate`)).status, 204);
    const refused = await t.admin('GET', '/clients', undefined, { token: tok.token });
    assertProblem(refused, { status: 401, detail: 'the admin token is not valid', instance: '/clients' });
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="tessera-admin"');
    assertProblem(await t.admin('DELETE', `/admin-tokens/${tok.id}`), {
      status: 404,
      detail: `admin token ${JSON.stringify(tok.id)} does not exist`,
      instance: `/admin-tokens/${tok.id}`,
    });
  });

  it('refuses an admin token for an unknown tenant (422) or without a name (400)', async () => {
    assertProblem(await t.admin('POST', '/admin-tokens', { name: 'x', tenant: 'nope' }), {
      status: 422,
      detail: 'no tenant "nope"',
      instance: '/admin-tokens',
      errors: [{ pointer: '/tenant', detail: 'no such tenant' }],
    });
    assertProblem(await t.admin('POST', '/admin-tokens', {}), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/admin-tokens',
      errors: [{ pointer: '/name', detail: 'is required' }],
    });
  });

  it('a tenant-limited token gets 403 on installation-wide routes', async () => {
    const limited = created(await t.admin('POST', '/admin-tokens', { name: 'globex-ops', tenant: 'globex' }));
    assert.equal(limited.tenant, 'globex');
    const forbidden = (instance: string) => ({ status: 403, detail: 'this admin token is limited to tenant globex', instance });
    assertProblem(await t.admin('POST', '/tenants', { id: 'sneaky' }, { token: limited.token }), forbidden('/tenants'));
    assertProblem(await t.admin('POST', '/admin-tokens', { name: 'x' }, { token: limited.token }), forbidden('/admin-tokens'));
    assertProblem(await t.admin('GET', '/admin-tokens', undefined, { token: limited.token }), forbidden('/admin-tokens'));
    assertProblem(await t.admin('DELETE', `/admin-tokens/${limited.id}`, undefined, { token: limited.token }), forbidden(`/admin-tokens/${limited.id}`));
    assertProblem(await t.admin('GET', '/clients', undefined, { token: limited.token }), forbidden('/clients'));
    assertProblem(await t.admin('GET', '/tenants/default', undefined, { token: limited.token }), forbidden('/tenants/default'));
    assertProblem(await t.admin('DELETE', '/tenants/globex', undefined, { token: limited.token }), forbidden('/tenants/globex'));
    assert.deepEqual(
      ok(await t.admin('GET', '/tenants', undefined, { token: limited.token })).items.map((x: any) => x.id),
      ['globex'],
    );
  });
});

describeEachDialect('admin API: pagination', (dialect) => {
  let t: TestTessera;
  const made: Record<string, string[]> = { sa: [], clients: [], apis: [], grants: [], tenants: [], tokens: [] };
  before(async () => {
    t = await startTessera({ dialect });
    for (let i = 0; i < 7; i++) {
      made.sa!.push((await createOk(t, '/service-accounts', { user_name: `page-sa-${i}` })).id);
      made.clients!.push((await createClient(t, { client_id: `page-client-${i}` })).clientId);
      const api = await createOk(t, '/apis', { identifier: `https://page-${i}.test/`, scopes: [{ value: 's' }] });
      made.apis!.push(api.id);
      made.grants!.push((await createOk(t, '/grants', { client_id: `page-client-${i}`, api_id: api.id, scopes: ['s'] })).id);
    }
    for (let i = 0; i < 4; i++) {
      made.tenants!.push((await createOk(t, '/tenants', { id: `page-tenant-${i}` })).id);
      made.tokens!.push((await createOk(t, '/admin-tokens', { name: `page-token-${i}` })).id);
    }
  });
  after(() => t.close());

  const cases: [string, string, string][] = [
    ['service accounts', '/service-accounts', 'sa'],
    ['clients', '/clients', 'clients'],
    ['APIs', '/apis', 'apis'],
    ['grants', '/grants', 'grants'],
    ['tenants', '/tenants', 'tenants'],
    ['admin tokens', '/admin-tokens', 'tokens'],
  ];
  for (const [name, path, key] of cases) {
    it(`walks every ${name} page by page with limit and cursor: nothing twice, nothing missing`, async () => {
      const idOf = (x: any) => x.id ?? x.client_id;
      const whole = ok(await t.admin('GET', `${path}?limit=200`));
      assert.equal(whole.next_cursor, null);
      const walked = await walkPages(t, path, 2);
      const ids = walked.items.map(idOf);
      assert.equal(new Set(ids).size, ids.length, 'no item twice');
      assert.deepEqual(ids, whole.items.map(idOf), 'the pages together are the whole list, in order');
      for (const id of made[key]!) assert.ok(ids.includes(id), `${id} is missing`);
      assert.ok(walked.pages >= 3, `${ids.length} items in ${walked.pages} pages`);
    });
  }

  it('walks the audit log newest first, page by page', async () => {
    const whole = ok(await t.admin('GET', '/audit-events?limit=200')).items;
    assert.ok(whole.length > 30, `${whole.length} events`);
    const walked = await walkPages(t, '/audit-events', 7);
    assert.deepEqual(
      walked.items.map((e: any) => e.id),
      whole.map((e: any) => e.id),
    );
    const filtered = await walkPages(t, '/audit-events?action=client.create', 2);
    assert.deepEqual(filtered.items.map((e: any) => e.target_id).sort(), [...made.clients!].sort());
  });

  it('keeps a filter across pages', async () => {
    const sa = await createOk(t, '/service-accounts', { user_name: 'page-filter' });
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) mine.push((await createClient(t, { client_id: `page-f-${i}`, service_account_id: sa.id })).clientId);
    const walked = await walkPages(t, `/clients?service_account_id=${sa.id}`, 2);
    assert.deepEqual(
      walked.items.map((c: any) => c.client_id),
      mine,
    );
    assert.equal(walked.pages, 3);
  });

  it('refuses an invalid cursor or limit with 400', async () => {
    for (const path of ['/clients', '/service-accounts', '/apis', '/grants', '/tenants', '/admin-tokens', '/audit-events']) {
      assertProblem(await t.admin('GET', `${path}?cursor=not*a*cursor`), {
        status: 400,
        detail: 'the cursor is not valid',
        instance: path,
        errors: [{ pointer: '/cursor', detail: 'use next_cursor of a previous page' }],
      });
    }
    assertProblem(await t.admin('GET', '/clients?limit=0'), {
      status: 400,
      detail: 'the request querystring is invalid',
      instance: '/clients',
      errors: [{ pointer: '/limit', detail: 'must be >= 1' }],
    });
    assertProblem(await t.admin('GET', '/clients?limit=201'), {
      status: 400,
      detail: 'the request querystring is invalid',
      instance: '/clients',
      errors: [{ pointer: '/limit', detail: 'must be <= 200' }],
    });
  });
});

describeEachDialect('admin API: audit log', (dialect) => {
  let t: TestTessera;
  let auditor: { id: string; token: string };
  const secrets: string[] = [];
  const expected: { action: string; target_type: string; target_id: string; reason: string; tenant?: string; global?: boolean }[] = [];

  before(async () => {
    // Every reading of this clock is 1 ms later, so "newest first" is one well-defined order.
    const clock = manualClock();
    t = await startTessera({
      dialect,
      clock: {
        now: () => {
          clock.advance(1);
          return clock.now();
        },
      },
    });
    auditor = await createOk(t, '/admin-tokens', { name: 'auditor' });
    secrets.push(auditor.token);
    const as = { token: auditor.token };
    const step = async (method: string, path: string, body: unknown, e: Omit<(typeof expected)[number], 'reason'>) => {
      const reason = `step ${expected.length + 1}`;
      const res = await t.admin(method, `${path}${path.includes('?') ? '&' : '?'}reason=${encodeURIComponent(reason)}`, body, as);
      assert.ok(res.status === 200 || res.status === 201 || res.status === 204, `${method} ${path}: ${res.text}`);
      expected.push({ ...e, reason });
      return res.body;
    };
    const sa = await step(
      'POST',
      '/service-accounts',
      { user_name: 'audited' },
      { action: 'service_account.create', target_type: 'service_account', target_id: '' },
    );
    expected.at(-1)!.target_id = sa.id;
    await step(
      'PATCH',
      `/service-accounts/${sa.id}`,
      { display_name: 'Audited' },
      { action: 'service_account.update', target_type: 'service_account', target_id: sa.id },
    );
    const client = await step(
      'POST',
      '/clients',
      { client_id: 'audited-client', service_account_id: sa.id },
      { action: 'client.create', target_type: 'client', target_id: 'audited-client' },
    );
    secrets.push(client.client_secret);
    await step('PATCH', '/clients/audited-client', { client_name: 'Audited' }, { action: 'client.update', target_type: 'client', target_id: 'audited-client' });
    const added = await step(
      'POST',
      '/clients/audited-client/secrets',
      { expires_in: 60 },
      { action: 'client.secret.create', target_type: 'client', target_id: 'audited-client' },
    );
    secrets.push(added.client_secret);
    await step('DELETE', `/clients/audited-client/secrets/${added.id}`, undefined, {
      action: 'client.secret.delete',
      target_type: 'client',
      target_id: 'audited-client',
    });
    const api = await step(
      'POST',
      '/apis',
      { identifier: 'https://audited.test/', scopes: [{ value: 'r' }] },
      { action: 'api.create', target_type: 'api', target_id: '' },
    );
    expected.at(-1)!.target_id = api.id;
    await step('PATCH', `/apis/${api.id}`, { name: 'Audited API' }, { action: 'api.update', target_type: 'api', target_id: api.id });
    const grant = await step(
      'POST',
      '/grants',
      { client_id: 'audited-client', api_id: api.id, scopes: ['r'] },
      { action: 'grant.create', target_type: 'grant', target_id: '' },
    );
    expected.at(-1)!.target_id = grant.id;
    await step('DELETE', `/grants/${grant.id}`, undefined, { action: 'grant.delete', target_type: 'grant', target_id: grant.id });
    const key = await step('POST', '/keys/rotate', undefined, { action: 'key.rotate', target_type: 'signing_key', target_id: '' });
    expected.at(-1)!.target_id = key.kid;
    await step('DELETE', '/clients/audited-client', undefined, { action: 'client.delete', target_type: 'client', target_id: 'audited-client' });
    await step('DELETE', `/service-accounts/${sa.id}`, undefined, { action: 'service_account.delete', target_type: 'service_account', target_id: sa.id });
    await step('DELETE', `/apis/${api.id}`, undefined, { action: 'api.delete', target_type: 'api', target_id: api.id });
    await step('POST', '/tenants', { id: 'audited' }, { action: 'tenant.create', target_type: 'tenant', target_id: 'audited', tenant: 'audited' });
    await step(
      'PATCH',
      '/tenants/audited',
      { name: 'Audited Inc' },
      { action: 'tenant.update', target_type: 'tenant', target_id: 'audited', tenant: 'audited' },
    );
    const tenantClient = await step(
      'POST',
      '/tenants/audited/clients',
      { client_id: 'tenant-client' },
      { action: 'client.create', target_type: 'client', target_id: 'tenant-client', tenant: 'audited' },
    );
    secrets.push(tenantClient.client_secret);
    const limited = await step(
      'POST',
      '/admin-tokens',
      { name: 'limited', tenant: 'audited' },
      { action: 'admin_token.create', target_type: 'admin_token', target_id: '', tenant: 'audited' },
    );
    expected.at(-1)!.target_id = limited.id;
    secrets.push(limited.token);
    const global = await step(
      'POST',
      '/admin-tokens',
      { name: 'temp' },
      { action: 'admin_token.create', target_type: 'admin_token', target_id: '', global: true },
    );
    expected.at(-1)!.target_id = global.id;
    secrets.push(global.token);
    await step('DELETE', `/admin-tokens/${global.id}`, undefined, {
      action: 'admin_token.delete',
      target_type: 'admin_token',
      target_id: global.id,
      global: true,
    });
  });
  after(() => t.close());

  it('records every mutation: actor admin-token:<id>, action, target and the ?reason=', async () => {
    const root = await auditEvents(t, '');
    const tenant = await auditEvents(t, '', 'audited');
    for (const e of expected) {
      const pool = e.tenant ? tenant : root;
      const matches = pool.filter((x) => x.action === e.action && x.target_id === e.target_id && x.reason === e.reason);
      assert.equal(matches.length, 1, `${e.action} ${e.target_id} (${e.reason})`);
      const [event] = matches;
      assert.equal(event.actor, `admin-token:${auditor.id}`);
      assert.equal(event.target_type, e.target_type);
      assert.equal(event.tenant_id, e.global ? null : (e.tenant ?? 'default'));
      assert.match(event.id, /^ev_[0-9a-z]{26}$/);
      assert.match(event.occurred_at, ISO);
    }
    assert.equal(
      root.filter((x) => x.actor === `admin-token:${auditor.id}`).length + tenant.filter((x) => x.actor === `admin-token:${auditor.id}`).length,
      expected.length,
      'one event per mutation, none for reads',
    );
  });

  it('records a tenant deletion where unrestricted tokens can still read it', async () => {
    created(await t.admin('POST', '/tenants', { id: 'short-lived' }));
    assert.equal((await t.admin('DELETE', '/tenants/short-lived?reason=trial%20ended', undefined, { token: auditor.token })).status, 204);
    const events = await auditEvents(t, 'action=tenant.delete');
    assert.equal(events.length, 1);
    assert.equal(events[0].target_id, 'short-lived');
    assert.equal(events[0].reason, 'trial ended');
    assert.equal(events[0].actor, `admin-token:${auditor.id}`);
  });

  it('a mutation without ?reason= is recorded with reason null', async () => {
    const sa = created(await t.admin('POST', '/service-accounts', { user_name: 'no-reason' }));
    const [event] = await auditEvents(t, `target_id=${sa.id}`);
    assert.equal(event.reason, null);
    assert.deepEqual(event.details, { user_name: 'no-reason', display_name: '', active: true, claims: null });
  });

  it('filters by action, target_id, actor and target_type', async () => {
    const creates = await auditEvents(t, 'action=client.create');
    assert.deepEqual(
      creates.map((e) => e.target_id),
      ['audited-client'],
    );
    const byTarget = await auditEvents(t, 'target_id=audited-client');
    assert.deepEqual(
      byTarget.map((e) => e.action),
      ['client.delete', 'client.secret.delete', 'client.secret.create', 'client.update', 'client.create'],
      'newest first',
    );
    const both = await auditEvents(t, 'target_id=audited-client&action=client.update');
    assert.equal(both.length, 1);
    assert.equal(both[0].reason, 'step 4');
    const byActor = await auditEvents(t, `actor=${encodeURIComponent(`admin-token:${auditor.id}`)}&target_type=grant`);
    assert.deepEqual(
      byActor.map((e) => e.action),
      ['grant.delete', 'grant.create'],
    );
    assert.deepEqual(await auditEvents(t, 'action=no.such.action'), []);
  });

  it('never holds a secret value: client secrets, admin tokens', async () => {
    const all = [...(await walkPages(t, '/audit-events', 50)).items, ...(await walkPages(t, '/tenants/audited/audit-events', 50)).items];
    const text = JSON.stringify(all);
    assert.ok(secrets.length >= 6);
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret value is in the audit log');
    assert.ok(!/"client_secret"\s*:/.test(text));
    const logs = t.logs.join('\n');
    for (const secret of secrets) assert.ok(!logs.includes(secret), 'a secret value is in the log');
  });
});

describeEachDialect('admin API: authentication, body rules and public documents', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  it('refuses a NUL character anywhere in the request with 400, the same on every store', async () => {
    for (const path of ['/clients/abc%00', '/service-accounts/sa%00', '/apis/x%00', '/grants/g%00', '/audit-events?target_id=a%00', '/grants?client_id=a%00']) {
      const res = await t.admin('GET', path);
      assert.equal(res.status, 400, `${path}: ${res.text}`);
      assert.equal(res.body.detail, 'the request URL contains a control character', path);
    }
    for (const [method, path, body] of [
      ['POST', '/grants', { client_id: 'a\u0000', api_id: 'x', scopes: ['read'] }],
      ['PATCH', '/clients/any', { client_name: 'ok', audience: ['https://a/\u0000'] }],
    ] as const) {
      const res = await t.admin(method, path, body);
      assert.equal(res.status, 400, `${path}: ${res.text}`);
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
  });

  it('answers 401 with WWW-Authenticate: Bearer without a token, with an unknown token, with another scheme', async () => {
    const cases: [string | null, Record<string, string>, string][] = [
      [null, {}, 'send an admin token: Authorization: Bearer <token> (or start Tessera with TESSERA_ADMIN_AUTH=loopback)'],
      ['tsr_at_not-a-real-token', {}, 'the admin token is not valid'],
      [
        null,
        { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` },
        'the Authorization header must be Bearer <admin token or access token>',
      ],
    ];
    for (const [token, headers, detail] of cases) {
      for (const [method, path, body] of [
        ['GET', '/clients', undefined],
        ['POST', '/clients', {}],
        ['GET', '/tenants/default/apis', undefined],
        ['GET', '/tenants', undefined],
        ['POST', '/admin-tokens', { name: 'x' }],
        ['GET', '/audit-events', undefined],
      ] as const) {
        const res = await t.admin(method, path, body, { token, headers });
        assertProblem(res, { status: 401, detail, instance: path });
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="tessera-admin"');
      }
    }
    assert.deepEqual(ok(await t.admin('GET', '/clients')).items, [], 'the refused POSTs created nothing');
  });

  it('answers 413 for a body over 256 KiB, and accepts one of exactly 256 KiB', async () => {
    const sized = (bytes: number) => {
      const head = '{"user_name":"big","display_name":"';
      const tail = '"}';
      return `${head}${'a'.repeat(bytes - head.length - tail.length)}${tail}`;
    };
    assert.equal(sized(256 * 1024).length, 262_144);
    assertProblem(await t.admin('POST', '/service-accounts', sized(256 * 1024 + 1)), {
      status: 413,
      detail: 'the request body is too large',
      instance: '/service-accounts',
    });
    assertProblem(await t.admin('POST', '/service-accounts', sized(256 * 1024)), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/service-accounts',
      errors: [{ pointer: '/display_name', detail: 'must NOT have more than 200 characters' }],
    });
  });

  it('answers 415 for a form body that is not a JSON object, 400 for broken JSON', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    assertProblem(await t.admin('POST', '/service-accounts', 'user_name=abc&active=true', { headers: form }), {
      status: 415,
      detail: 'send a JSON object (Content-Type: application/json)',
      instance: '/service-accounts',
    });
    assertProblem(await t.admin('POST', '/service-accounts', '<user_name>abc</user_name>', { headers: { 'content-type': 'application/xml' } }), {
      status: 415,
      detail: 'send a JSON object (Content-Type: application/json)',
      instance: '/service-accounts',
    });
    for (const headers of [form, { 'content-type': 'application/json' }]) {
      assertProblem(await t.admin('POST', '/service-accounts', '{"user_name": ', { headers }), {
        status: 400,
        detail: 'the request body is not valid JSON',
        instance: '/service-accounts',
      });
    }
    assert.deepEqual(ok(await t.admin('GET', '/service-accounts')).items, []);
  });

  it('answers 404 problem+json for an unknown route', async () => {
    assertProblem(await t.admin('GET', '/no-such-thing'), { status: 404, detail: 'no route GET /no-such-thing', instance: '/no-such-thing' });
  });

  it('serves /openapi.json without a token: OpenAPI 3 listing the main paths', async () => {
    const res = await t.admin('GET', '/openapi.json', undefined, { token: null });
    const doc = ok(res);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    assert.match(doc.openapi, /^3\.\d+\.\d+$/);
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/clients',
      '/client',
      '/clients/{client_id}',
      '/clients/{client_id}/secrets',
      '/clients/{client_id}/secrets/{secret_id}',
      '/service-accounts',
      '/service-accounts/{id}',
      '/api/v1/resources/cid/ServiceAccount',
      '/apis',
      '/apis/{id}',
      '/grants',
      '/grants/{id}',
      '/keys',
      '/keys/rotate',
      '/audit-events',
      '/tenants',
      '/tenants/{tenant}',
      '/tenants/{tenant}/clients',
      '/tenants/{tenant}/clients/{client_id}/secrets',
      '/tenants/{tenant}/service-accounts',
      '/tenants/{tenant}/apis',
      '/tenants/{tenant}/grants',
      '/tenants/{tenant}/keys',
      '/tenants/{tenant}/audit-events',
      '/admin-tokens',
      '/admin-tokens/{id}',
    ]) {
      assert.ok(paths.includes(p), `${p} is missing from the OpenAPI document`);
    }
    assert.ok(!paths.some((p) => p.includes('/tenants/{tenant}/tenants/')), 'no doubled tenant prefix');
    assert.ok(doc.paths['/clients'].post && doc.paths['/clients'].get);
    assert.ok(doc.paths['/clients/{client_id}'].get && doc.paths['/clients/{client_id}'].patch && doc.paths['/clients/{client_id}'].delete);
    assert.equal(doc.components.schemas.Client.properties.client_secret, undefined, 'a read never documents a secret');
  });

  it('answers /health/alive and /health/ready without a token', async () => {
    const alive = await t.admin('GET', '/health/alive', undefined, { token: null });
    assert.deepEqual(ok(alive), { status: 'alive' });
    const ready = await t.admin('GET', '/health/ready', undefined, { token: null });
    assert.deepEqual(ok(ready), { status: 'ready' });
  });

  it('without TESSERA_ADMIN_AUTH=loopback, a loopback caller without a token is refused', async () => {
    assertProblem(await t.admin('POST', '/clients', { client_id: 'no-auth' }, { token: null }), {
      status: 401,
      detail: 'send an admin token: Authorization: Bearer <token> (or start Tessera with TESSERA_ADMIN_AUTH=loopback)',
      instance: '/clients',
    });
  });
});

describeEachDialect('admin API: TESSERA_ADMIN_AUTH=loopback', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect, env: { TESSERA_ADMIN_AUTH: 'loopback' } });
  });
  after(() => t.close());

  it('lets a loopback caller without Authorization create a client, audited as local-operator', async () => {
    const c = created(await t.admin('POST', '/clients?reason=local', { client_id: 'local-client', audience: ['https://local.test/'] }, { token: null }));
    assert.match(c.client_secret, GENERATED_SECRET);
    assert.equal(ok(await t.admin('GET', '/clients/local-client', undefined, { token: null })).client_id, 'local-client');
    const [event] = await auditEvents(t, 'target_id=local-client');
    assert.equal(event.actor, 'local-operator');
    assert.equal(event.reason, 'local');
    assert.equal((await tokenRequest(t, '/oauth2/token', 'local-client', c.client_secret)).status, 200);
  });

  it('still refuses a wrong bearer token', async () => {
    const res = await t.admin('GET', '/clients', undefined, { token: 'wrong-token' });
    assertProblem(res, { status: 401, detail: 'the admin token is not valid', instance: '/clients' });
  });

  it('never trusts a browser: a rebound Host, an Origin or Fetch metadata need a token', async () => {
    const refused = 'send an admin token: Authorization: Bearer <token> (or start Tessera with TESSERA_ADMIN_AUTH=loopback)';
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }] as Record<string, string>[]) {
      const res = await t.admin('POST', '/admin-tokens', { name: 'stolen' }, { token: null, headers });
      assertProblem(res, { status: 401, detail: refused, instance: '/admin-tokens' });
    }
    const rebound = await new Promise<number>((resolve, reject) => {
      const url = new URL(t.adminUrl);
      const req = request({ host: url.hostname, port: url.port, path: '/clients', headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(rebound, 401, 'a DNS-rebound Host header is not a loopback caller');
    for (const host of ['localhost', '[::1]']) {
      assert.equal((await t.admin('GET', '/clients', undefined, { token: null, headers: { host } })).status, 200, host);
    }
  });
});

describeEachDialect('admin API: body reading, limited tokens and audit detail', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  it('reads a JSON object sent as text/plain, like one sent with no JSON type', async () => {
    const res = await t.admin('POST', '/service-accounts', '{"user_name":"plain-text"}', { headers: { 'content-type': 'text/plain' } });
    assert.equal(created(res).user_name, 'plain-text');
  });

  it('refuses a token limited to another tenant before looking at the body', async () => {
    created(await t.admin('POST', '/tenants', { id: 'limited' }));
    const limited = created(await t.admin('POST', '/admin-tokens', { name: 'limited', tenant: 'limited' }));
    const res = await t.admin('POST', '/clients', { not_a_field: true }, { token: limited.token });
    assertProblem(res, { status: 403, detail: 'this admin token is limited to tenant limited', instance: '/clients' });
  });

  it('names the secret added or removed in the audit log, without its value', async () => {
    const c = await createClient(t, { audience: ['https://api.test'] });
    const added = created(await t.admin('POST', `/clients/${c.clientId}/secrets?reason=rotation`, { expires_in: 30 }));
    const events = await auditEvents(t, 'action=client.secret.create');
    assert.equal(events[0].details.secret_id, added.id);
    assert.equal(events[0].details.old_secrets_expire_in, 30);
    assert.ok(!JSON.stringify(events).includes(added.client_secret));
  });
});
