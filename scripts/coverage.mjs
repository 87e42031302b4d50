#!/usr/bin/env node
// Runs test files under V8's coverage and prints, for every file of dist/src, the share of its
// lines that ran, then the functions no test ran. No threshold: it shows what is untested.
//
//   node scripts/coverage.mjs                      every test file under dist/test (npm test)
//   node scripts/coverage.mjs dist/test/a.test.js  these files only
//
// Lines are those of the built JavaScript (dist/src/*.js, one file per src/*.ts): blank lines and
// lines of closing brackets alone are not counted. The test servers spawned as processes
// (tessera serve in the e2e suites) are measured too: they inherit NODE_V8_COVERAGE.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = join(root, 'dist/src');
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : walk(join(root, 'dist/test'))
        .filter((f) => f.endsWith('.test.js'))
        .sort();

const coverageDir = mkdtempSync(join(tmpdir(), 'tessera-coverage-'));
// The test output goes through as it comes; its closing summary (# tests, # pass, # fail, …) is
// printed again after the report, so that the run still ends with it.
// Two test files at a time: CI machines have two cores, and most files wait on servers and sockets.
const child = spawn(process.execPath, ['--test', '--test-concurrency=2', ...files], {
  cwd: root,
  stdio: ['inherit', 'pipe', 'inherit'],
  env: { ...process.env, NODE_V8_COVERAGE: coverageDir },
});
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString('utf8')).slice(-8192);
});
const [code, signal] = await once(child, 'exit');
const run = { status: signal ? null : code };
const summary = tail.split('\n').filter((line) => /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(line));

/** Line → ran (true) or not (false), per file of dist/src, merged over every process. */
const lines = new Map();
/** Functions that ran nowhere: file → names. A function that ran in any process is removed. */
const notRun = new Map();
const ran = new Set();
for (const name of readdirSync(coverageDir)) {
  const { result } = JSON.parse(readFileSync(join(coverageDir, name), 'utf8'));
  for (const script of result) {
    if (!script.url.startsWith(pathToFileURL(src).href)) continue;
    const file = fileURLToPath(script.url);
    const text = readFileSync(file, 'utf8');
    const starts = codeLineStarts(text);
    const counts = new Array(starts.length).fill(undefined);
    const ranges = script.functions.flatMap((f) => f.ranges.map((r, i) => ({ ...r, fn: i === 0 ? f.functionName : null })));
    // Outer ranges first, nested ones after: the innermost range containing a line decides.
    ranges.sort((a, b) => a.startOffset - b.startOffset || b.endOffset - a.endOffset);
    for (const range of ranges) {
      starts.forEach((offset, line) => {
        if (offset !== null && offset >= range.startOffset && offset < range.endOffset) counts[line] = range.count;
      });
      if (range.fn) {
        const key = `${file}\0${range.fn}\0${range.startOffset}`;
        if (range.count > 0) ran.add(key);
        else if (range.fn !== '') notRun.set(key, { file, name: range.fn, line: lineOf(text, range.startOffset) });
      }
    }
    const merged = lines.get(file) ?? new Map();
    counts.forEach((count, line) => {
      if (starts[line] === null) return;
      merged.set(line, (merged.get(line) ?? false) || (count ?? 0) > 0);
    });
    lines.set(file, merged);
  }
}
rmSync(coverageDir, { recursive: true, force: true });

// Files no test loaded count too, with none of their lines run.
for (const file of walk(src).filter((f) => f.endsWith('.js'))) {
  if (lines.has(file)) continue;
  const merged = new Map();
  codeLineStarts(readFileSync(file, 'utf8')).forEach((offset, line) => offset !== null && merged.set(line, false));
  lines.set(file, merged);
}

const rows = [...lines].map(([file, merged]) => {
  const total = merged.size;
  const covered = [...merged.values()].filter(Boolean).length;
  return { name: relative(join(root, 'dist'), file).replace(/\.js$/, '.ts'), total, covered };
});
rows.sort((a, b) => a.name.localeCompare(b.name));
const pct = (covered, total) => (total === 0 ? 100 : (100 * covered) / total).toFixed(1).padStart(5);
const width = Math.max(...rows.map((r) => r.name.length));
console.log(`\n# coverage of src/ (lines of the built JavaScript that ran)\n#`);
console.log(`# ${'file'.padEnd(width)}  lines %  not run`);
for (const r of rows) console.log(`# ${r.name.padEnd(width)}  ${pct(r.covered, r.total)}    ${String(r.total - r.covered).padStart(5)}`);
const all = rows.reduce((s, r) => ({ covered: s.covered + r.covered, total: s.total + r.total }), { covered: 0, total: 0 });
console.log(`# ${'all files'.padEnd(width)}  ${pct(all.covered, all.total)}    ${String(all.total - all.covered).padStart(5)}`);
const never = [...notRun]
  .filter(([key]) => !ran.has(key))
  .map(([, f]) => `${relative(join(root, 'dist'), f.file).replace(/\.js$/, '.ts')}: ${f.name} (line ${f.line} of the .js)`);
console.log(`#\n# functions no test ran (${never.length}):`);
for (const line of [...new Set(never)].sort()) console.log(`#   ${line}`);
console.log(`\n${summary.join('\n')}`);
process.exit(run.status ?? 1);

/** Offset of each line's first character of code, or null for a line with none worth counting. */
function codeLineStarts(text) {
  const starts = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const code = line.search(/\S/);
    const trimmed = line.trim();
    const counted = code >= 0 && !/^[)\]}]+[;,]?$/.test(trimmed) && !trimmed.startsWith('//') && !trimmed.startsWith('*') && !trimmed.startsWith('/*');
    starts.push(counted ? offset + code : null);
    offset += line.length + 1;
  }
  return starts;
}

function lineOf(text, offset) {
  return text.slice(0, offset).split('\n').length;
}

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
