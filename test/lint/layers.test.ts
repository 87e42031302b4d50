import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/docs.js';

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

interface CruiseResult {
  summary: { violations: Violation[]; totalCruised: number; ruleSetUsed: { forbidden: { name: string }[] } };
}

/** The layer rules of .dependency-cruiser.cjs, one per direction the style guide forbids. */
const RULES = [
  'lib-is-generic',
  'app-only-from-entry-points',
  'http-and-cli-never-import-storage',
  'protocol-below-http',
  'domain-below-protocol',
  'storage-at-the-bottom',
  'storage-uses-domain-model-types-only',
  'storage-imports-domain-models-as-types',
  'observability-not-http',
];

/** What `npm run lint:layers` checks, as JSON: dependency-cruiser over the TypeScript sources of src/. */
async function cruiseSources(): Promise<CruiseResult> {
  const bin = `${REPO_ROOT}node_modules/dependency-cruiser/bin/dependency-cruise.mjs`;
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    cwd: REPO_ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout) as CruiseResult;
}

describe('layers: imports in src/ run one way (http → protocol → domain → storage; app/ composes)', () => {
  it('no module of src/ imports across a layer rule', async () => {
    const { summary } = await cruiseSources();
    assert.deepEqual(
      summary.ruleSetUsed.forbidden.map((r) => r.name),
      RULES,
    );
    // Every source module was read: a check of nothing would find no violation either.
    assert.ok(summary.totalCruised > 150, `cruised ${summary.totalCruised} modules`);
    assert.deepEqual(
      summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`),
      [],
    );
  });
});
