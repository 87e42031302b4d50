import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, it } from 'node:test';
import { decodeJwt } from 'jose';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { headerShape, rawRequest } from '../helpers/raw-http.js';
import { basic, startTessera, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://direct.test';

/**
 * A plain form POST to the token endpoint is answered by the direct path (src/http/public/
 * token-direct.ts); JSON, multipart, chunked bodies and query strings go through Fastify. Both must
 * give the same answers.
 */
describeEachDialect('token endpoint: the direct path and Fastify answer alike', (dialect) => {
  let t: TestTessera;
  let secret: string;
  let url: string;
  const auth = (s = secret) => basic('direct', s);
  const form = 'grant_type=client_credentials&scope=read';

  before(async () => {
    // Proxies on loopback are trusted: the client address comes from X-Forwarded-For.
    t = await startTessera({ dialect, env: { TESSERA_TRUST_PROXY: '127.0.0.1', TESSERA_LOG_LEVEL: 'debug' } });
    ({ secret } = await createClient(t, { client_id: 'direct', audience: [AUD], scope: 'read write' }));
    url = `${t.publicUrl}/oauth2/token`;
  });
  after(() => t.close());

  const post = (body: string, headers: Record<string, string | number>, target = url) => rawRequest(target, { method: 'POST', headers, body });
  const viaForm = (extra: Record<string, string> = {}, s = secret) =>
    post(form, { authorization: auth(s), 'content-type': 'application/x-www-form-urlencoded', ...extra });
  const viaJson = (extra: Record<string, string> = {}, s = secret) =>
    post(JSON.stringify({ grant_type: 'client_credentials', scope: 'read' }), { authorization: auth(s), 'content-type': 'application/json', ...extra });

  it('issues the same token response, with the same headers, either way', async () => {
    const direct = await viaForm();
    const fastify = await viaJson();
    assert.equal(direct.status, 200, direct.text);
    assert.equal(fastify.status, 200, fastify.text);
    assert.deepEqual(headerShape(direct), headerShape(fastify));
    assert.equal(direct.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(direct.headers.get('cache-control'), 'no-store');
    assert.equal(direct.headers.get('pragma'), 'no-cache');
    assert.equal(direct.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(Number(direct.headers.get('content-length')), Buffer.byteLength(direct.text));
    assert.deepEqual(Object.keys(direct.body).sort(), Object.keys(fastify.body).sort());
    const [a, b] = [decodeJwt(direct.body.access_token), decodeJwt(fastify.body.access_token)];
    assert.deepEqual({ ...a, jti: '', iat: 0, exp: 0 }, { ...b, jti: '', iat: 0, exp: 0 });
  });

  it('refuses alike: the same status, body and headers (WWW-Authenticate included)', async () => {
    const direct = await viaForm({}, `${secret}x`);
    const fastify = await viaJson({}, `${secret}x`);
    assert.equal(direct.status, 401);
    assert.deepEqual(direct.body, fastify.body);
    assert.deepEqual(headerShape(direct), headerShape(fastify));
    assert.match(direct.headers.get('www-authenticate') ?? '', /^Basic realm=/);
    const badScope = await post('grant_type=client_credentials&scope=admin', { authorization: auth(), 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(badScope.status, 400);
    assert.equal(badScope.body.error, 'invalid_scope');
  });

  it('answers the request id it was given, or a new one, on success and on refusal', async () => {
    assert.equal((await viaForm({ 'x-request-id': 'direct-ok-1' })).headers.get('x-request-id'), 'direct-ok-1');
    assert.equal((await viaForm({ 'x-request-id': 'direct-no-1' }, 'wrong')).headers.get('x-request-id'), 'direct-no-1');
    assert.match((await viaForm({ 'x-request-id': 'not safe' })).headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('takes the form content type in any case and with a charset', async () => {
    for (const type of [
      'Application/X-WWW-Form-Urlencoded',
      'application/x-www-form-urlencoded; charset=utf-8',
      'application/x-www-form-urlencoded;charset=UTF-8',
    ]) {
      const res = await post(form, { authorization: auth(), 'content-type': type });
      assert.equal(res.status, 200, `${type}: ${res.text}`);
    }
  });

  it('leaves to Fastify what it does not take, with the same rules: query strings, chunked and oversized bodies, odd types', async () => {
    const query = await post(form, { authorization: auth(), 'content-type': 'application/x-www-form-urlencoded' }, `${url}?client_id=direct`);
    assert.equal(query.status, 400);
    assert.equal(query.body.error_description, 'Send parameters in the request body, not in the query string.');
    const chunked = await rawRequest(url, {
      method: 'POST',
      headers: { authorization: auth(), 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      chunked: true,
    });
    assert.equal(chunked.status, 200, chunked.text);
    const tooLarge = await post(`${form}&pad=${'x'.repeat(70 * 1024)}`, { authorization: auth(), 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.body.error, 'invalid_request');
    const text = await post(form, { authorization: auth(), 'content-type': 'text/plain' });
    assert.equal(text.status, 415);
    const noType = await rawRequest(url, { method: 'POST', headers: { authorization: auth() }, body: form });
    assert.equal(noType.status, 415);
  });

  it('serves the token endpoint of every tenant under /t/{id}, and nothing for an unknown or malformed one', async () => {
    await createOk(t, '/tenants', { id: 'second' });
    const other = await createClient(t, { client_id: 'other', audience: [AUD] }, 'second');
    const headers = { authorization: basic('other', other.secret), 'content-type': 'application/x-www-form-urlencoded' };
    const ok = await post('grant_type=client_credentials', headers, `${t.publicUrl}/t/second/oauth/token`);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(decodeJwt(ok.body.access_token).iss, `${t.publicUrl}/t/second`);
    for (const path of ['/t/third/oauth2/token', '/t/default/oauth2/token', '/t/Second/oauth2/token', '/t//oauth2/token']) {
      const res = await post('grant_type=client_credentials', headers, `${t.publicUrl}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.error, 'invalid_request', path);
    }
  });

  it('logs each token request as Fastify does, with the forwarded client address: incoming (debug) and completed (info)', async () => {
    await viaForm({ 'x-request-id': 'direct-log-form', 'x-forwarded-for': '203.0.113.77' });
    await viaJson({ 'x-request-id': 'direct-log-json', 'x-forwarded-for': '203.0.113.77' });
    const linesOf = (id: string) => t.logs.map((l) => JSON.parse(l)).filter((l) => l.reqId === id);
    const [direct, fastify] = [linesOf('direct-log-form'), linesOf('direct-log-json')];
    for (const lines of [direct, fastify]) {
      assert.deepEqual(
        lines.map((l) => [l.level, l.msg]),
        [
          [20, 'incoming request'],
          [30, 'request completed'],
        ],
      );
      const [incoming, completed] = lines;
      assert.deepEqual(incoming.req, { method: 'POST', path: '/oauth2/token', remoteAddress: '203.0.113.77' });
      assert.equal(completed.listener, 'public');
      assert.deepEqual(completed.req, { method: 'POST', path: '/oauth2/token', remoteAddress: '203.0.113.77' });
      assert.deepEqual(completed.res, { statusCode: 200 });
      assert.equal(completed.tenant, 'default');
      assert.equal(completed.client_id, 'direct');
      assert.equal(typeof completed.responseTime, 'number');
    }
    assert.deepEqual(Object.keys(direct[1]).sort(), Object.keys(fastify[1]).sort());
    assert.deepEqual(Object.keys(direct[0]).sort(), Object.keys(fastify[0]).sort());
  });

  it('keeps serving after a client stops halfway through a body', async () => {
    await new Promise<void>((resolve, reject) => {
      const { port } = new URL(t.publicUrl);
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(`POST /oauth2/token HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\n\r\ngrant_type=`);
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 50);
      });
      socket.on('error', reject);
    });
    assert.equal((await viaForm()).status, 200);
  });
});
