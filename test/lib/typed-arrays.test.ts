import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitted } from '../../src/lib/typed-arrays.js';

describe('fitted', () => {
  it('is the same array when it is long enough, else a longer copy with zeros after the values', () => {
    const counts = new Float64Array([1, 2]);
    assert.equal(fitted(counts, 1), counts);
    const longer = fitted(counts, 40);
    assert.ok(longer instanceof Float64Array && longer.length > 40);
    assert.deepEqual([...longer.subarray(0, 3)], [1, 2, 0]);
    const empty = fitted(new Uint32Array(0), 0);
    assert.ok(empty instanceof Uint32Array && empty.length >= 1);
  });
});
