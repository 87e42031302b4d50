import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { publishedConfigSchema } from '../../src/http/schemas/config.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { readDoc, REPO_ROOT } from '../helpers/docs.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const COMMITTED = 'schema/config.schema.json';

/** The pages whose configuration documents a reader copies. */
const PAGES = ['docs/gitops.md', 'docs/api.md'];

/** One ```yaml or ```json block of a page that is a whole configuration document (`version: 1` at its top). */
interface ExampleDocument {
  readonly page: string;
  readonly line: number;
  readonly language: 'yaml' | 'json';
  readonly text: string;
}

/** Every fenced yaml or json block of `page` holding an object with `version: 1` (other blocks are answers, fragments, or other formats). */
function exampleDocuments(page: string): ExampleDocument[] {
  const text = readDoc(page);
  return [...text.matchAll(/^```(yaml|json)\n([\s\S]*?)^```/gm)].flatMap((m) => {
    const [, language, body] = m as unknown as [string, 'yaml' | 'json', string];
    let value: unknown;
    try {
      value = language === 'json' ? JSON.parse(body) : parse(body);
    } catch {
      return [];
    }
    const isDocument = typeof value === 'object' && value !== null && (value as { version?: unknown }).version === 1;
    return isDocument ? [{ page, line: text.slice(0, m.index).split('\n').length, language, text: body }] : [];
  });
}

describe('the committed JSON Schema of the configuration document', () => {
  it(`${COMMITTED} is publishedConfigSchema() byte for byte, as node scripts/config-schema.mjs writes it`, () => {
    const committed = readFileSync(`${REPO_ROOT}${COMMITTED}`, 'utf8');
    assert.equal(committed, `${JSON.stringify(publishedConfigSchema(), null, 2)}\n`, 'run npm run build && node scripts/config-schema.mjs');
  });
});

describeEachDialect('the JSON Schema served, and every example document of the docs', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  it('GET /config/schema.json (no token) is the committed schema', async () => {
    const served = await t.admin('GET', '/config/schema.json', undefined, { token: null });
    assert.equal(served.status, 200, served.text);
    assert.deepEqual(served.body, JSON.parse(readFileSync(`${REPO_ROOT}${COMMITTED}`, 'utf8')));
  });

  it('every yaml or json block of docs/gitops.md and docs/api.md with version: 1 is accepted by a dry run, as written', async () => {
    const examples = PAGES.flatMap(exampleDocuments);
    assert.ok(
      examples.some((e) => e.page === 'docs/gitops.md'),
      'docs/gitops.md shows a configuration document',
    );
    for (const example of examples) {
      const type = example.language === 'yaml' ? 'application/yaml' : 'application/json';
      const res = await t.admin('POST', '/config/apply?dry_run=true', example.text, { headers: { 'content-type': type } });
      assert.equal(res.status, 200, `${example.page}:${example.line}: ${res.text}`);
      assert.ok(Array.isArray(res.body.changes), `${example.page}:${example.line}: ${res.text}`);
    }
    const exported = await t.admin('GET', '/config/export');
    assert.equal(exported.status, 200, exported.text);
    assert.deepEqual(
      exported.body.tenants.map((tenant: { id: string }) => tenant.id),
      ['default'],
      'dry runs created nothing',
    );
  });
});
