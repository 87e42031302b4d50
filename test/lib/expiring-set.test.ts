import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpiringSet } from '../../src/lib/expiring-set.js';

describe('ExpiringSet', () => {
  it('remembers a key until its expiry, then forgets it and frees the memory', () => {
    const set = new ExpiringSet();
    assert.equal(set.add('a', 1_000, 0), true);
    assert.equal(set.add('a', 1_000, 500), false, 'seen');
    assert.equal(set.has('a', 999), true);
    assert.equal(set.has('a', 1_000), false, 'expired at its expiry');
    assert.equal(set.add('b', 2_000, 600), true);
    assert.equal(set.size, 2);
    assert.equal(set.add('a', 3_000, 1_000), true, 'an expired key may come again');
    assert.equal(set.size, 2, 'the expired entry was swept');
    set.add('c', 5_000, 2_500);
    assert.equal(set.size, 2, 'b swept once expired');
  });
});
