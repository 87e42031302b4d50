import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CountTree } from '../../src/lib/count-tree.js';

describe('CountTree', () => {
  it('adds under three keys, counts combinations, and lists them in the order first counted', () => {
    const counts = new CountTree<number, string, string>();
    counts.add(1, 'acme', 'job-a');
    counts.add(1, 'acme', 'job-a', 2);
    counts.add(1, 'acme', '');
    counts.add(2, 'other', 'job-a');
    assert.equal(counts.size, 3);
    assert.deepEqual(
      [...counts.entries()],
      [
        [1, 'acme', 'job-a', 3],
        [1, 'acme', '', 1],
        [2, 'other', 'job-a', 1],
      ],
    );
  });
});
