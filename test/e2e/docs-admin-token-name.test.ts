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

/** Shell variables the docs send as bearer tokens: the admin token, the metrics token, and access tokens got from Tessera. */
const BEARER_VARIABLES = new Set(['TESSERA_ADMIN_TOKEN', 'TESSERA_METRICS_TOKEN', 'TOKEN', 'ACCESS_TOKEN']);

describe('the admin token has one name in the docs: TESSERA_ADMIN_TOKEN, as the CLI and tessera serve read it', () => {
  it('no page names another variable for it', () => {
    for (const page of pages) {
      const text = readDoc(page);
      assert.doesNotMatch(text, /\bTESSERA_TOKEN\b/, page);
      assert.doesNotMatch(text, /\$\{?ADMIN_TOKEN\b/, page);
      for (const [, name] of text.matchAll(/Bearer \$\{?([A-Za-z_]+)/g)) assert.ok(BEARER_VARIABLES.has(name!), `${page}: Bearer $${name}`);
    }
  });
});
