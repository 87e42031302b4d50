import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readDoc, REPO_ROOT } from '../helpers/docs.js';

/** README.md and every page under docs/. */
const pages = [
  'README.md',
  ...readdirSync(`${REPO_ROOT}docs`)
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('the docs speak of the product as it is, and wait for readiness rather than a fixed time', () => {
  it('no shell block of README.md or docs/ sleeps a whole number of seconds as a readiness check', () => {
    for (const page of pages) {
      for (const [, block] of readDoc(page).matchAll(/```(?:bash|sh)\n([\s\S]*?)```/g)) {
        // A short pause inside a loop that polls (`until …; do sleep 0.2; done`) is waiting on an event; a bare `sleep 3` is a guess.
        for (const line of block!.split('\n')) assert.doesNotMatch(line, /^\s*sleep \d+\b(?!\.)/, `${page}: ${line}`);
      }
    }
  });

  it('no page carries a note about a branch (work in progress left behind)', () => {
    for (const page of pages) assert.doesNotMatch(readDoc(page), /\bon this branch\b|\bnot present on this branch\b/i, page);
  });
});
