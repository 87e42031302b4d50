import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/app/logger.js';

describe('logger: redaction and the request serializer', () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, logger: createLogger('info', { write: (line: string) => void lines.push(line) }) };
  };

  it('redacts credential fields at the top and one level under headers, body, params and query', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        client_secret: 's-top',
        token: 's-token',
        authorization: 'Basic s-auth',
        headers: { authorization: 'Bearer s-header', cookie: 's-cookie', dpop: 's-dpop', accept: 'application/json' },
        body: { client_assertion: 's-assertion', client_id: 'kept' },
        params: { access_token: 's-access' },
        query: { password: 's-password' },
      },
      'something',
    );
    const [line] = lines.map((l) => JSON.parse(l));
    assert.ok(!lines[0]!.includes('s-'), lines[0]);
    assert.equal(line.client_secret, '[redacted]');
    assert.equal(line.headers.authorization, '[redacted]');
    assert.equal(line.headers.accept, 'application/json');
    assert.equal(line.body.client_id, 'kept');
  });

  it('logs a request as its method, path without query string and address only', () => {
    const { lines, logger } = capture();
    const req = {
      method: 'POST',
      url: '/oauth2/token?client_secret=s-query',
      ip: '10.0.0.1',
      headers: { authorization: 'Basic s-header' },
      body: 'client_secret=s-body',
    };
    logger.info({ req }, 'request');
    assert.deepEqual(JSON.parse(lines[0]!).req, { method: 'POST', path: '/oauth2/token', remoteAddress: '10.0.0.1' });
    assert.ok(!lines[0]!.includes('s-'));
  });
});
