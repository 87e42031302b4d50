import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formPairs, parseRequestBody } from '../../src/protocol/params.js';

const FORM = 'application/x-www-form-urlencoded';

describe('form bodies', () => {
  it('splits a body with nothing to decode exactly as URLSearchParams parses it', () => {
    const bodies = ['', 'a', 'a=', '=b', '=', 'a=b=c', 'a=b&&c=d', '&a=1&', '&&&', 'a=1&a=2&b', 'x=é&ü=ß', 'grant_type=client_credentials', 'k=v;w', 'a=b&c'];
    for (const body of bodies) {
      assert.deepEqual([...formPairs(body)], [...new URLSearchParams(body)], JSON.stringify(body));
    }
  });

  it('decodes percent-encoding and plus signs as URLSearchParams does', () => {
    assert.deepEqual(
      [...formPairs('scope=a+b&aud=https%3A%2F%2Fapi.test%2F&x=%zz')],
      [
        ['scope', 'a b'],
        ['aud', 'https://api.test/'],
        ['x', '%zz'],
      ],
    );
  });

  it('keeps repeated parameters and drops empty ones (RFC 6749 §3.1)', async () => {
    const params = await parseRequestBody(FORM, Buffer.from('grant_type=client_credentials&audience=a&audience=b&scope=&&resource'));
    assert.equal(params.get('grant_type'), 'client_credentials');
    assert.deepEqual(params.all('audience'), ['a', 'b']);
    assert.equal(params.has('scope'), false);
    assert.equal(params.has('resource'), false);
  });

  it('refuses a control character whether or not it was percent-encoded', async () => {
    for (const body of ['client_id=a%00b', 'client_id=a\u0001b']) {
      await assert.rejects(parseRequestBody(FORM, Buffer.from(body)), { code: 'invalid_request' }, body);
    }
  });
});
