import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { digestsEqual, sha256, sha256Hex } from '../../src/lib/digest.js';

describe('digest', () => {
  it('gives the SHA-256 of the UTF-8 bytes, as 32 raw bytes and as hex', () => {
    for (const value of ['', 'abc', 'sec_0123456789abcdef', 'clé secrète ✓', '\u{1F511}']) {
      const expected = createHash('sha256').update(value, 'utf8').digest();
      assert.deepEqual(sha256(value), expected, value);
      assert.equal(sha256(value).length, 32);
      assert.equal(sha256Hex(value), expected.toString('hex'));
    }
  });

  it('compares digests of equal length only', () => {
    assert.equal(digestsEqual(sha256('a'), sha256('a')), true);
    assert.equal(digestsEqual(sha256('a'), sha256('b')), false);
    assert.equal(digestsEqual(sha256('a'), sha256('a').subarray(0, 31)), false);
  });
});
