import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeEachDialect } from '../helpers/dialects.js';
import { DOC_PAGES, readDoc } from '../helpers/docs.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

describe('the docs say which X-Forwarded-* headers are believed', () => {
  it('no page says they are never trusted: X-Forwarded-For is, from the proxies TESSERA_TRUST_PROXY names', () => {
    for (const page of DOC_PAGES) {
      assert.doesNotMatch(readDoc(page), /never trusts `X-Forwarded|does not trust\s+`X-Forwarded/, page);
    }
  });
});

/**
 * What docs/api.md, docs/configuration.md and docs/hardening.md say: X-Forwarded-For gives the
 * client's address when it comes from a proxy TESSERA_TRUST_PROXY names, and only then;
 * X-Forwarded-Host and X-Forwarded-Proto never choose the tenant or the issuer; the admin
 * listener reads none of them.
 */
describeEachDialect('X-Forwarded-* headers, as the docs say', (dialect) => {
  let t: TestTessera;
  const remoteAddressOf = (requestId: string) =>
    t.logs.map((l) => JSON.parse(l)).find((l) => l.reqId === requestId && l.msg === 'request completed')?.req?.remoteAddress;
  before(async () => {
    // The proxy is 127.0.0.2 (all of 127/8 is loopback): callers from 127.0.0.1 are not it.
    t = await startTessera({
      dialect,
      env: { TESSERA_TRUST_PROXY: '127.0.0.2', TESSERA_PUBLIC_URL: 'https://auth.example.test', TESSERA_TENANT_HOST: '%s.auth.example.test' },
    });
    assert.equal((await t.admin('POST', '/tenants', { id: 'acme' })).status, 201);
  });
  after(() => t.close());

  it("takes the client's address from X-Forwarded-For sent by the trusted proxy, and from no one else", async () => {
    const jwks = `${t.publicUrl}/.well-known/jwks.json`;
    const headers = { host: 'auth.example.test', 'x-forwarded-for': '203.0.113.9' };
    assert.equal((await rawRequest(jwks, { headers: { ...headers, 'x-request-id': 'via-proxy' }, localAddress: '127.0.0.2' })).status, 200);
    assert.equal((await rawRequest(jwks, { headers: { ...headers, 'x-request-id': 'not-the-proxy' }, localAddress: '127.0.0.1' })).status, 200);
    assert.equal(remoteAddressOf('via-proxy'), '203.0.113.9');
    assert.equal(remoteAddressOf('not-the-proxy'), '127.0.0.1');
  });

  it('never takes the tenant or the issuer from X-Forwarded-Host or X-Forwarded-Proto, even from the trusted proxy', async () => {
    const meta = await rawRequest(`${t.publicUrl}/.well-known/openid-configuration`, {
      headers: { host: 'auth.example.test', 'x-forwarded-host': 'acme.auth.example.test', 'x-forwarded-proto': 'http' },
      localAddress: '127.0.0.2',
    });
    assert.equal(meta.status, 200);
    assert.equal(meta.body.issuer, 'https://auth.example.test');
  });

  it('the admin listener reads no X-Forwarded-For, whoever sends it', async () => {
    const res = await rawRequest(`${t.adminUrl}/health/alive`, {
      headers: { 'x-forwarded-for': '203.0.113.9', 'x-request-id': 'admin-forwarded' },
      localAddress: '127.0.0.2',
    });
    assert.equal(res.status, 200);
    assert.equal(remoteAddressOf('admin-forwarded'), '127.0.0.2');
  });
});
