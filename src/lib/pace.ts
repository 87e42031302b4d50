import { setImmediate as yieldToRequests, setTimeout as sleep } from 'node:timers/promises';

/** How a long background write is spread over time (see keepPace). */
export interface Pace {
  /** The time the write is spread over, in milliseconds. */
  readonly spreadMs: number;
  /** Once aborted, the write goes on at full speed (the process is stopping). */
  readonly hurry?: AbortSignal;
}

/**
 * Between the steps of a long background write: waits until step `done` of `total` is due when
 * the steps are spread evenly over `pace.spreadMs` from `startedMs` (a `performance.now()` time),
 * and in any case lets the requests waiting run first. A write behind its pace does not wait, and
 * neither does one told to hurry.
 */
export async function keepPace(startedMs: number, done: number, total: number, pace: Pace): Promise<void> {
  const wait = startedMs + (pace.spreadMs * done) / total - performance.now();
  if (wait < 1 || pace.hurry?.aborted) {
    await yieldToRequests();
    return;
  }
  await sleep(wait, undefined, { signal: pace.hurry }).catch((err: unknown) => {
    if (!(err instanceof Error && err.name === 'AbortError')) throw err;
  });
}

/** No spreading: a write at full speed (between requests). */
export const AT_ONCE: Pace = { spreadMs: 0 };
