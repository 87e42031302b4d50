import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { turnBatched } from '../../src/lib/turn-batch.js';

describe('turnBatched', () => {
  it('hands the items asked for in one turn to one flush, and answers each with its own', async () => {
    const flushes: (readonly number[])[] = [];
    const double = turnBatched<number, number>((items) => {
      flushes.push(items);
      return Promise.resolve(items.map((n) => n * 2));
    });
    const first = Promise.all([double(1), double(2), double(3)]);
    await setImmediate();
    const second = double(10);
    assert.deepEqual(await first, [2, 4, 6]);
    assert.equal(await second, 20);
    assert.deepEqual(flushes, [[1, 2, 3], [10]]);
  });

  it('rejects every ask of a batch whose flush fails, and goes on with the next batch', async () => {
    let fail = true;
    const echo = turnBatched<string, string>((items) => (fail ? Promise.reject(new Error('primary gone')) : Promise.resolve(items)));
    const failed = await Promise.allSettled([echo('a'), echo('b')]);
    assert.deepEqual(
      failed.map((r) => r.status === 'rejected' && (r.reason as Error).message),
      ['primary gone', 'primary gone'],
    );
    fail = false;
    assert.equal(await echo('c'), 'c');
  });

  it("splits one turn's asks into batches of at most `max` items, in order", async () => {
    const flushes: (readonly number[])[] = [];
    const echo = turnBatched<number, number>((items) => {
      flushes.push(items);
      return Promise.resolve(items);
    }, 2);
    assert.deepEqual(await Promise.all([1, 2, 3, 4, 5].map(echo)), [1, 2, 3, 4, 5]);
    assert.deepEqual(flushes, [[1, 2], [3, 4], [5]]);
  });
});
