import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { largestTokenBytes } from '../../src/domain/claims/token-size.js';
import { assertProblem, created, manualClock, ok, type ManualClock } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { assertTokenTooLarge } from '../helpers/refusals.js';
import { inlineIssuer, JWT_BEARER_GRANT, platformToken, registerIssuer } from '../helpers/federation.js';
import { createClient } from '../helpers/fixtures.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { basic, startTessera, type TestTessera } from '../helpers/tessera.js';

const ORDERS = 'https://orders.test';
const BILLING = 'https://billing.test';
const GITHUB = 'https://token.actions.githubusercontent.com';
const GH_SUB = 'repo:acme/app:ref:refs/heads/main';
/** The member names every token carries (RFC 9068 §2.2), besides configured and mapped claims. */
const STANDARD = ['aud', 'client_id', 'exp', 'iat', 'iss', 'jti', 'sub'];

describeEachDialect('claims: configured on APIs, service accounts and clients, mapped from federated tokens (docs/claims.md)', (dialect) => {
  let t: TestTessera;
  let clock: ManualClock;
  let gh: TestKey;
  let ordersId: string;
  let billingId: string;
  let accountId: string;
  let worker: { clientId: string; secret: string };

  /** A token of `client` for `audiences` (in that order), verified with jose against the tenant's JWKS. */
  async function verifiedToken(client: { clientId: string; secret: string }, audiences: string[]): Promise<JWTPayload> {
    const res = await t.form(
      '/oauth2/token',
      { grant_type: 'client_credentials', audience: audiences },
      { authorization: basic(client.clientId, client.secret) },
    );
    assert.equal(res.status, 200, res.text);
    const jwks = createRemoteJWKSet(new URL(`${t.publicUrl}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(res.body.access_token, jwks, { issuer: t.publicUrl, typ: 'at+jwt' });
    return payload;
  }

  /** The members of a token other than the standard ones. */
  const added = (payload: JWTPayload) => Object.fromEntries(Object.entries(payload).filter(([name]) => !STANDARD.includes(name)));

  before(async () => {
    clock = manualClock('2030-01-01T00:00:00.000Z');
    t = await startTessera({ dialect, clock });
    gh = await testKey('RS256', 'gh-1');
    ordersId = created(await t.admin('POST', '/apis', { identifier: ORDERS, claims: { team: 'orders', region: 'eu', orders: true } })).id;
    billingId = created(await t.admin('POST', '/apis', { identifier: BILLING, claims: { team: 'billing', billing: [1, 2] } })).id;
    accountId = created(await t.admin('POST', '/service-accounts', { user_name: 'worker', claims: { env: 'prod', owner: 'platform' } })).id;
    worker = await createClient(t, { client_id: 'worker', audience: [ORDERS, BILLING], service_account_id: accountId, claims: { env: 'staging' } });
    await registerIssuer(t, inlineIssuer('default', GITHUB, [gh]));
  });
  after(() => t.close());

  it('adds the claims of each API in audience order, then the service account, then the client: later wins per name', async () => {
    assert.deepEqual(added(await verifiedToken(worker, [ORDERS])), { team: 'orders', region: 'eu', orders: true, env: 'staging', owner: 'platform' });
    assert.deepEqual(added(await verifiedToken(worker, [ORDERS, BILLING])), {
      team: 'billing',
      region: 'eu',
      orders: true,
      billing: [1, 2],
      env: 'staging',
      owner: 'platform',
    });
    assert.deepEqual(added(await verifiedToken(worker, [BILLING, ORDERS])).team, 'orders', 'the last audience named wins');
    const payload = await verifiedToken(worker, [ORDERS]);
    assert.equal(payload.sub, accountId, 'sub stays the service account');
    assert.equal(payload.client_id, 'worker');
  });

  it('answers claims on reads, and a change reaches the next token (null removes them)', async () => {
    assert.deepEqual(ok(await t.admin('GET', '/clients/worker')).claims, { env: 'staging' });
    assert.deepEqual(ok(await t.admin('GET', `/apis/${ordersId}`)).claims, { team: 'orders', region: 'eu', orders: true });
    assert.deepEqual(ok(await t.admin('GET', `/service-accounts/${accountId}`)).claims, { env: 'prod', owner: 'platform' });
    ok(await t.admin('PATCH', '/clients/worker', { claims: null }));
    ok(await t.admin('PATCH', `/apis/${ordersId}`, { claims: { team: 'orders-2' } }));
    assert.deepEqual(added(await verifiedToken(worker, [ORDERS])), { team: 'orders-2', env: 'prod', owner: 'platform' });
    ok(await t.admin('PATCH', `/service-accounts/${accountId}`, { claims: null }));
    ok(await t.admin('PATCH', `/apis/${ordersId}`, { claims: null }));
    assert.deepEqual(added(await verifiedToken(worker, [ORDERS])), {});
    assert.equal(ok(await t.admin('GET', `/apis/${billingId}`)).claims.team, 'billing');
  });

  it('refuses protected names, what is not an object, and an object larger than 4 KiB: 422 naming the member', async () => {
    assertProblem(await t.admin('POST', '/clients', { client_id: 'bad', claims: { sub: 'x', iss: 'y', federated: {}, ok: 1 } }), {
      status: 422,
      detail: 'the client metadata is not valid',
      instance: '/clients',
      errors: [
        { pointer: '/claims/sub', detail: '"sub" is a protected claim: Tessera sets it' },
        { pointer: '/claims/iss', detail: '"iss" is a protected claim: Tessera sets it' },
        { pointer: '/claims/federated', detail: '"federated" is a protected claim: Tessera sets it' },
      ],
    });
    assertProblem(await t.admin('POST', '/apis', { identifier: 'https://x.test', claims: ['a'] }), {
      status: 422,
      detail: 'the API is not valid',
      instance: '/apis',
      errors: [{ pointer: '/claims', detail: 'must be a JSON object or null' }],
    });
    assertProblem(await t.admin('PATCH', `/service-accounts/${accountId}`, { claims: { act: {}, 'a/b': 1, may_act: 1 } }), {
      status: 422,
      detail: 'the service account is not valid',
      instance: `/service-accounts/${accountId}`,
      errors: [
        { pointer: '/claims/act', detail: '"act" is a protected claim: Tessera sets it' },
        { pointer: '/claims/may_act', detail: '"may_act" is a protected claim: Tessera sets it' },
      ],
    });
    // {"big":"…"} is 10 bytes besides the value; "é" is two bytes of UTF-8.
    ok(await t.admin('PATCH', '/clients/worker', { claims: { big: 'x'.repeat(4086) } }));
    assertProblem(await t.admin('PATCH', '/clients/worker', { claims: { big: `${'x'.repeat(4085)}é` } }), {
      status: 422,
      detail: 'the client metadata is not valid',
      instance: '/clients/worker',
      errors: [{ pointer: '/claims', detail: 'is 4097 bytes as UTF-8 JSON; the most is 4096' }],
    });
    assert.equal(ok(await t.admin('GET', '/clients/worker')).claims.big.length, 4086, 'the refused change left the client as it was');
    ok(await t.admin('PATCH', '/clients/worker', { claims: null }));
  });

  it('refuses a configuration whose tokens could exceed 8 KiB, at configuration time', async () => {
    const large = (prefix: string) => Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`${prefix}${i}`, 'v'.repeat(990)]));
    ok(await t.admin('PATCH', '/clients/worker', { claims: large('c') }));
    const refused = await t.admin('PATCH', `/service-accounts/${accountId}`, { claims: large('s') });
    const bytes = largestTokenBytes({
      subject: accountId,
      clientId: 'worker',
      federated: false,
      audiences: [ORDERS, BILLING],
      scopes: [],
      claims: [null, { team: 'billing', billing: [1, 2] }, large('s'), large('c')],
      mappings: null,
    });
    // 2 × 4 × 1000 bytes of claims, as base64url, are over 10 000 characters alone.
    assert.ok(bytes > 10_000, String(bytes));
    assertProblem(refused, {
      status: 422,
      detail: 'the service account is not valid',
      instance: `/service-accounts/${accountId}`,
      errors: [{ pointer: '/claims', detail: `a token of client "worker" could be ${bytes} bytes, more than 8192 (docs/claims.md#token-size)` }],
    });
    assert.equal(ok(await t.admin('GET', `/service-accounts/${accountId}`)).claims, null, 'nothing was written');
    const viaApi = await t.admin('PATCH', `/apis/${ordersId}`, { claims: large('a') });
    assert.equal(viaApi.status, 422, viaApi.text);
    assert.equal(viaApi.body.errors[0].pointer, '/claims');
    ok(await t.admin('PATCH', '/clients/worker', { claims: null }));
    ok(await t.admin('PATCH', `/service-accounts/${accountId}`, { claims: large('s') }));
    assertProblem(await t.admin('PATCH', '/clients/worker', { claims: large('c') }), {
      status: 422,
      detail: 'the client metadata is not valid',
      instance: '/clients/worker',
      errors: [{ pointer: '/claims', detail: `a token of client "worker" could be ${bytes} bytes, more than 8192 (docs/claims.md#token-size)` }],
    });
    ok(await t.admin('PATCH', `/service-accounts/${accountId}`, { claims: null }));

    // A grant that gives the client one more API with claims.
    ok(await t.admin('PATCH', '/clients/worker', { claims: large('c') }));
    const big = created(await t.admin('POST', '/apis', { identifier: 'https://big.test', claims: large('b') }));
    const grant = await t.admin('POST', '/grants', { client_id: 'worker', api_id: big.id, scopes: [] });
    assertTokenTooLarge(grant, '/scopes');
    assert.equal(grant.body.detail, 'the grant is not valid');
    assert.deepEqual(ok(await t.admin('GET', '/grants?client_id=worker')).items, [], 'nothing was written');
    assert.equal((await t.admin('DELETE', `/apis/${big.id}`)).status, 204);
    ok(await t.admin('PATCH', '/clients/worker', { claims: null }));
  });

  it('refuses a client without claims of its own whose tokens would carry stored claims over 8 KiB, and writes nothing', async () => {
    const large = (prefix: string) => Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`${prefix}${i}`, 'v'.repeat(990)]));
    // Each fits alone (no client may target the API, no client uses the account yet).
    const account = created(await t.admin('POST', '/service-accounts', { user_name: 'large', claims: large('s') }));
    const api = created(await t.admin('POST', '/apis', { identifier: 'https://large.test', claims: large('a') }));
    const refused = await t.admin('POST', '/clients', { client_id: 'plain', service_account_id: account.id, audience: ['https://large.test'] });
    assert.equal(refused.status, 422, refused.text);
    assert.equal(refused.body.errors[0].pointer, '/claims');
    assert.match(refused.body.errors[0].detail, /^a token of client "plain" could be \d+ bytes, more than 8192/);
    assert.equal((await t.admin('GET', '/clients/plain')).status, 404, 'the refused client was written');
    ok(await t.admin('PATCH', `/apis/${api.id}`, { claims: null }));
    created(await t.admin('POST', '/clients', { client_id: 'plain', service_account_id: account.id, audience: ['https://large.test'] }));
    assert.equal((await t.admin('DELETE', '/clients/plain')).status, 204);
    assert.equal((await t.admin('DELETE', `/apis/${api.id}`)).status, 204);
    assert.equal((await t.admin('DELETE', `/service-accounts/${account.id}`)).status, 204);
  });

  it('claim_mappings: only on federated clients, never into a protected name', async () => {
    assertProblem(await t.admin('PATCH', '/clients/worker', { claim_mappings: { repo: 'repository' } }), {
      status: 422,
      detail: 'the client metadata is not valid',
      instance: '/clients/worker',
      errors: [{ pointer: '/claim_mappings', detail: 'claim_mappings are used only with token_endpoint_auth_method federated' }],
    });
    const body = {
      client_id: 'deploy',
      token_endpoint_auth_method: 'federated',
      grant_types: [JWT_BEARER_GRANT],
      audience: [ORDERS],
      federated_credentials: [{ issuer: GITHUB, subject: GH_SUB }],
    };
    assertProblem(await t.admin('POST', '/clients', { ...body, claim_mappings: { sub: 'repository', scope: 'ref' } }), {
      status: 422,
      detail: 'the client metadata is not valid',
      instance: '/clients',
      errors: [
        { pointer: '/claim_mappings/sub', detail: '"sub" is a protected claim: Tessera sets it' },
        { pointer: '/claim_mappings/scope', detail: '"scope" is a protected claim: Tessera sets it' },
      ],
    });
  });

  it('copies a mapped claim only when the verified federated token carries it, with its JSON type, after the static claims', async () => {
    const mappings = { repo: 'repository', run: 'run_number', protected_ref: 'ref_protected', labels: 'runner_labels', missing: 'not_in_token' };
    const client = created(
      await t.admin('POST', '/clients', {
        client_id: 'deploy',
        token_endpoint_auth_method: 'federated',
        grant_types: [JWT_BEARER_GRANT],
        audience: [ORDERS],
        federated_credentials: [{ issuer: GITHUB, subject: GH_SUB }],
        claims: { repo: 'static', stage: 'deploy' },
        claim_mappings: mappings,
      }),
    );
    assert.deepEqual(client.claim_mappings, mappings);
    const exchange = async (claims: Record<string, unknown>) => {
      const assertion = await platformToken(gh, clock, { iss: GITHUB, sub: GH_SUB, aud: t.publicUrl, ...claims });
      const res = await t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion });
      assert.equal(res.status, 200, res.text);
      const { payload } = await jwtVerify(res.body.access_token, createRemoteJWKSet(new URL(`${t.publicUrl}/.well-known/jwks.json`)), {
        issuer: t.publicUrl,
        audience: ORDERS,
        typ: 'at+jwt',
      });
      return payload;
    };
    const present = await exchange({ repository: 'acme/app', run_number: 42, ref_protected: true, runner_labels: ['linux', 'x64'] });
    assert.deepEqual(added(present), {
      repo: 'acme/app',
      stage: 'deploy',
      run: 42,
      protected_ref: true,
      labels: ['linux', 'x64'],
      federated: { iss: GITHUB, sub: GH_SUB },
    });
    const absent = await exchange({});
    assert.deepEqual(added(absent), { repo: 'static', stage: 'deploy', federated: { iss: GITHUB, sub: GH_SUB } }, 'no mapped claim is set');
    // A value over the per-value cap (512 bytes of JSON) is left out.
    assert.deepEqual(added(await exchange({ repository: 'r'.repeat(600) })).repo, 'static');
  });
});
