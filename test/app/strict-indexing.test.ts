import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { REPO_ROOT, sourceFiles } from '../helpers/docs.js';

/** The compiler options a tsconfig file of the repository sets (comments allowed, as tsc reads it). */
function compilerOptions(path: string): Record<string, unknown> {
  const read = ts.readConfigFile(`${REPO_ROOT}${path}`, (file) => ts.sys.readFile(file));
  assert.equal(read.error, undefined, `${path} is readable`);
  return (read.config as { compilerOptions: Record<string, unknown> }).compilerOptions;
}

/** How far above a non-null assertion on an index its reason may be written. */
const REASON_WITHIN_LINES = 3;

describe('the compiler checks every index and every optional property', () => {
  it('the server and the console both type-check with noUncheckedIndexedAccess and exactOptionalPropertyTypes', () => {
    for (const path of ['tsconfig.json', 'console/tsconfig.json']) {
      const options = compilerOptions(path);
      assert.equal(options.noUncheckedIndexedAccess, true, `${path}: noUncheckedIndexedAccess`);
      assert.equal(options.exactOptionalPropertyTypes, true, `${path}: exactOptionalPropertyTypes`);
    }
  });

  it('every non-null assertion on an index left in src/ and console/src/ says why the element is there', () => {
    const unexplained: string[] = [];
    for (const [file, text] of [...sourceFiles('src'), ...sourceFiles('console/src', /\.tsx?$/)]) {
      const lines = text.split('\n');
      lines.forEach((line, i) => {
        if (!/\]!(?!=)/.test(line)) return;
        const around = lines.slice(Math.max(0, i - REASON_WITHIN_LINES), i + 1);
        if (!around.some((l) => l.includes('//'))) unexplained.push(`${file}:${i + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(unexplained, [], 'check the element instead, or write on the line or just above why it is there');
  });
});
