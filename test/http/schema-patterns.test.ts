import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PATTERN_DETAILS } from '../../src/http/schemas/common.js';

/** Every `pattern` of a schema reachable from `value`, with where it was found. */
function patternsIn(value: unknown, at: string, found: Map<string, string>, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'pattern' && typeof inner === 'string') found.set(inner, at);
    else patternsIn(inner, `${at}.${key}`, found, seen);
  }
}

describe('admin API schemas: field errors in words', () => {
  it('has a readable field error for every pattern a request schema uses, so no answer shows a regular expression', async () => {
    const dir = new URL('../../src/http/schemas/', import.meta.url);
    const found = new Map<string, string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.js'))) {
      const module: Record<string, unknown> = await import(new URL(file, dir).href);
      for (const [name, schema] of Object.entries(module)) patternsIn(schema, `${file}:${name}`, found);
    }
    assert.ok(found.size >= 4, `the schemas' patterns were found: ${[...found.keys()].join(', ')}`);
    const unexplained = [...found].filter(([pattern]) => PATTERN_DETAILS[pattern] === undefined).map(([pattern, at]) => `${at}: ${pattern}`);
    assert.deepEqual(unexplained, []);
  });
});
