import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { assertProblem, created, manualClock, ok } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const INVALID = 'the federated issuer is not valid';
const NOW = '2030-01-01T00:00:00.000Z';

describeEachDialect('admin API: federated issuers', (dialect) => {
  let t: TestTessera;
  let ec: TestKey;
  let rsa: TestKey;

  before(async () => {
    // Local issuers are reached only when allowed; everything else keeps the outbound rules.
    t = await startTessera({ dialect, clock: manualClock(NOW), env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1' } });
    ec = await testKey('ES256', 'ec-1');
    rsa = await testKey('RS256', 'rsa-1');
  });
  after(() => t.close());

  const defaults = () => [t.publicUrl, `${t.publicUrl}/oauth2/token`, `${t.publicUrl}/oauth/token`];

  it('creates, reads, lists, changes and deletes an issuer with exact answers', async () => {
    const body = created(await t.admin('POST', '/federated-issuers', { name: 'CI', issuer: 'https://ci.example.test', jwks: { keys: [ec.publicJwk] } }));
    assert.match(body.id, /^fi_[0-9a-z]{26}$/);
    const expected = {
      id: body.id,
      name: 'CI',
      kind: 'oidc',
      issuer: 'https://ci.example.test',
      jwks: { keys: [ec.publicJwk] },
      jwks_uri: null,
      discovery_url: null,
      audiences: null,
      effective_audiences: defaults(),
      max_token_age: 3600,
      require_jti: false,
      bearer_token_file: null,
      allow_longer_than_assertion: false,
      algorithms: null,
      created_at: NOW,
      updated_at: NOW,
    };
    assert.deepEqual(body, expected);
    assert.deepEqual(ok(await t.admin('GET', `/federated-issuers/${body.id}`)), expected);
    assert.deepEqual(ok(await t.admin('GET', '/federated-issuers')), { items: [expected], next_cursor: null });
    assert.deepEqual(ok(await t.admin('GET', `/tenants/default/federated-issuers/${body.id}`)), expected);

    const patched = ok(
      await t.admin('PATCH', `/federated-issuers/${body.id}?reason=rotate`, {
        name: 'CI runners',
        audiences: ['https://tessera.example.test/ci'],
        max_token_age: 600,
        require_jti: true,
        algorithms: ['ES256', 'RS256'],
        allow_longer_than_assertion: true,
      }),
    );
    assert.deepEqual(patched, {
      ...expected,
      name: 'CI runners',
      audiences: ['https://tessera.example.test/ci'],
      effective_audiences: ['https://tessera.example.test/ci'],
      max_token_age: 600,
      require_jti: true,
      algorithms: ['ES256', 'RS256'],
      allow_longer_than_assertion: true,
    });
    const reset = ok(await t.admin('PATCH', `/federated-issuers/${body.id}`, { audiences: null, algorithms: null }));
    assert.deepEqual([reset.audiences, reset.effective_audiences, reset.algorithms], [null, defaults(), null]);

    assert.equal((await t.admin('DELETE', `/federated-issuers/${body.id}`)).status, 204);
    assertProblem(await t.admin('GET', `/federated-issuers/${body.id}`), {
      status: 404,
      detail: `federated issuer ${JSON.stringify(body.id)} does not exist`,
      instance: `/federated-issuers/${body.id}`,
    });

    // Events of one instant of the test's clock: found by action, not by order.
    const events = ok(await t.admin('GET', '/audit-events?limit=50')).items.filter((e: any) => e.target_id === body.id);
    const actions = events.map((e: any) => e.action).sort();
    assert.deepEqual(actions, ['federated_issuer.create', 'federated_issuer.delete', 'federated_issuer.update', 'federated_issuer.update']);
    const of = (action: string) => events.find((e: any) => e.action === action);
    assert.deepEqual(of('federated_issuer.create').details, {
      name: 'CI',
      kind: 'oidc',
      issuer: 'https://ci.example.test',
      jwks_kids: ['ec-1'],
      jwks_uri: null,
      discovery_url: null,
      audiences: null,
      max_token_age: 3600,
      require_jti: false,
      bearer_token_file: null,
      allow_longer_than_assertion_expiry: false,
      algorithms: null,
    });
    const rotate = events.find((e: any) => e.reason === 'rotate');
    assert.equal(rotate.action, 'federated_issuer.update');
    assert.deepEqual(rotate.details.audiences, ['https://tessera.example.test/ci']);
    assert.deepEqual(of('federated_issuer.delete').details, { issuer: 'https://ci.example.test' });
  });

  it('takes every kind: discovery on an allowed http issuer, kubernetes with a discovery URL and bearer token file, spiffe bundles', async () => {
    const oidc = created(await t.admin('POST', '/federated-issuers', { name: 'local', issuer: 'http://127.0.0.1:9/issuer' }));
    assert.equal(oidc.jwks, null);
    assert.equal(oidc.jwks_uri, null);
    const k8s = created(
      await t.admin('POST', '/federated-issuers', {
        name: 'cluster',
        kind: 'kubernetes',
        issuer: 'https://kubernetes.default.svc.cluster.local',
        discovery_url: 'http://127.0.0.1:9/openid/v1/discovery',
        bearer_token_file: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      }),
    );
    assert.equal(k8s.kind, 'kubernetes');
    assert.equal(k8s.discovery_url, 'http://127.0.0.1:9/openid/v1/discovery');
    const spiffe = created(
      await t.admin('POST', '/federated-issuers', { name: 'mesh', kind: 'spiffe', issuer: 'spiffe://prod.example.org', jwks_uri: 'http://127.0.0.1:9/bundle' }),
    );
    assert.equal(spiffe.issuer, 'spiffe://prod.example.org');
    for (const id of [oidc.id, k8s.id, spiffe.id]) assert.equal((await t.admin('DELETE', `/federated-issuers/${id}`)).status, 204);
  });

  it('refuses settings that break the rules with 422 and a pointer for each', async () => {
    const cases: [unknown, { pointer: string; detail: string }[]][] = [
      [
        { name: 'x', kind: 'spiffe', issuer: 'spiffe://Example.org', jwks: { keys: [ec.publicJwk] } },
        [{ pointer: '/issuer', detail: 'must be spiffe://<trust domain> (lower-case letters, digits, ".", "_" or "-"; no path)' }],
      ],
      [
        { name: 'x', kind: 'spiffe', issuer: 'spiffe://example.org/workload', jwks: { keys: [ec.publicJwk] } },
        [{ pointer: '/issuer', detail: 'must be spiffe://<trust domain> (lower-case letters, digits, ".", "_" or "-"; no path)' }],
      ],
      [
        { name: 'x', kind: 'spiffe', issuer: 'spiffe://example.org' },
        [{ pointer: '/jwks_uri', detail: 'a spiffe issuer needs jwks or jwks_uri (its bundle endpoint)' }],
      ],
      [
        { name: 'x', kind: 'spiffe', issuer: 'spiffe://example.org', discovery_url: 'https://spire.example.test/.well-known/openid-configuration' },
        [{ pointer: '/discovery_url', detail: 'a spiffe issuer takes jwks or its bundle endpoint as jwks_uri, not discovery' }],
      ],
      [
        { name: 'x', issuer: 'http://ci.example.test', jwks: { keys: [ec.publicJwk] } },
        [{ pointer: '/issuer', detail: 'http is only for hosts and addresses in TESSERA_OUTBOUND_ALLOW; use https' }],
      ],
      [{ name: 'x', issuer: 'https://ci.example.test?x=1', jwks: { keys: [ec.publicJwk] } }, [{ pointer: '/issuer', detail: 'must not contain a query' }]],
      [
        { name: 'x', issuer: 'ci.example.test', jwks: { keys: [ec.publicJwk] } },
        [{ pointer: '/issuer', detail: 'must be an https URL (the exact iss of the tokens)' }],
      ],
      [
        { name: 'x', issuer: 'https://ci.example.test', jwks_uri: 'http://169.254.169.254/latest/meta-data/jwks' },
        [{ pointer: '/jwks_uri', detail: 'address 169.254.169.254 is link-local (169.254.0.0/16) and not in TESSERA_OUTBOUND_ALLOW' }],
      ],
      [
        { name: 'x', issuer: 'https://ci.example.test', jwks: { keys: [rsa.privateJwk] } },
        [{ pointer: '/jwks/keys/0/d', detail: 'holds private key material; register public keys only' }],
      ],
      [
        { name: 'x', issuer: 'https://ci.example.test', jwks: { keys: [ec.publicJwk] }, jwks_uri: 'https://ci.example.test/jwks' },
        [{ pointer: '/jwks_uri', detail: 'give jwks or jwks_uri, not both' }],
      ],
      [
        { name: 'x', issuer: 'https://ci.example.test', jwks: { keys: [ec.publicJwk] }, algorithms: ['ES256', 'ES256'] },
        [{ pointer: '/algorithms', detail: 'algorithms must be distinct' }],
      ],
      [
        { name: 'x', issuer: 'https://ci.example.test', jwks: { keys: [ec.publicJwk] }, audiences: ['a', 'a'] },
        [{ pointer: '/audiences', detail: 'audiences must be distinct' }],
      ],
      [
        { name: 'x', issuer: 'https://ci.example.test', jwks: { keys: [ec.publicJwk] }, bearer_token_file: '/var/run/token' },
        [{ pointer: '/bearer_token_file', detail: 'is used only by kubernetes issuers' }],
      ],
      [
        { name: 'x', kind: 'kubernetes', issuer: 'https://k8s.example.test', jwks: { keys: [ec.publicJwk] }, bearer_token_file: 'token' },
        [{ pointer: '/bearer_token_file', detail: 'must be an absolute path' }],
      ],
      [
        {
          name: 'x',
          issuer: 'https://ci.example.test',
          jwks: { keys: [ec.publicJwk] },
          discovery_url: 'https://ci.example.test/.well-known/openid-configuration',
        },
        [{ pointer: '/discovery_url', detail: 'is used only when the keys come from discovery (neither jwks nor jwks_uri)' }],
      ],
    ];
    for (const [body, errors] of cases) {
      assertProblem(await t.admin('POST', '/federated-issuers', body), { status: 422, detail: INVALID, instance: '/federated-issuers', errors });
    }
    const kinds = 'must be one of oidc, kubernetes, spiffe';
    const algs = 'supported: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA';
    for (const [body, errors] of [
      [{ name: 'x', kind: 'saml', issuer: 'https://ci.example.test' }, [{ pointer: '/kind', detail: kinds }]],
      [
        { name: 'x', issuer: 'https://ci.example.test', jwks: { keys: [ec.publicJwk] }, algorithms: ['HS256', 'none'] },
        [
          { pointer: '/algorithms/0', detail: `unsupported algorithm "HS256"; ${algs}` },
          { pointer: '/algorithms/1', detail: `unsupported algorithm "none"; ${algs}` },
        ],
      ],
      [
        { name: 'x', issuer: 'https://ci.example.test', jwks: { keys: [ec.publicJwk] }, algorithms: [] },
        [{ pointer: '/algorithms', detail: 'must list at least one algorithm, or be null for all' }],
      ],
    ] as const) {
      assertProblem(await t.admin('POST', '/federated-issuers', body), { status: 422, detail: INVALID, instance: '/federated-issuers', errors: [...errors] });
    }
    // Out of the schema's range: 400, as for every resource.
    assert.equal((await t.admin('POST', '/federated-issuers', { name: 'x', issuer: 'https://ci.example.test', max_token_age: 59 })).status, 400);
    assert.deepEqual(ok(await t.admin('GET', '/federated-issuers')).items, []);
  });

  it('refuses a second registration of an issuer in the tenant (409)', async () => {
    const first = created(await t.admin('POST', '/federated-issuers', { name: 'a', issuer: 'https://twice.example.test', jwks: { keys: [ec.publicJwk] } }));
    assertProblem(await t.admin('POST', '/federated-issuers', { name: 'b', issuer: 'https://twice.example.test', jwks: { keys: [rsa.publicJwk] } }), {
      status: 409,
      detail: 'a federated issuer "https://twice.example.test" already exists in this tenant',
      instance: '/federated-issuers',
    });
    const other = created(await t.admin('POST', '/federated-issuers', { name: 'c', issuer: 'https://once.example.test', jwks: { keys: [rsa.publicJwk] } }));
    assertProblem(await t.admin('PATCH', `/federated-issuers/${other.id}`, { issuer: 'https://twice.example.test' }), {
      status: 409,
      detail: 'a federated issuer "https://twice.example.test" already exists in this tenant',
      instance: `/federated-issuers/${other.id}`,
    });
    for (const id of [first.id, other.id]) assert.equal((await t.admin('DELETE', `/federated-issuers/${id}`)).status, 204);
  });

  it('never lets two tenants trusting one issuer share an audience (409), and allows distinct ones', async () => {
    created(await t.admin('POST', '/tenants', { id: 'north' }));
    created(await t.admin('POST', '/tenants', { id: 'south' }));
    const issuer = 'https://shared.example.test';
    const keys = { keys: [ec.publicJwk] };
    const north = created(await t.admin('POST', '/tenants/north/federated-issuers', { name: 'n', issuer, jwks: keys }));
    assert.deepEqual(north.effective_audiences, [`${t.publicUrl}/t/north`, `${t.publicUrl}/t/north/oauth2/token`, `${t.publicUrl}/t/north/oauth/token`]);
    // Each tenant's default audiences are its own.
    const south = created(await t.admin('POST', '/tenants/south/federated-issuers', { name: 's', issuer, jwks: keys }));
    assertProblem(
      await t.admin('PATCH', `/tenants/south/federated-issuers/${south.id}`, { audiences: ['https://api.example.test', `${t.publicUrl}/t/north`] }),
      {
        status: 409,
        detail: `issuer "https://shared.example.test" is trusted by another tenant with the audience "${t.publicUrl}/t/north"; give this tenant audiences of its own`,
        instance: `/tenants/south/federated-issuers/${south.id}`,
      },
    );
    ok(await t.admin('PATCH', `/tenants/north/federated-issuers/${north.id}`, { audiences: ['https://api.example.test'] }));
    assertProblem(await t.admin('PATCH', `/tenants/south/federated-issuers/${south.id}`, { audiences: ['https://api.example.test'] }), {
      status: 409,
      detail:
        'issuer "https://shared.example.test" is trusted by another tenant with the audience "https://api.example.test"; give this tenant audiences of its own',
      instance: `/tenants/south/federated-issuers/${south.id}`,
    });
    assertProblem(await t.admin('POST', '/federated-issuers', { name: 'd', issuer, jwks: keys, audiences: ['https://api.example.test'] }), {
      status: 409,
      detail:
        'issuer "https://shared.example.test" is trusted by another tenant with the audience "https://api.example.test"; give this tenant audiences of its own',
      instance: '/federated-issuers',
    });
    ok(await t.admin('PATCH', `/tenants/south/federated-issuers/${south.id}`, { audiences: ['https://south.example.test'] }));
    assert.equal((await t.admin('DELETE', '/tenants/north')).status, 204, 'a tenant goes with its federated issuers');
    assert.equal((await t.admin('DELETE', '/tenants/south')).status, 204);
  });

  it('lists the routes and schemas in the OpenAPI document, at the root and per tenant', async () => {
    const doc = ok(await t.admin('GET', '/openapi.json', undefined, { token: null }));
    assert.deepEqual(Object.keys(doc.paths['/federated-issuers']).sort(), ['get', 'post']);
    assert.deepEqual(Object.keys(doc.paths['/federated-issuers/{id}']).sort(), ['delete', 'get', 'patch']);
    assert.deepEqual(Object.keys(doc.paths['/tenants/{tenant}/federated-issuers/{id}']).sort(), ['delete', 'get', 'patch']);
    assert.equal(doc.paths['/federated-issuers'].post.tags[0], 'federated-issuers');
    const text = JSON.stringify(doc);
    for (const field of ['effective_audiences', 'bearer_token_file', 'allow_longer_than_assertion', 'federated_credentials'])
      assert.ok(text.includes(field), field);
  });
});
