import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBasicCredentials } from '../../src/protocol/client-auth/basic.js';

const REALM = 'https://issuer.test';
const header = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('HTTP Basic client credentials (RFC 6749 §2.3.1, RFC 7617)', () => {
  it('reads the client id and secret, in UTF-8', () => {
    assert.deepEqual(parseBasicCredentials(header('orders-job:s3cr3t'), REALM), { clientId: 'orders-job', secret: 's3cr3t' });
    assert.deepEqual(parseBasicCredentials(header('tâche:clé:avec:deux-points'), REALM), { clientId: 'tâche', secret: 'clé:avec:deux-points' });
    assert.deepEqual(parseBasicCredentials(`basic  ${Buffer.from('a:b').toString('base64')} `, REALM), { clientId: 'a', secret: 'b' });
  });

  it('form-urldecodes both halves', () => {
    assert.deepEqual(parseBasicCredentials(header('orders%2Djob:a+b%25'), REALM), { clientId: 'orders-job', secret: 'a b%' });
    // Any VSCHAR client id: space as '+', and ':', '+', '%', '/', '"', '\\' and '>' percent-encoded.
    assert.deepEqual(parseBasicCredentials(header('orders+job%3Aeu%2B1+100%25%2F%22%5C%3E:s'), REALM), { clientId: 'orders job:eu+1 100%/"\\>', secret: 's' });
  });

  it('takes base64 with or without its padding', () => {
    const padded = Buffer.from('id:secret1').toString('base64');
    assert.ok(padded.endsWith('='));
    assert.deepEqual(parseBasicCredentials(`Basic ${padded.replace(/=+$/, '')}`, REALM), { clientId: 'id', secret: 'secret1' });
  });

  it('refuses what is not base64 as invalid_client with a Basic challenge', () => {
    const bad = ['Basic !!!', 'Basic a b', 'Basic YWJj=ZA==', 'Basic YWJjZ', 'Basic YW=', 'Basic ===='];
    for (const value of bad) {
      assert.throws(
        () => parseBasicCredentials(value, REALM),
        (err: any) =>
          err.code === 'invalid_client' && /not base64/.test(err.detail ?? err.message) && /Basic realm=/.test(err.headers?.['www-authenticate'] ?? ''),
        value,
      );
    }
  });

  it('refuses a missing colon, an empty half, bad percent-encoding and control characters', () => {
    for (const text of ['no-colon', ':secret', 'id:', '%zz:x', 'id:a%00b', 'id\u0001:x']) {
      assert.throws(() => parseBasicCredentials(header(text), REALM), { code: 'invalid_client' }, text);
    }
  });
});
