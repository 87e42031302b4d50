import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CountTree } from '../../src/lib/count-tree.js';

describe('CountTree', () => {
  it('adds under three keys, counts combinations, lists them, and hands them over on take()', () => {
    const counts = new CountTree<number, string, string>();
    counts.add(1, 'acme', 'job-a');
    counts.add(1, 'acme', 'job-a', 2);
    counts.add(1, 'acme', '');
    counts.add(2, 'other', 'job-a');
    assert.equal(counts.get(1, 'acme', 'job-a'), 3);
    assert.equal(counts.get(1, 'acme', 'job-b'), 0);
    assert.equal(counts.size, 3);
    assert.deepEqual(
      [...counts.entries()],
      [
        [1, 'acme', 'job-a', 3],
        [1, 'acme', '', 1],
        [2, 'other', 'job-a', 1],
      ],
    );
    const taken = counts.take();
    assert.equal(counts.size, 0);
    assert.deepEqual([...counts.entries()], []);
    assert.equal(taken.size, 3);
    assert.equal(taken.get(1, 'acme', 'job-a'), 3);
    counts.add(1, 'acme', 'job-a');
    assert.equal(taken.get(1, 'acme', 'job-a'), 3, 'what was taken no longer changes');
  });
});
