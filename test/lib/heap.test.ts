import assert from 'node:assert/strict';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { settleHeapAfterLoad } from '../../src/lib/heap.js';

describe('settling the heap after a bulk load', () => {
  // The test runner's timers: time moves when the test says so, not with the machine's load.
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('runs one collection after the delay, however often asked meanwhile, and again when asked after it', () => {
    let collections = 0;
    const collect = () => void (collections += 1);
    settleHeapAfterLoad(100, collect);
    settleHeapAfterLoad(100, collect);
    mock.timers.tick(99);
    assert.equal(collections, 0, 'collected before the delay');
    settleHeapAfterLoad(100, collect);
    mock.timers.tick(1);
    assert.equal(collections, 1);
    mock.timers.tick(1_000);
    assert.equal(collections, 1, 'once for every request made before it ran');

    settleHeapAfterLoad(100, collect);
    mock.timers.tick(100);
    assert.equal(collections, 2, 'a later load is settled too');
  });

  it("runs V8's full collection by default", async () => {
    const major = new Promise<void>((resolve) => {
      const observer = new PerformanceObserver((list) => {
        if (list.getEntries().some((e) => (e as unknown as { detail: { kind: number } }).detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) {
          observer.disconnect();
          resolve();
        }
      });
      observer.observe({ entryTypes: ['gc'] });
    });
    settleHeapAfterLoad(100);
    mock.timers.tick(100);
    await major;
  });
});
