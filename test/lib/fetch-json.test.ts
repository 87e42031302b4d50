import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetchJson } from '../../src/lib/fetch-json.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';

describe('fetchJson: bounded GET of a JSON document', () => {
  let server: JwksServer;
  const limits = { timeoutMs: 200, maxBytes: 1024 };

  before(async () => {
    server = await startJwksServer();
    server.route('/ok', { keys: [] });
    server.route('/silent', () => {});
    server.route('/slow-body', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":');
    });
    server.route('/big', { padding: 'x'.repeat(2000) });
  });
  after(() => server.close());

  it('returns the parsed document', async () => {
    assert.deepEqual(await fetchJson(`${server.base}/ok`, limits), { keys: [] });
  });

  it('gives up after the timeout, whether the headers or the body are late', async () => {
    await assert.rejects(fetchJson(`${server.base}/silent`, limits), { message: 'no answer within 200 ms' });
    await assert.rejects(fetchJson(`${server.base}/slow-body`, limits), { message: 'no complete answer within 200 ms' });
  });

  it('refuses a body over the limit, an HTTP error and a non-JSON body', async () => {
    await assert.rejects(fetchJson(`${server.base}/big`, limits), { message: /exceeds 1024/ });
    await assert.rejects(fetchJson(`${server.base}/missing`, limits), { message: 'answered HTTP 404' });
    server.route('/text', (_req, res) => res.writeHead(200).end('hello'));
    await assert.rejects(fetchJson(`${server.base}/text`, limits), { message: 'body is not JSON' });
  });
});
