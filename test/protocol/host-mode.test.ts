import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createClient } from '../helpers/fixtures.js';
import { basic, decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

/** A request with a chosen Host header (fetch does not let a caller set it). */
function withHost(base: string, path: string, host: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const url = new URL(path, base);
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: init.method ?? 'GET', headers: { ...init.headers, host } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('host mode (TESSERA_TENANT_HOST)', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ env: { TESSERA_PUBLIC_URL: 'https://auth.example.test', TESSERA_TENANT_HOST: '%s.auth.example.test' } });
    assert.equal((await t.admin('POST', '/tenants', { id: 'acme' })).status, 201);
  });
  after(() => t.close());

  it('serves each tenant on its own host, with that host as the issuer', async () => {
    const meta = await withHost(t.publicUrl, '/.well-known/oauth-authorization-server', 'acme.auth.example.test');
    assert.equal(meta.status, 200);
    assert.equal(meta.body.issuer, 'https://acme.auth.example.test');
    assert.equal(meta.body.token_endpoint, 'https://acme.auth.example.test/oauth2/token');
    const root = await withHost(t.publicUrl, '/.well-known/openid-configuration', 'auth.example.test');
    assert.equal(root.body.issuer, 'https://auth.example.test');

    const c = await createClient(t, { audience: ['https://api.test'] }, 'acme');
    const token = await withHost(t.publicUrl, '/oauth2/token', 'acme.auth.example.test', {
      method: 'POST',
      headers: { authorization: basic(c.clientId, c.secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(token.status, 200);
    assert.equal(decodeJwt(token.body.access_token).payload.iss, 'https://acme.auth.example.test');
    const elsewhere = await withHost(t.publicUrl, '/oauth2/token', 'auth.example.test', {
      method: 'POST',
      headers: { authorization: basic(c.clientId, c.secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    assert.equal(elsewhere.status, 401, 'an acme client is unknown at the default issuer');
  });

  it('does not serve tenants under /t/{tenant} in host mode, and knows no unknown host tenant', async () => {
    assert.equal((await withHost(t.publicUrl, '/t/acme/.well-known/jwks.json', 'auth.example.test')).status, 404);
    assert.equal((await withHost(t.publicUrl, '/.well-known/jwks.json', 'nope.auth.example.test')).status, 404);
    const tenant = await t.admin('GET', '/tenants/acme');
    assert.equal(tenant.body.issuer, 'https://acme.auth.example.test');
  });
});
