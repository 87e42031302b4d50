import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { parse } from 'yaml';
import { assertProblem, created, manualClock, ok } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { assertDocumentRefused } from '../helpers/refusals.js';
import { createClient } from '../helpers/fixtures.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';
import { testKey } from '../helpers/keys.js';
import { basic } from '../helpers/tessera.js';
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

const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };

describeEachDialect('POST /config/apply and GET /config/export', (dialect) => {
  let t: TestTessera;
  /** The secret apply returned for client `reporting` of tenant shop. */
  let reportingSecret = '';

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
    reportingSecret = applied.secrets[1].client_secret as string;
    const reporting = { clientId: 'reporting', secret: reportingSecret };
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
    assertProblem(await t.admin('GET', '/config/export?tenant=nowhere'), {
      status: 404,
      detail: 'tenant "nowhere" does not exist',
      instance: '/config/export',
    });
    const plan = ok(await t.admin('POST', '/config/apply?dry_run=true', exported));
    assert.deepEqual(
      plan.changes.filter((c: { action: string }) => c.action !== 'unchanged'),
      [],
    );
  });

  it('an invalid document changes nothing and points at every bad field', async () => {
    const bad = shopDocument({ grants: [{ client: 'reporting', api: 'https://orders.example/', scopes: ['orders:read', 'orders:delete'] }] });
    bad.tenants[0]?.clients?.push({ client_id: 'newcomer' });
    await assertDocumentRefused(t, bad, [{ pointer: '/tenants/0/grants/0/scopes/1', detail: 'the API does not define scope "orders:delete"' }]);
    assert.equal((await t.admin('GET', '/tenants/shop/clients/newcomer')).status, 404);
  });

  it('prune deletes managed objects the document no longer names, in the tenants it names only, never hand-made ones', async () => {
    await createClient(t, { client_id: 'by-hand' }, 'shop');
    ok(await t.admin('POST', '/config/apply', { version: 1, tenants: [{ id: 'other', clients: [{ client_id: 'elsewhere' }] }] }));
    await issueToken(t, { clientId: 'reporting', secret: reportingSecret }, {}, 'shop');
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
    assert.equal((await t.admin('GET', '/tenants/other/clients/elsewhere')).status, 200);
    // The read model dropped the client with the apply: its secret no longer works.
    const refused = await t.form('/t/shop/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic('reporting', reportingSecret) });
    assert.equal(refused.status, 401, refused.text);
    assert.deepEqual(refused.body, INVALID_CLIENT);
  });

  it('adopts an identical hand-made object as unchanged; once named, prune may delete it (a plan only lists the delete)', async () => {
    ok(await t.admin('POST', '/config/apply', { version: 1, tenants: [{ id: 'adopt' }] }));
    created(await t.admin('POST', '/tenants/adopt/apis', { identifier: 'https://legacy.example/', scopes: [{ value: 'read' }] }));
    const legacy = { identifier: 'https://legacy.example/', scopes: [{ value: 'read' }] };
    const adopted = ok(await t.admin('POST', '/config/apply', { version: 1, tenants: [{ id: 'adopt', apis: [legacy] }] }));
    assert.deepEqual(kinds(adopted.changes), ['unchanged tenant adopt', 'unchanged api https://legacy.example/']);
    const plan = ok(await t.admin('POST', '/config/apply?prune=true&dry_run=true', { version: 1, tenants: [{ id: 'adopt' }] }));
    assert.deepEqual(kinds(plan.changes), ['unchanged tenant adopt', 'delete api https://legacy.example/']);
    assert.equal(ok(await t.admin('GET', '/tenants/adopt/apis')).items.length, 2, 'the built-in API and the adopted one');
    ok(await t.admin('POST', '/config/apply?prune=true', { version: 1, tenants: [{ id: 'adopt' }] }));
    assert.deepEqual(
      ok(await t.admin('GET', '/tenants/adopt/apis')).items.map((a: { identifier: string }) => a.identifier),
      ['urn:tessera:admin'],
    );
  });

  it('refuses repeated natural keys, and the built-in API with more than its token lifetime', async () => {
    const doc = {
      version: 1,
      tenants: [
        {
          id: 'shop',
          apis: [{ identifier: 'urn:tessera:admin', access_token_ttl: 600, scopes: [{ value: 'admin' }] }],
          clients: [{ client_id: 'twin' }, { client_id: 'twin', client_name: 'again' }],
          grants: [
            { client: 'twin', api: 'urn:tessera:admin', scopes: [] },
            { client: 'twin', api: 'urn:tessera:admin', scopes: [] },
          ],
        },
        { id: 'shop' },
      ],
    };
    await assertDocumentRefused(t, doc, [
      { pointer: '/tenants/1/id', detail: 'tenant "shop" is already at /tenants/0' },
      { pointer: '/tenants/0/clients/1/client_id', detail: 'client "twin" is already at /tenants/0/clients/0' },
      { pointer: '/tenants/0/grants/1', detail: 'grant "client:twin>urn:tessera:admin" is already at /tenants/0/grants/0' },
    ]);
    doc.tenants.pop();
    doc.tenants[0]?.clients?.pop();
    doc.tenants[0]?.grants?.pop();
    await assertDocumentRefused(t, doc, [
      { pointer: '/tenants/0/apis/0/scopes', detail: 'the built-in API urn:tessera:admin: only access_token_ttl can change' },
    ]);
    const ttlOnly = { version: 1, tenants: [{ id: 'shop', apis: [{ identifier: 'urn:tessera:admin', access_token_ttl: 600 }] }] };
    const applied = ok(await t.admin('POST', '/config/apply', ttlOnly));
    assert.deepEqual(applied.changes[1], {
      action: 'update',
      kind: 'api',
      tenant: 'shop',
      key: 'urn:tessera:admin',
      fields: ['access_token_ttl'],
      diff: { access_token_ttl: { from: null, to: 600 } },
    });
    const exported = ok(await t.admin('GET', '/config/export?tenant=shop'));
    assert.deepEqual(exported.tenants[0].apis[0], {
      identifier: 'https://orders.example/',
      scopes: [{ value: 'orders:read' }, { value: 'orders:write', description: 'change orders' }],
    });
    assert.deepEqual(exported.tenants[0].apis[1], { identifier: 'urn:tessera:admin', access_token_ttl: 600 });
  });

  it('a caller limited to a tenant applies documents of that tenant only, and hands out no admin scope it does not hold', async () => {
    const limited = created(await t.admin('POST', '/admin-tokens', { name: 'shop ci', tenant: 'shop', scopes: ['config:write'] })).token as string;
    const as = (doc: unknown) => t.admin('POST', '/config/apply', doc, { token: limited });
    assert.equal((await as({ version: 1, tenants: [{ id: 'shop', service_accounts: [{ user_name: 'billing', display_name: 'Billing' }] }] })).status, 200);
    for (const id of ['other', 'newco']) {
      assertProblem(await as({ version: 1, tenants: [{ id }] }), {
        status: 403,
        detail: `a caller limited to tenant shop cannot apply a document that names tenant ${id}`,
        instance: '/config/apply',
      });
    }
    assert.equal((await t.admin('GET', '/tenants/newco')).status, 404);
    const escalating = { version: 1, tenants: [{ id: 'shop', grants: [{ service_account: 'billing', api: 'urn:tessera:admin', scopes: ['clients:read'] }] }] };
    assertProblem(await as(escalating), {
      status: 403,
      detail: 'a grant on urn:tessera:admin would hold scopes the caller does not hold: clients:read',
      instance: '/config/apply',
      extensions: { excess_scopes: ['clients:read'] },
    });
    assert.equal((await t.admin('GET', '/tenants/shop/grants')).body.items.length, 0);
    assert.deepEqual(
      ok(await t.admin('GET', '/config/export', undefined, { token: limited })).tenants.map((x: { id: string }) => x.id),
      ['shop'],
    );
    assertProblem(await t.admin('GET', '/config/export?tenant=other', undefined, { token: limited }), {
      status: 403,
      detail: 'a caller limited to tenant shop cannot export tenant other',
      instance: '/config/export',
    });
  });

  it('audits one config.apply event and one event per change, with the reason; a plan records nothing', async () => {
    const doc = { version: 1, tenants: [{ id: 'audited', apis: [{ identifier: 'https://audited.example/' }], clients: [{ client_id: 'audited-client' }] }] };
    ok(await t.admin('POST', '/config/apply?dry_run=true&reason=plan', doc));
    ok(await t.admin('POST', '/config/apply?reason=JIRA-23', doc));
    const events = ok(await t.admin('GET', '/tenants/audited/audit-events')).items as { action: string; target_id: string; reason: string; details: unknown }[];
    const byAction = new Map(events.map((e) => [e.action, e]));
    assert.deepEqual([...byAction.keys()].sort(), ['api.create', 'client.create', 'tenant.create']);
    assert.deepEqual(byAction.get('client.create')?.details, { via: 'config.apply', key: 'audited-client' });
    assert.equal(byAction.get('client.create')?.target_id, 'audited-client');
    assert.ok(events.every((e) => e.reason === 'JIRA-23'));
    const applies = (ok(await t.admin('GET', '/audit-events?action=config.apply')).items as { target_id: string; reason: string; details: unknown }[]).filter(
      (e) => e.target_id === 'audited',
    );
    assert.deepEqual(
      applies.map((e) => [e.reason, e.details]),
      [['JIRA-23', { dry_run: false, prune: false, created: 3, updated: 0, deleted: 0, unchanged: 0 }]],
    );
    const renamed = ok(await t.admin('POST', '/config/apply?reason=rename', { ...doc, tenants: [{ ...doc.tenants[0], name: 'Audited' }] }));
    assert.equal(renamed.changes[0].action, 'update');
    const update = ok(await t.admin('GET', '/tenants/audited/audit-events?action=tenant.update')).items[0];
    assert.deepEqual([update.reason, update.details], ['rename', { via: 'config.apply', key: 'audited', fields: ['name'] }]);
  });

  it('a client given a secret through client_secrets authenticates with it; the answer does not repeat it', async () => {
    const secret = 'imported-secret-0123456789abcdef';
    const res = ok(
      await t.admin('POST', '/config/apply', {
        version: 1,
        tenants: [{ id: 'shop', clients: [{ client_id: 'from-keycloak', audience: ['https://orders.example/'] }, { client_id: 'fresh' }] }],
        client_secrets: [{ tenant: 'shop', client_id: 'from-keycloak', client_secret: secret }],
      }),
    );
    assert.deepEqual(
      res.secrets.map((s: { client_id: string }) => s.client_id),
      ['fresh'],
    );
    assert.ok(!JSON.stringify(res).includes(secret));
    await issueToken(t, { clientId: 'from-keycloak', secret }, {}, 'shop');
  });

  it('takes YAML and exports YAML (format=yaml or Accept)', async () => {
    const yamlDoc = 'version: 1\ntenants:\n  - id: yaml-tenant\n    clients:\n      - client_id: from-yaml\n        client_name: From YAML\n';
    const res = ok(await t.admin('POST', '/config/apply', yamlDoc, { headers: { 'content-type': 'application/x-yaml; charset=utf-8' } }));
    assert.deepEqual(kinds(res.changes), ['create tenant yaml-tenant', 'create client from-yaml']);
    assertProblem(await t.admin('POST', '/config/apply', 'version: 1\ntenants: [\n', { headers: { 'content-type': 'text/yaml' } }), {
      status: 400,
      detail: 'the request body is not valid YAML at line 3, column 1 (BAD_INDENT)',
      instance: '/config/apply',
    });
    for (const [path, headers] of [
      ['/config/export?tenant=yaml-tenant&format=yaml', {}],
      ['/config/export?tenant=yaml-tenant', { accept: 'application/yaml' }],
    ] as const) {
      const exported = await t.admin('GET', path, undefined, { headers });
      assert.equal(exported.status, 200);
      assert.equal(exported.headers.get('content-type'), 'application/yaml; charset=utf-8');
      assert.deepEqual(parse(exported.text), {
        version: 1,
        tenants: [
          {
            id: 'yaml-tenant',
            name: 'yaml-tenant',
            signing_alg: 'RS256',
            access_token_ttl: 3600,
            clients: [{ client_id: 'from-yaml', client_name: 'From YAML' }],
          },
        ],
      });
    }
  });

  it('checks where outbound URLs lead before anything changes', async () => {
    const metadata = 'http://169.254.169.254/latest/meta-data/jwks';
    const doc = {
      version: 1,
      tenants: [
        {
          id: 'outbound',
          federated_issuers: [{ issuer: 'https://ci.outbound.example', jwks_uri: metadata }],
          clients: [{ client_id: 'keyed', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: metadata }],
        },
      ],
    };
    const detail = 'address 169.254.169.254 is link-local (169.254.0.0/16) and not in TESSERA_OUTBOUND_ALLOW';
    await assertDocumentRefused(t, doc, [
      { pointer: '/tenants/0/clients/0/jwks_uri', detail },
      { pointer: '/tenants/0/federated_issuers/0/jwks_uri', detail },
    ]);
    assert.equal((await t.admin('GET', '/tenants/outbound')).status, 404);
  });

  it('federated issuers and credentials: created, exported, re-applied unchanged', async () => {
    const key = await testKey('ES256', 'ci-key');
    const doc = {
      version: 1,
      tenants: [
        {
          id: 'fed',
          federated_issuers: [{ issuer: 'https://ci.example', jwks: { keys: [key.publicJwk] }, audiences: ['fed-api'] }],
          clients: [
            {
              client_id: 'deployer',
              token_endpoint_auth_method: 'federated',
              grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
              federated_credentials: [{ issuer: 'https://ci.example', subject: 'repo:acme/app:ref:refs/heads/main' }],
            },
          ],
        },
      ],
    };
    const res = ok(await t.admin('POST', '/config/apply', doc));
    assert.deepEqual(kinds(res.changes), ['create tenant fed', 'create federated_issuer https://ci.example', 'create client deployer']);
    assert.deepEqual(res.secrets, []);
    const exported = ok(await t.admin('GET', '/config/export?tenant=fed')).tenants[0];
    assert.deepEqual(exported.clients, doc.tenants[0]?.clients);
    assert.deepEqual(exported.federated_issuers, [{ issuer: 'https://ci.example', jwks: { keys: [key.publicJwk] }, audiences: ['fed-api'] }]);
    const again = ok(await t.admin('POST', '/config/apply', { version: 1, tenants: [exported] }));
    assert.deepEqual(
      again.changes.map((c: { action: string }) => c.action),
      ['unchanged', 'unchanged', 'unchanged'],
    );
  });
});
