import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedMap } from '../../src/lib/bounded-map.js';

describe('BoundedMap', () => {
  it('remembers values, at most its capacity, forgetting the oldest first', () => {
    const map = new BoundedMap<string, number>(2);
    map.set('a', 1);
    map.set('b', 2);
    map.set('a', 3);
    assert.equal(map.size, 2, 'replacing a value keeps the others');
    assert.equal(map.get('a'), 3);
    map.set('c', 4);
    assert.equal(map.size, 2);
    assert.equal(map.get('a'), undefined, 'the oldest entry is forgotten');
    assert.equal(map.get('b'), 2);
    assert.equal(map.get('c'), 4);
  });
});
