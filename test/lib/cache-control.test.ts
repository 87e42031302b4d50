import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheControlMaxAge } from '../../src/lib/outbound/cache-control.js';

describe('Cache-Control max-age', () => {
  it('reads max-age in seconds, in any case, among other directives, quoted or not', () => {
    const cases: [header: string | string[], seconds: number][] = [
      ['max-age=3600', 3600],
      ['public, max-age=600, must-revalidate', 600],
      ['MAX-AGE=0', 0],
      [' max-age = 120 ', 120],
      ['max-age="300"', 300],
      [['public', 'max-age=60'], 60],
      ['max-age=99999999999999', 2 ** 31],
    ];
    for (const [header, seconds] of cases) assert.equal(cacheControlMaxAge(header), seconds, JSON.stringify(header));
  });

  it('is null when there is nothing to honour: absent, no-store, no-cache, unreadable or repeated', () => {
    const cases: (string | string[] | undefined)[] = [
      undefined,
      '',
      'public',
      'no-store',
      'max-age=600, no-store',
      'no-cache, max-age=600',
      'max-age=-1',
      'max-age=1.5',
      'max-age=abc',
      'max-age=',
      'max-age',
      'max-age=10, max-age=20',
      ['max-age=10', 'max-age=10'],
      's-maxage=600',
    ];
    for (const header of cases) assert.equal(cacheControlMaxAge(header), null, JSON.stringify(header));
  });
});
