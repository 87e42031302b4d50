import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/helpers). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The text of a documentation file, e.g. `docs/cli.md` or `README.md`. */
export const readDoc = (path: string) => readFileSync(`${REPO_ROOT}${path}`, 'utf8');

/** README.md and every page under docs/. */
export const DOC_PAGES: readonly string[] = [
  'README.md',
  ...readdirSync(`${REPO_ROOT}docs`)
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Every file under `dir` of the repository (e.g. `src`) whose name matches `names`, as [path, text]. */
export function sourceFiles(dir: string, names = /\.ts$/): [string, string][] {
  return readdirSync(`${REPO_ROOT}${dir}`, { recursive: true, encoding: 'utf8' })
    .filter((f) => names.test(f))
    .map((f): [string, string] => [`${dir}/${f}`, readFileSync(`${REPO_ROOT}${dir}/${f}`, 'utf8')]);
}

/** The first ```bash block (or block of `language`) after the line `heading` of a documentation file, as a reader copies it. */
export function docBlock(path: string, heading: string, language = 'bash'): string {
  const text = readDoc(path);
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`${path} has no heading "${heading}"`);
  const block = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(text.slice(at));
  if (!block) throw new Error(`${path} has no ${language} block after "${heading}"`);
  return block[1]!;
}

/**
 * The text of `path` from a line on: the first line that starts with `starts[0]`, then the first
 * after it that starts with `starts[1]`, and so on (a section's heading, then a line in it).
 */
function fromLines(path: string, starts: readonly string[]): string {
  let text = readDoc(path);
  for (const start of starts) {
    const at = text.indexOf(`\n${start}`);
    if (at < 0) throw new Error(`${path} has no line starting "${start}" after "${starts.join('" then "')}"`);
    text = text.slice(at + 1);
  }
  return text;
}

/** The first ```json block after the lines that start with `starts` (see fromLines), parsed. */
export function docJson(path: string, ...starts: string[]): any {
  const block = /```json\n([\s\S]*?)```/.exec(fromLines(path, starts));
  if (!block) throw new Error(`${path} has no json block after "${starts.join('", "')}"`);
  return JSON.parse(block[1]!);
}

/** The text of `path` after the lines that start with `starts` (see fromLines), up to the next heading outside a code block. */
export function docSection(path: string, ...starts: string[]): string {
  const lines = fromLines(path, starts).split('\n');
  let fenced = false;
  const end = lines.findIndex((line, i) => {
    if (line.startsWith('```')) fenced = !fenced;
    return i > 0 && !fenced && /^#{1,6} /.test(line);
  });
  return (end < 0 ? lines : lines.slice(0, end)).join('\n');
}

/** The body rows of the first Markdown table after the lines that start with `starts`, as cells (trimmed). */
export function docTable(path: string, ...starts: string[]): string[][] {
  const lines = fromLines(path, starts).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  if (first < 0) throw new Error(`${path} has no table after "${starts.join('", "')}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, line.endsWith('|') ? -1 : undefined)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

/** The first `code` span of a table cell (`` `client_id` `` → `client_id`), or undefined. */
export const codeIn = (cell: string): string | undefined => /`([^`]+)`/.exec(cell)?.[1];

/**
 * Asserts that an answer is the one a page documents: the same fields in the same order at every
 * depth, and the same values, except at the JSON Pointers in `generated` (ids, times, secrets),
 * where the value need only be of the documented type.
 */
export function assertLikeDocumented(served: unknown, documented: unknown, generated: readonly string[], at = ''): void {
  if (generated.includes(at)) {
    assert.equal(typeof served, typeof documented, `the type of ${at}`);
  } else if (Array.isArray(documented)) {
    assert.ok(Array.isArray(served), `${at} is an array`);
    assert.equal(served.length, documented.length, `the length of ${at}`);
    documented.forEach((item, i) => assertLikeDocumented(served[i], item, generated, `${at}/${i}`));
  } else if (documented !== null && typeof documented === 'object') {
    assert.ok(served !== null && typeof served === 'object', `${at} is an object`);
    assert.deepEqual(Object.keys(served), Object.keys(documented), `the fields of ${at || 'the answer'}`);
    for (const [key, value] of Object.entries(documented)) assertLikeDocumented((served as Record<string, unknown>)[key], value, generated, `${at}/${key}`);
  } else {
    assert.deepEqual(served, documented, at);
  }
}

/** `text` with each [from, to] replaced everywhere: the only changes a test makes to a recipe (addresses, paths, token values). */
export const substitute = (text: string, substitutions: readonly (readonly [string, string])[]) =>
  substitutions.reduce((out, [from, to]) => out.replaceAll(from, to), text);

/** The script of the `run: |` of the step named `step` in a workflow (YAML), as the runner executes it. */
export function workflowStep(yaml: string, step: string): string {
  const lines = yaml.split('\n');
  const named = lines.findIndex((line) => line.trim() === `- name: ${step}`);
  const run = lines.findIndex((line, i) => i > named && line.trim() === 'run: |');
  assert.ok(named >= 0 && run > named, `the workflow has a step "${step}" with a run: | script`);
  const indent = lines[run]!.search(/\S/);
  const script: string[] = [];
  for (const line of lines.slice(run + 1)) {
    if (line.trim() !== '' && line.search(/\S/) <= indent) break;
    script.push(line);
  }
  const margin = Math.min(...script.filter((l) => l.trim() !== '').map((l) => l.search(/\S/)));
  return script.map((l) => l.slice(margin)).join('\n');
}

/** The commands of a transcript block (```text with `$ command` lines, each followed by what it prints), with their output. */
export function transcriptOf(block: string): { command: string; output: string }[] {
  const steps: { command: string; output: string }[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), output: '' });
    else if (steps.length > 0 && line !== '') steps[steps.length - 1]!.output += `${line}\n`;
  }
  return steps;
}
