import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import Fastify, { type RouteOptions } from 'fastify';
import { calculateJwkThumbprint, SignJWT } from 'jose';
import { ADMIN_API_IDENTIFIER, ADMIN_SCOPE_DESCRIPTIONS, ADMIN_SCOPES, type AdminScope } from '../../src/domain/admin-scopes.js';
import { buildAdminApp } from '../../src/http/admin/app.js';
import { registerAdminAuth, type RouteAccess, type RouteScope } from '../../src/http/admin/auth.js';
import { assertInsufficientScope, assertProblem, created, manualClock, type ManualClock } from '../helpers/admin.js';
import { dpopProof } from '../helpers/assertions.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { docSection } from '../helpers/docs.js';
import { inlineIssuer, JWT_BEARER_GRANT, platformToken, trust } from '../helpers/federation.js';
import { createClient } from '../helpers/fixtures.js';
import { testKey } from '../helpers/keys.js';
import { rawRequest } from '../helpers/raw-http.js';
import { basic, startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';
import { makeSelfSigned } from '../helpers/test-certificates.js';
import { issueToken, revoke, signWithTenantKey, type ClientCredentials } from '../helpers/tokens.js';

/** One admin route as it registered: method, URL (Fastify syntax) and its declared access and scope. */
interface AdminRoute {
  method: string;
  url: string;
  access: RouteAccess;
  scope: RouteScope | undefined;
}

/** Every route of the admin app, read as each registers (HEAD routes share their GET's config and are left out). */
async function routeTable(t: TestTessera): Promise<AdminRoute[]> {
  const table: AdminRoute[] = [];
  const app = await buildAdminApp(t.server.deps, {
    onRoute: (route: RouteOptions) => {
      const config = (route.config ?? {}) as { access?: RouteAccess; scope?: RouteScope };
      for (const method of [route.method].flat()) {
        if (method !== 'HEAD') table.push({ method, url: route.url, access: config.access ?? 'tenant', scope: config.scope });
      }
    },
  });
  await app.close();
  return table;
}

/** The routes a token is checked on: every one but the public ones. */
const guarded = (table: AdminRoute[]) => table.filter((r) => r.access !== 'public');

/**
 * A concrete path for a route: its tenant is `scratch` (a tenant the allowed calls may change),
 * every other parameter names nothing (so a call that gets through answers 404 or 400, never changes data).
 */
const pathOf = (url: string) =>
  url
    .replace(/:tenant(?=\/)/, 'scratch')
    .replace(/:tenant$/, 'absent-tenant')
    .replace(/:[a-z_]+/g, 'absent')
    .replace(/\*$/, '');

/** A body every schema refuses (unknown property): an allowed write is stopped by validation, after the scope check. */
const PROBE = { table_probe: true };

/** A scope that does not satisfy `required` (neither it, nor admin, nor the write scope of a read). */
const lacking = (required: AdminScope): AdminScope => (required === 'audit:read' ? 'clients:write' : 'audit:read');

const OPERATOR_TOKEN = 'correct.horse.battery-staple-0123456789abcdef';

const INVALID_TOKEN = 'Bearer realm="tessera-admin", error="invalid_token"';

/** Asserts the exact 401 of a refused access token. */
function assertInvalidToken(res: HttpResult, detail: string, instance: string): void {
  assertProblem(res, { status: 401, detail, instance });
  assert.equal(res.headers.get('www-authenticate'), INVALID_TOKEN, instance);
}

describeEachDialect('admin API: every route declares a scope, enforced for access tokens', (dialect) => {
  let t: TestTessera;
  let clock: ManualClock;
  let table: AdminRoute[];
  let robot: ClientCredentials;
  const nowS = () => Math.floor(clock.now() / 1000);

  /** An access token for the admin API as `tenant` issues it (claims may be overridden), signed with the tenant's key. */
  const mint = (claims: Record<string, unknown> = {}, tenant = 'default', header: Record<string, unknown> = {}) =>
    signWithTenantKey(
      t,
      {
        iss: t.server.deps.issuers.issuerOf(tenant),
        sub: robot.clientId,
        aud: [ADMIN_API_IDENTIFIER],
        client_id: robot.clientId,
        jti: randomUUID(),
        iat: nowS(),
        exp: nowS() + 300,
        scope: 'admin',
        ...claims,
      },
      header,
      tenant,
    );

  const call = (method: string, path: string, token: string, headers: Record<string, string> = {}) =>
    t.admin(method, path, method === 'POST' || method === 'PATCH' ? PROBE : undefined, {
      token: null,
      headers: { authorization: `Bearer ${token}`, ...headers },
    });

  before(async () => {
    clock = manualClock('2031-03-01T00:00:00.000Z');
    t = await startTessera({
      dialect,
      clock,
      // An operator's admin token with two dots, as a passphrase may have: still an admin token (every setup call below uses it).
      env: { TESSERA_TRUST_PROXY: '127.0.0.2', TESSERA_CLIENT_CERT_HEADER: 'client-cert', TESSERA_ADMIN_TOKEN: OPERATOR_TOKEN },
    });
    for (const id of ['acme', 'globex', 'scratch']) assert.equal((await t.admin('POST', '/tenants', { id })).status, 201);
    robot = await createClient(t, { client_id: 'robot', audience: ['https://robot.example/'] });
    table = await routeTable(t);
  });
  after(() => t.close());

  it('the table is every route: each guarded route declares a known scope, and a route without one cannot register', async () => {
    assert.deepEqual((await t.admin('GET', '/whoami')).body.kind, 'admin-token');
    assert.ok(guarded(table).length >= 60, `${guarded(table).length} guarded routes`);
    for (const route of guarded(table)) {
      assert.ok(route.scope === 'authenticated' || ADMIN_SCOPES.includes(route.scope as AdminScope), `${route.method} ${route.url}: ${String(route.scope)}`);
    }
    // The same check every admin app runs as routes register: a new route without a scope fails every test that starts Tessera.
    const app = Fastify();
    registerAdminAuth(app, t.server.deps);
    assert.throws(() => app.get('/unscoped', async () => ({})), { message: 'admin route GET /unscoped declares no scope (config.scope)' });
    assert.throws(() => app.get('/misspelt', { config: { scope: 'client:read' as AdminScope } }, async () => ({})), {
      message: 'admin route GET /misspelt declares no scope (config.scope)',
    });
    await app.close();
  });

  it('every route: allowed with exactly its scope, 403 insufficient_scope without it (access tokens and admin tokens alike)', async () => {
    const adminTokens = new Map<AdminScope, string>();
    for (const scope of ['audit:read', 'clients:write'] as const) {
      adminTokens.set(scope, created(await t.admin('POST', '/admin-tokens', { name: `only ${scope}`, scopes: [scope] })).token as string);
    }
    for (const route of guarded(table)) {
      const path = pathOf(route.url);
      const scope: AdminScope = route.scope === undefined || route.scope === 'authenticated' ? 'audit:read' : route.scope;
      const allowed = await call(route.method, path, await mint({ scope }));
      assert.ok(![401, 403].includes(allowed.status), `${route.method} ${path} with ${scope}: ${allowed.status} ${allowed.text}`);
      // A read of a whole collection (no parameter but the tenant) answers it.
      if (route.method === 'GET' && !/:(?!tenant\/)/.test(route.url)) assert.equal(allowed.status, 200, `${path}: ${allowed.text}`);
      if (route.scope === 'authenticated' || route.scope === undefined) continue;
      assertInsufficientScope(await call(route.method, path, await mint({ scope: lacking(scope) })), scope, path);
      assertInsufficientScope(await call(route.method, path, adminTokens.get(lacking(scope)) ?? ''), scope, path);
      // A token of the admin API with no scope at all holds nothing.
      assertInsufficientScope(await call(route.method, path, await mint({ scope: undefined })), scope, path);
    }
  });

  it('every route: 401 invalid_token for an expired, revoked, wrongly signed, unknown-issuer or wrong-audience token', async () => {
    const cutOff = await createClient(t, { client_id: 'cut-off', audience: ['https://robot.example/'] });
    const beforeCutOff = await mint({ client_id: cutOff.clientId, sub: cutOff.clientId });
    clock.advance(1000);
    assert.equal((await t.admin('POST', `/clients/${cutOff.clientId}/revoke-tokens`)).status, 200);
    const revokedJti = await mint();
    assert.equal((await revoke(t, robot, revokedJti)).status, 200);
    const foreign = await testKey('ES256', t.server.deps.readModel.tenant('default')?.settings.signer?.kid);
    const defaultClaims = { iss: t.server.deps.issuers.issuerOf('default'), sub: 'robot', client_id: 'robot', aud: [ADMIN_API_IDENTIFIER], scope: 'admin' };
    const cases: [string, string, string][] = [
      ['expired', await mint({ iat: nowS() - 600, exp: nowS() - 1 }), 'the access token has expired'],
      ['revoked by jti', revokedJti, 'the access token has been revoked'],
      ['revoked by the client cut-off', beforeCutOff, 'the access token has been revoked'],
      ['signed with another tenant key', await mint({ iss: t.server.deps.issuers.issuerOf('default') }, 'acme'), 'the access token is not valid'],
      [
        'signed with a foreign key',
        await new SignJWT({ ...defaultClaims, jti: randomUUID(), iat: nowS(), exp: nowS() + 300 })
          .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: foreign.kid })
          .sign(foreign.privateKey),
        'the access token is not valid',
      ],
      ['of an unknown issuer', await mint({ iss: 'https://elsewhere.example' }), 'the access token is not valid: its issuer is not a tenant of this Tessera'],
      [
        'for another audience',
        await mint({ aud: ['https://robot.example/'] }),
        'the access token is not for the admin API: its aud does not include urn:tessera:admin',
      ],
      ['not an access token (typ)', await mint({}, 'default', { typ: 'JWT' }), 'the access token is not valid'],
    ];
    for (const route of guarded(table)) {
      const path = pathOf(route.url);
      for (const [what, token, detail] of cases) {
        const res = await call(route.method, path, token);
        assert.equal(res.status, 401, `${what}: ${route.method} ${path}: ${res.text}`);
        assertInvalidToken(res, detail, path);
      }
    }
  });

  it('reach by issuer: a token of acme acts on acme only, a token of default on every tenant', async () => {
    const acme = await mint({ scope: 'clients:read tenants:write' }, 'acme');
    const dflt = await mint({ scope: 'clients:read tenants:write' });
    assert.equal((await call('GET', '/tenants/acme/clients', acme)).status, 200);
    assert.equal((await call('GET', '/tenants/acme/clients', dflt)).status, 200);
    assert.equal((await call('GET', '/tenants/globex/clients', dflt)).status, 200);
    const forbidden = (instance: string) => ({ status: 403, detail: 'this access token is limited to tenant acme', instance });
    for (const path of ['/tenants/globex/clients', '/clients', '/tenants/default/clients']) assertProblem(await call('GET', path, acme), forbidden(path));
    assertProblem(await call('GET', '/tenants/globex', acme), forbidden('/tenants/globex'));
    // Installation-wide operations need a token that reaches every tenant.
    assertProblem(await t.admin('POST', '/tenants', { id: 'initech' }, { token: null, headers: { authorization: `Bearer ${acme}` } }), forbidden('/tenants'));
    assert.deepEqual(
      (await call('GET', '/tenants', acme)).body.items.map((tenant: { id: string }) => tenant.id),
      ['acme'],
    );
    const whoami = await call('GET', '/whoami', acme);
    assert.deepEqual(whoami.body, { actor: 'client:robot', kind: 'access-token', tenant: 'acme', scopes: ['clients:read', 'tenants:write'] });
    // Scopes of other APIs in the same token hold nothing here.
    assert.deepEqual((await call('GET', '/whoami', await mint({ scope: 'read write clients:read' }))).body.scopes, ['clients:read']);
  });

  it('a DPoP-bound token needs Authorization: DPoP and a proof of its key for this very request', async () => {
    const key = await testKey('ES256');
    const jkt = await calculateJwkThumbprint(key.publicJwk, 'sha256');
    const token = await mint({ scope: 'clients:read', cnf: { jkt } });
    const url = `${t.adminUrl}/tenants/acme/clients`;
    const ath = createHash('sha256').update(token).digest('base64url');
    const proof = (claims: Record<string, unknown> = {}, htu = url) => dpopProof(key, clock, { htu, claims: { htm: 'GET', ath, ...claims } });
    const get = (headers: Record<string, string>) => t.admin('GET', '/tenants/acme/clients', undefined, { token: null, headers });
    const path = '/tenants/acme/clients';

    assertInvalidToken(
      await get({ authorization: `Bearer ${token}` }),
      'this access token is DPoP-bound: send it as Authorization: DPoP <token>, with a DPoP proof',
      path,
    );
    assertInvalidToken(await get({ authorization: `DPoP ${token}` }), 'this access token is DPoP-bound: send a DPoP proof for this request', path);
    assertInvalidToken(
      await get({ authorization: `DPoP ${token}`, dpop: await proof({}, `${t.adminUrl}/tenants/acme/apis`) }),
      'the DPoP proof htu does not match the request URL',
      path,
    );
    assertInvalidToken(
      await get({ authorization: `DPoP ${token}`, dpop: await proof({ htm: 'POST' }) }),
      'the DPoP proof htm does not match the request method',
      path,
    );
    assertInvalidToken(
      await get({ authorization: `DPoP ${token}`, dpop: await proof({ ath: 'x' }) }),
      'the DPoP proof ath does not match the access token',
      path,
    );
    const other = await testKey('ES256');
    assertInvalidToken(
      await get({ authorization: `DPoP ${token}`, dpop: await dpopProof(other, clock, { htu: url, claims: { htm: 'GET', ath } }) }),
      'the DPoP proof is signed by another key than the one the access token is bound to',
      path,
    );
    const good = await proof();
    assert.equal((await get({ authorization: `DPoP ${token}`, dpop: good })).status, 200);
    assertInvalidToken(await get({ authorization: `DPoP ${token}`, dpop: good }), 'the DPoP proof has already been used', path);
    // A proxy that ends TLS in front of the admin listener: the client's URL is https.
    assert.equal((await get({ authorization: `DPoP ${token}`, dpop: await proof({}, url.replace(/^http:/, 'https:')) })).status, 200);
    // An unbound token is not sent as DPoP.
    assertInvalidToken(
      await get({ authorization: `DPoP ${await mint({ scope: 'clients:read' })}` }),
      'this access token is not DPoP-bound: send it as Authorization: Bearer <token>',
      path,
    );
  });

  it('a certificate-bound token needs the same certificate, which only a trusted proxy can present to the admin listener', async () => {
    const device = makeSelfSigned({ subject: '/CN=device-1' });
    const stranger = makeSelfSigned({ subject: '/CN=stranger' });
    const token = await mint({ scope: 'clients:read', cnf: { 'x5t#S256': createHash('sha256').update(device.der).digest('base64url') } });
    const url = `${t.adminUrl}/tenants/acme/clients`;
    const path = '/tenants/acme/clients';
    const from = (localAddress: string, cert?: Buffer) =>
      rawRequest(url, {
        localAddress,
        headers: { authorization: `Bearer ${token}`, ...(cert ? { 'client-cert': `:${cert.toString('base64')}:` } : {}) },
      });
    const unbound = 'this access token is bound to a client certificate: present that certificate';
    assertInvalidToken(await from('127.0.0.2'), unbound, path);
    // Client-Cert from a peer that is not the trusted proxy is ignored.
    assertInvalidToken(await from('127.0.0.1', device.der), unbound, path);
    assertInvalidToken(await from('127.0.0.2', stranger.der), 'this access token is bound to another client certificate than the one presented', path);
    assert.equal((await from('127.0.0.2', device.der)).status, 200);
  });

  it("a client granted only clients:read on acme's urn:tessera:admin lists acme's clients with the token it gets, and does nothing else", async () => {
    const auditor = await createClient(t, { client_id: 'lister' }, 'acme');
    created(await t.admin('POST', '/tenants/acme/grants', { client_id: auditor.clientId, api_identifier: ADMIN_API_IDENTIFIER, scopes: ['clients:read'] }));
    const token = await issueToken(t, auditor, { audience: ADMIN_API_IDENTIFIER }, 'acme');
    const listed = await call('GET', '/tenants/acme/clients', token);
    assert.equal(listed.status, 200);
    assert.ok(listed.body.items.some((c: { client_id: string }) => c.client_id === 'lister'));
    assert.equal((await call('GET', '/tenants/acme/clients/lister', token)).status, 200);
    assertInsufficientScope(await call('POST', '/tenants/acme/clients', token), 'clients:write', '/tenants/acme/clients');
    assertInsufficientScope(await call('GET', '/tenants/acme/apis', token), 'apis:read', '/tenants/acme/apis');
    assertInsufficientScope(await call('GET', '/tenants/acme/grants', token), 'grants:read', '/tenants/acme/grants');
    assertProblem(await call('GET', '/admin-tokens', token), { status: 403, detail: 'this access token is limited to tenant acme', instance: '/admin-tokens' });
    assertProblem(await call('GET', '/tenants/globex/clients', token), {
      status: 403,
      detail: 'this access token is limited to tenant acme',
      instance: '/tenants/globex/clients',
    });
    assert.deepEqual((await call('GET', '/whoami', token)).body, { actor: 'client:lister', kind: 'access-token', tenant: 'acme', scopes: ['clients:read'] });
  });

  it("a client's own audience and scope lists give no rights on urn:tessera:admin: only a grant does", async () => {
    const selfMade = await createClient(t, { client_id: 'self-made', audience: [ADMIN_API_IDENTIFIER], scope: 'admin' });
    const res = await t.form(
      '/oauth2/token',
      { grant_type: 'client_credentials', audience: ADMIN_API_IDENTIFIER },
      { authorization: basic(selfMade.clientId, selfMade.secret) },
    );
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.body, { error: 'invalid_target', error_description: 'The requested audience is not allowed for this client.' });
  });

  it('a CI job whose only credential is a federated one manages the clients of acme with no secret', async () => {
    const ci = await testKey('ES256', 'ci-1');
    await createClient(t, { client_id: 'pipeline' }, 'acme');
    await trust(t, 'acme', [inlineIssuer('acme', 'https://ci.example.test', [ci])], {
      pipeline: [{ issuer: 'https://ci.example.test', subject: 'repo:acme/infra:ref:refs/heads/main' }],
    });
    created(await t.admin('POST', '/tenants/acme/grants', { client_id: 'pipeline', api_identifier: ADMIN_API_IDENTIFIER, scopes: ['clients:write'] }));
    const assertion = await platformToken(ci, clock, {
      iss: 'https://ci.example.test',
      sub: 'repo:acme/infra:ref:refs/heads/main',
      aud: t.server.deps.issuers.issuerOf('acme'),
      jti: randomUUID(),
    });
    const issued = await t.form('/t/acme/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion, audience: ADMIN_API_IDENTIFIER });
    assert.equal(issued.status, 200, issued.text);
    const token = issued.body.access_token as string;
    const made = await t.admin(
      'POST',
      '/tenants/acme/clients?reason=ci',
      { client_id: 'made-by-ci' },
      { token: null, headers: { authorization: `Bearer ${token}` } },
    );
    assert.equal(made.status, 201, made.text);
    const events = (await t.admin('GET', '/tenants/acme/audit-events')).body.items as {
      action: string;
      target_id: string;
      actor: string;
      actor_detail: unknown;
    }[];
    const event = events.find((e) => e.action === 'client.create' && e.target_id === 'made-by-ci');
    assert.deepEqual(
      [event?.actor, event?.actor_detail],
      ['client:pipeline', { tenant: 'acme', client_id: 'pipeline', federated: { iss: 'https://ci.example.test', sub: 'repo:acme/infra:ref:refs/heads/main' } }],
    );
    assertInsufficientScope(await call('GET', '/tenants/acme/apis', token), 'apis:read', '/tenants/acme/apis');
  });

  it("docs/api.md's Authentication examples are what the admin API answers", async () => {
    const examples = [...docSection('docs/api.md', '## Authentication').matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] ?? '') as unknown);
    assert.equal(examples.length, 3);
    const deployer = await createClient(t, { client_id: 'deployer', audience: ['https://robot.example/'] }, 'acme');
    const token = await mint({ scope: 'clients:read', client_id: deployer.clientId, sub: deployer.clientId }, 'acme');
    const [insufficient, outside, revoked] = examples;
    assert.deepEqual((await call('POST', '/tenants/acme/clients', token)).body, insufficient);
    assert.deepEqual((await call('GET', '/clients', token)).body, outside);
    assert.equal((await t.admin('POST', '/tenants/acme/clients/deployer/revoke-tokens')).status, 200);
    assert.deepEqual((await call('GET', '/tenants/acme/clients', token)).body, revoked);
  });

  it('/openapi.json: the OAuth 2 client credentials scheme with every admin scope, and each operation names its scope', async () => {
    const doc = (await t.admin('GET', '/openapi.json', undefined, { token: null })).body;
    assert.deepEqual(doc.components.securitySchemes, {
      oauth2: {
        type: 'oauth2',
        description: 'A Tessera access token whose aud includes urn:tessera:admin (DPoP- and certificate-bound tokens need their proof).',
        flows: { clientCredentials: { tokenUrl: `${t.config.publicUrl}/oauth2/token`, scopes: ADMIN_SCOPE_DESCRIPTIONS } },
      },
      adminToken: { type: 'http', scheme: 'bearer', description: 'An admin token (tsr_at_...), limited to the scopes it was created with.' },
    });
    assert.deepEqual(Object.keys(doc.components.securitySchemes.oauth2.flows.clientCredentials.scopes), [...ADMIN_SCOPES]);
    const documented = new Map<string, unknown>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { security?: unknown }>>)) {
      for (const [method, operation] of Object.entries(item)) documented.set(`${method.toUpperCase()} ${path}`, operation.security);
    }
    // Hidden from the document: the public routes and /metrics (Prometheus' own format).
    const operations = guarded(table).filter((r) => r.url !== '/metrics');
    assert.deepEqual([...documented.keys()].sort(), operations.map((r) => `${r.method} ${r.url.replace(/:([a-z_]+)/g, '{$1}')}`).sort());
    for (const route of operations) {
      const scopes = route.scope === 'authenticated' ? [] : [route.scope];
      assert.deepEqual(documented.get(`${route.method} ${route.url.replace(/:([a-z_]+)/g, '{$1}')}`), [{ oauth2: scopes }, { adminToken: [] }], route.url);
    }
  });
});
