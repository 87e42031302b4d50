import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { manualClock, ok } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { assertDocumentRefused, assertTokenTooLarge } from '../helpers/refusals.js';
import { testKey } from '../helpers/keys.js';
import { decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';
import { issueToken } from '../helpers/tokens.js';

const ORDERS = 'https://orders.example/';

describeEachDialect('configuration documents: claims and claim_mappings (docs/claims.md)', (dialect) => {
  let t: TestTessera;

  before(async () => {
    t = await startTessera({ dialect, clock: manualClock('2031-05-01T00:00:00.000Z') });
  });
  after(() => t.close());

  it('applies claims on APIs, service accounts and clients and claim_mappings, exports them, and re-applies the export unchanged', async () => {
    const key = await testKey('ES256', 'ci-key');
    const tenant = {
      id: 'claims',
      apis: [{ identifier: ORDERS, claims: { team: 'orders', limits: { rps: 10 } } }],
      service_accounts: [{ user_name: 'billing', claims: { env: 'prod' } }],
      clients: [
        { client_id: 'billing-worker', audience: [ORDERS], service_account: 'billing', claims: { env: 'staging', tier: 2 } },
        {
          client_id: 'deployer',
          token_endpoint_auth_method: 'federated',
          grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
          federated_credentials: [{ issuer: 'https://ci.example', subject: 'repo:acme/app:ref:refs/heads/main' }],
          claim_mappings: { repo: 'repository' },
        },
      ],
      federated_issuers: [{ issuer: 'https://ci.example', jwks: { keys: [key.publicJwk] } }],
    };
    const applied = ok(await t.admin('POST', '/config/apply', { version: 1, tenants: [tenant] }));
    const secret = applied.secrets.find((s: { client_id: string }) => s.client_id === 'billing-worker').client_secret;
    const token = decodeJwt(await issueToken(t, { clientId: 'billing-worker', secret }, {}, 'claims')).payload;
    assert.deepEqual([token.team, token.limits, token.env, token.tier], ['orders', { rps: 10 }, 'staging', 2]);

    const exported = ok(await t.admin('GET', '/config/export?tenant=claims')).tenants[0];
    assert.deepEqual(exported.apis, tenant.apis);
    assert.deepEqual(exported.service_accounts, tenant.service_accounts);
    assert.deepEqual(exported.clients, tenant.clients);
    const again = ok(await t.admin('POST', '/config/apply', { version: 1, tenants: [exported] }));
    assert.deepEqual(
      again.changes.filter((c: { action: string }) => c.action !== 'unchanged'),
      [],
    );

    // Omitted is null: a document without the members takes the claims away.
    const without = { ...tenant, apis: [{ identifier: ORDERS }], service_accounts: [{ user_name: 'billing' }] };
    const changed = ok(await t.admin('POST', '/config/apply', { version: 1, tenants: [without] }));
    assert.deepEqual(
      changed.changes.filter((c: { action: string }) => c.action === 'update').map((c: { key: string; fields: string[] }) => [c.key, c.fields]),
      [
        [ORDERS, ['claims']],
        ['billing', ['claims']],
      ],
    );
    assert.equal(ok(await t.admin('GET', '/tenants/claims/clients/billing-worker')).claims.tier, 2);
  });

  it('refuses protected names and mappings on a client that is not federated, with pointers into the document', async () => {
    const doc = {
      version: 1,
      tenants: [
        {
          id: 'claims-bad',
          apis: [{ identifier: ORDERS, claims: { aud: 'x' } }],
          service_accounts: [{ user_name: 'billing', claims: 'text' }],
          clients: [{ client_id: 'worker', claims: { scope: 'all' }, claim_mappings: { repo: 'repository' } }],
        },
      ],
    };
    await assertDocumentRefused(t, doc, [
      { pointer: '/tenants/0/apis/0/claims/aud', detail: '"aud" is a protected claim: Tessera sets it' },
      { pointer: '/tenants/0/service_accounts/0/claims', detail: 'must be a JSON object or null' },
      { pointer: '/tenants/0/clients/0/claim_mappings', detail: 'claim_mappings are used only with token_endpoint_auth_method federated' },
      { pointer: '/tenants/0/clients/0/claims/scope', detail: '"scope" is a protected claim: Tessera sets it' },
    ]);
    assert.equal((await t.admin('GET', '/tenants/claims-bad')).status, 404, 'nothing was written');
  });

  it('refuses a document whose tokens could exceed 8 KiB, pointing at the client', async () => {
    const large = (prefix: string) => Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`${prefix}${i}`, 'v'.repeat(990)]));
    const doc = {
      version: 1,
      tenants: [
        {
          id: 'claims-large',
          apis: [{ identifier: ORDERS, claims: large('a') }],
          clients: [{ client_id: 'small' }, { client_id: 'worker', audience: [ORDERS], claims: large('c') }],
        },
      ],
    };
    const res = await t.admin('POST', '/config/apply', doc);
    assertTokenTooLarge(res, '/tenants/0/clients/1/claims');
    assert.equal((await t.admin('GET', '/tenants/claims-large')).status, 404, 'nothing was written');
    doc.tenants[0]!.clients[1]!.claims = { c0: 'small' };
    ok(await t.admin('POST', '/config/apply', doc));
  });
});
