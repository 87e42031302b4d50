import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedSet } from '../../src/lib/bounded-set.js';

describe('BoundedSet', () => {
  it('remembers keys, at most its capacity, forgetting the oldest first', () => {
    const set = new BoundedSet(2);
    assert.equal(set.add('a'), true);
    assert.equal(set.add('a'), false, 'seen');
    assert.equal(set.add('b'), true);
    assert.equal(set.add('c'), true, 'a third key is taken');
    assert.equal(set.size, 2, 'and the oldest forgotten');
    assert.equal(set.add('b'), false, 'b is still remembered');
    assert.equal(set.add('a'), true, 'a was forgotten, so it is new again');
    assert.equal(set.size, 2);
  });
});
