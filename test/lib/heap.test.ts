import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { settleHeapAfterLoad } from '../../src/lib/heap.js';

/** Full (mark-compact) collections seen while `run` waits. */
async function majorCollections(run: () => Promise<void>): Promise<number> {
  const seen: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  try {
    await run();
    // Entries are delivered asynchronously.
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    observer.disconnect();
  }
  return seen.filter((e) => (e as unknown as { detail: { kind: number } }).detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('settling the heap after a bulk load', () => {
  it('runs one full collection after the delay, however often asked meanwhile', async () => {
    const before = await majorCollections(() => sleep(300));
    assert.equal(before, 0, 'a full collection ran unprompted: the test cannot tell');
    const count = await majorCollections(async () => {
      settleHeapAfterLoad(100);
      settleHeapAfterLoad(100);
      assert.equal(await majorCollections(() => sleep(20)), 0, 'collected before the delay');
      await sleep(400);
    });
    assert.equal(count, 1);
  });
});
