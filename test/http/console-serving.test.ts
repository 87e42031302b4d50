import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildAdminApp } from '../../src/http/admin/app.js';
import { CONSOLE_CSP, DEFAULT_CONSOLE_DIR } from '../../src/http/admin/console.js';
import { assertProblem } from '../helpers/admin.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const API_CSP = "default-src 'none'; frame-ancestors 'none'";

describe('the console at /console on the admin listener', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera();
  });
  after(() => t.close());

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${t.adminUrl}${path}`, { headers });

  it('serves index.html without an admin token, under the console policy, never cached without revalidation', async () => {
    for (const path of ['/console', '/console/', '/console/applications/m2m', '/console/index.html']) {
      const res = await get(path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
      assert.equal(res.headers.get('content-security-policy'), CONSOLE_CSP);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('set-cookie'), null);
      const html = await res.text();
      assert.match(html, /<div id="root"><\/div>/);
      assert.doesNotMatch(html, /<script>|<style>|style=/, 'nothing inline: the policy allows none');
    }
  });

  it('sends a browser opening the admin root to the console (303), before any token is asked for', async () => {
    const browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
    for (const method of ['GET', 'HEAD']) {
      const res = await fetch(`${t.adminUrl}/`, { method, headers: { accept: browser }, redirect: 'manual' });
      assert.equal(res.status, 303, method);
      assert.equal(res.headers.get('location'), '/console/');
      assert.equal(res.headers.get('www-authenticate'), null);
    }
  });

  it('keeps the API answer at the admin root for API clients: 401 without a token, 404 with one', async () => {
    for (const accept of ['application/json', '*/*', 'application/problem+json']) {
      const res = await fetch(`${t.adminUrl}/`, { headers: { accept }, redirect: 'manual' });
      assert.equal(res.status, 401, accept);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="tessera-admin"');
      assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
    }
    assertProblem(await t.admin('GET', '/'), { status: 404, detail: 'no route GET /', instance: '/' });
    // Only the root: other paths a browser opens keep their answers.
    assert.equal((await fetch(`${t.adminUrl}/clients`, { headers: { accept: 'text/html' }, redirect: 'manual' })).status, 401);
  });

  it('serves the hashed assets for a year, and answers a missing asset with a 404 problem, not the page', async () => {
    const assets = readdirSync(join(DEFAULT_CONSOLE_DIR, 'assets'));
    const script = assets.find((f) => f.endsWith('.js'))!;
    const style = assets.find((f) => f.endsWith('.css'))!;
    const js = await get(`/console/assets/${script}`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const css = await get(`/console/assets/${style}`);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    const missing = await get('/console/assets/nope.js');
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /^application\/problem\+json/);
    // Only the files read at start are served: a path that climbs out names none of them.
    assert.equal((await get('/console/assets%2F..%2F..%2F..%2Fpackage.json')).status, 404);
    assert.equal((await get('/console/..%2Fsrc%2Fmain.js')).status, 404);
  });

  it('keeps the API under its own policy, and leaves the console out of the OpenAPI document', async () => {
    const res = await t.admin('GET', '/tenants');
    assert.equal(res.headers.get('content-security-policy'), API_CSP);
    const doc = (await t.admin('GET', '/openapi.json')).body;
    assert.equal(Object.keys(doc.paths).filter((p) => p.startsWith('/console')).length, 0);
  });

  it('answers a clear 503 problem when the console was not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'tessera-no-console-'));
    const app = await buildAdminApp(t.server.deps, { consoleDir: empty });
    try {
      const res = await app.inject({ method: 'GET', url: '/console/' });
      assert.equal(res.statusCode, 503);
      assert.equal(res.headers['content-security-policy'], API_CSP);
      assert.deepEqual(res.json(), {
        type: 'urn:tessera:problem:unavailable',
        title: 'Service Unavailable',
        status: 503,
        detail: 'the console was not built: run `npm run build` (npm ci does it), then restart Tessera',
        instance: '/console/',
      });
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('the console in loopback mode: a browser is refused without a token, served with one', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ env: { TESSERA_ADMIN_AUTH: 'loopback' } });
  });
  after(() => t.close());

  const browser = { origin: 'http://127.0.0.1', 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors' };

  it('serves the page, accepts a valid bearer token from the browser, refuses the browser without one', async () => {
    assert.equal((await fetch(`${t.adminUrl}/console/`, { headers: { 'sec-fetch-site': 'none' } })).status, 200);
    const withToken = await t.admin('GET', '/tenants', undefined, { headers: browser });
    assert.equal(withToken.status, 200, withToken.text);
    const created = await t.admin('POST', '/service-accounts', { user_name: 'from-console' }, { headers: browser });
    assert.equal(created.status, 201, created.text);
    assertProblem(await t.admin('GET', '/tenants', undefined, { token: null, headers: browser }), {
      status: 401,
      detail: 'send an admin token: Authorization: Bearer <token> (or start Tessera with TESSERA_ADMIN_AUTH=loopback)',
      instance: '/tenants',
    });
    assert.equal((await t.admin('GET', '/tenants', undefined, { token: 'wrong-token', headers: browser })).status, 401);
  });
});

describe('the playground: a token request through the tenant token endpoint, answered decoded', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera();
  });
  after(() => t.close());

  it('answers the decoded header and claims, or the token endpoint error', async () => {
    await createOk(t, '/apis', { name: 'Play', identifier: 'https://play.test', scopes: [{ value: 'read' }] });
    const c = await createClient(t, { audience: ['https://play.test'], scope: 'read' });
    const ok = await t.admin('POST', '/playground/token', { client_id: c.clientId, client_secret: c.secret, scope: 'read' });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.status, 200);
    assert.equal(ok.body.response.token_type, 'Bearer');
    assert.equal(ok.body.header.typ, 'at+jwt');
    assert.equal(ok.body.claims.client_id, c.clientId);
    assert.equal(ok.body.claims.aud, 'https://play.test');
    assert.equal(ok.body.claims.iss, t.publicUrl);
    assert.equal(ok.body.claims.scope, 'read');

    const refused = await t.admin('POST', '/tenants/default/playground/token', { client_id: c.clientId, client_secret: 'wrong' });
    assert.deepEqual(refused.body, {
      status: 401,
      response: { error: 'invalid_client', error_description: 'Client authentication failed.' },
      header: null,
      claims: null,
    });
    const scope = await t.admin('POST', '/playground/token', { client_id: c.clientId, client_secret: c.secret, scope: 'write' });
    assert.equal(scope.body.status, 400);
    assert.equal(scope.body.response.error, 'invalid_scope');
    assert.equal((await t.admin('POST', '/playground/token', { client_id: c.clientId, client_secret: c.secret }, { token: null })).status, 401);
  });
});
