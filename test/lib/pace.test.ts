import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keepPace } from '../../src/lib/pace.js';

describe('keepPace', () => {
  it('spreads the steps of a write evenly over the time asked', async () => {
    const started = performance.now();
    for (let done = 1; done < 4; done++) await keepPace(started, done, 4, { spreadMs: 200 });
    // Step 3 of 4 is due 150 ms after the start (timers never fire early).
    assert.ok(performance.now() - started >= 149, `went on after ${performance.now() - started} ms`);
  });

  it('does not wait when the write is behind its pace, nor once told to hurry', { timeout: 10_000 }, async () => {
    // Started a minute ago, spread over a minute: every step is overdue.
    await keepPace(performance.now() - 60_000, 1, 2, { spreadMs: 60_000 });
    const hurry = new AbortController();
    const waiting = keepPace(performance.now(), 1, 2, { spreadMs: 60_000, hurry: hurry.signal });
    hurry.abort();
    await waiting;
    // Already told: no wait at all.
    await keepPace(performance.now(), 1, 2, { spreadMs: 60_000, hurry: hurry.signal });
  });
});
