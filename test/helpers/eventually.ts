import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` every `intervalMs` until it returns true, for at most `withinMs`; answers how
 * long that took, or throws (with `what`) when it never did.
 */
export async function eventually(what: string, check: () => Promise<boolean>, options: { withinMs: number; intervalMs?: number }): Promise<number> {
  const started = performance.now();
  const deadline = started + options.withinMs;
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() >= deadline) throw new Error(`${what}: not within ${options.withinMs} ms`);
    await sleep(options.intervalMs ?? 20);
  }
}
