import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { RELAY_TIMEOUT_MS } from '../../src/app/cluster.js';
import { MAX_WORKERS, VARIABLES, type Config } from '../../src/app/config.js';
import { registerServe } from '../../src/cli/serve.js';
import { codeIn, DOC_PAGES, docSection, docTable, readDoc, sourceFiles } from '../helpers/docs.js';

/** Every setting's variable, from src/app/config.ts. */
const variables = new Set(Object.values(VARIABLES));

/** The `tessera serve` flag of each variable that has one, from src/cli/serve.ts as commander registers it. */
function serveFlags(): Map<string, string> {
  const program = new Command();
  registerServe(program);
  const serve = program.commands.find((c) => c.name() === 'serve')!;
  const flags = new Map<string, string>();
  for (const option of serve.options) {
    const variable = VARIABLES[option.attributeName() as keyof Config];
    assert.ok(variable, `serve's ${option.long} sets no setting of config.ts`);
    flags.set(variable, option.long!);
  }
  return flags;
}
const flags = serveFlags();

describe('the settings as documented are the settings of config.ts and tessera serve', () => {
  it('docs/configuration.md has one section per variable, no section for a variable that does not exist, and names each flag of serve', () => {
    const headings = [...readDoc('docs/configuration.md').matchAll(/^### (.*)$/gm)].map((m) => m[1]!).filter((h) => h.includes('`TESSERA_'));
    const documented = new Set<string>();
    for (const heading of headings) {
      const named = [...heading.matchAll(/`(TESSERA_[A-Z_]+)`/g)].map((m) => m[1]!);
      const headingFlags = [...heading.matchAll(/`(--[a-z-]+)`/g)].map((m) => m[1]!);
      for (const variable of named) {
        assert.ok(variables.has(variable), `configuration.md documents ${variable}, which config.ts does not read`);
        documented.add(variable);
      }
      assert.deepEqual(
        headingFlags,
        named.map((v) => flags.get(v)).filter((f) => f !== undefined),
        `the flags in "${heading}"`,
      );
      if (headingFlags.length === 0) assert.match(heading, /\(environment only\)/, heading);
    }
    assert.deepEqual(
      [...variables].filter((v) => !documented.has(v)),
      [],
      'variables of config.ts without a section in configuration.md',
    );
  });

  it("README.md's settings table lists every variable once, with its flag or (environment only)", () => {
    const rows = docTable('README.md', '| variable | flag of `serve` |');
    const listed = rows.map((row) => codeIn(row[0]!)!);
    assert.deepEqual([...listed].sort(), [...variables].sort());
    for (const row of rows) {
      const variable = codeIn(row[0]!)!;
      assert.equal(row[1], flags.has(variable) ? `\`${flags.get(variable)}\`` : '(environment only)', variable);
    }
  });

  it('every other settings table of the docs names real variables with their real flags', () => {
    for (const page of DOC_PAGES) {
      for (const [, variable, flag] of readDoc(page).matchAll(/^\| `(TESSERA_[A-Z_]+)` \| `(--[a-z-]+)[^`]*` \|/gm)) {
        assert.ok(variables.has(variable!), `${page}: ${variable}`);
        assert.equal(flag, flags.get(variable!), `${page}: the flag of ${variable}`);
      }
    }
  });

  it("TESSERA_WORKERS: auto's cap and how long an admin change waits for the workers are the code's", () => {
    const section = docSection('docs/configuration.md', '### `TESSERA_WORKERS`').replace(/\s+/g, ' ');
    assert.match(section, new RegExp(`one worker process per core \\(\`os\\.availableParallelism\\(\\)\`\\), at most ${MAX_WORKERS}\\.`));
    assert.match(section, new RegExp(`or after ${RELAY_TIMEOUT_MS / 1000} seconds at most`));
    // A worker's own change waits for the primary, which waits for the other workers: twice the relay timeout.
    assert.match(section, new RegExp(`\\(${(2 * RELAY_TIMEOUT_MS) / 1000} seconds at most;`));
  });

  it('every TESSERA_ variable the docs mention is read by the server, the CLI or the test helpers', () => {
    const sources = [...sourceFiles('src'), ...sourceFiles('test/helpers')].map(([, text]) => text).join('\n');
    for (const page of DOC_PAGES) {
      for (const [name] of readDoc(page).matchAll(/TESSERA_[A-Z0-9_]*[A-Z0-9]/g)) {
        assert.ok(variables.has(name) || sources.includes(`'${name}'`) || sources.includes(`env.${name}`), `${page} mentions ${name}, which nothing reads`);
      }
    }
  });
});
