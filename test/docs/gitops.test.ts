import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { parse } from 'yaml';
import { tokenRequest } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { assertLikeDocumented, docBlock, docJson, docSection, substitute, transcriptOf } from '../helpers/docs.js';
import { FEDERATION_TEST_ENV, githubActionsClaims, serveGithubJobTokens, startOidcIssuer, type TestIssuer } from '../helpers/federated-issuers.js';
import { tesseraOnPath } from '../helpers/process.js';
import { shTranscript } from '../helpers/shell.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const GUIDE = 'docs/gitops.md';
const GITHUB = 'https://token.actions.githubusercontent.com';
const BILLING = 'https://billing.example.com/';

/** The lines a ```diff block removes and adds, as one [from, to] substitution. */
function diffOf(block: string): [string, string] {
  const lines = block.trimEnd().split('\n');
  const side = (sign: string) =>
    lines
      .filter((l) => !l.startsWith(sign === '-' ? '+' : '-'))
      .map((l) => l.slice(1))
      .join('\n');
  return [side('-'), side('+')];
}

/** The first block of `language` after the line that starts with `start` in a section (up to the next heading). */
function blockAfter(section: string, start: string, language: string): string {
  const block = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(docSection(GUIDE, section, start));
  assert.ok(block, `${GUIDE}: a ${language} block after "${start}" in "${section}"`);
  return block[1]!;
}

/** The first ```text block after the line that starts with `start` in a section, as a transcript. */
const transcriptAfter = (section: string, start: string) => transcriptOf(blockAfter(section, start, 'text'));

describeEachDialect("docs/gitops.md's recipes, run as written", (dialect) => {
  let t: TestTessera;
  let dir: string;
  const issuers: TestIssuer[] = [];
  const document = docBlock(GUIDE, '## The configuration document', 'yaml');
  /** Runs a command line as a reader runs it in the repository, with the admin CLI configured and `tessera` on the PATH. */
  const run = (command: string, env: Record<string, string> = {}) =>
    shTranscript(command, { cwd: dir, env: { PATH: tesseraOnPath(dir), TESSERA_ADMIN_URL: t.adminUrl, TESSERA_ADMIN_TOKEN: t.adminToken, ...env } });
  /** Runs each `$ command` of a transcript and asserts what it prints and its exit code. */
  const replay = async (steps: { command: string; output: string }[], codes: number[]) => {
    assert.equal(steps.length, codes.length, 'one exit code per command');
    for (const [i, step] of steps.entries()) {
      const res = await run(step.command);
      assert.equal(res.output, step.output, `$ ${step.command}`);
      assert.equal(res.code, codes[i], `exit code of $ ${step.command}`);
    }
  };
  const writeDocument = (text: string) => writeFileSync(join(dir, 'tessera.yaml'), text);

  before(async () => {
    // The simulated GitHub is on 127.0.0.1: allowed by name.
    t = await startTessera({ dialect, env: FEDERATION_TEST_ENV });
    dir = mkdtempSync(join(tmpdir(), 'tessera-docs-gitops-'));
  });
  after(async () => {
    await Promise.all(issuers.map((issuer) => issuer.close()));
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the document: planned (exit 5), applied with its secret in a 0600 file, planned again (no changes)', async () => {
    writeDocument(document);
    await replay(transcriptAfter('## Plan and apply', 'server without tenant'), [5, 0, 0]);
    const secretsFile = join(dir, 'secrets.json');
    assert.equal(statSync(secretsFile).mode & 0o777, 0o600);
    const secrets = JSON.parse(readFileSync(secretsFile, 'utf8'));
    assertLikeDocumented(secrets, docJson(GUIDE, '## Plan and apply', '**Secrets.**'), ['/client_secrets/0/client_secret']);
    const token = await tokenRequest(t, '/t/acme/oauth2/token', 'billing-nightly', secrets.client_secrets[0].client_secret, { audience: BILLING });
    assert.equal(token.status, 200, token.text);
    assert.equal(token.body.scope, 'invoices:read invoices:write');
  });

  it('exporting the state right after the first apply: the document shown; applied, it changes nothing', async () => {
    const exported = await run('tessera export --tenant acme');
    assert.deepEqual([exported.code, exported.output], [0, docBlock(GUIDE, '## Exporting the current state', 'yaml')]);
    const res = await run(docBlock(GUIDE, '## Exporting the current state'));
    assert.deepEqual([res.code, res.output], [0, `the configuration was written to tenants/acme.yaml\nNo changes: 8 unchanged.\n`]);
    const loop = await run(docBlock(GUIDE, '## A repository of configuration'));
    assert.deepEqual([loop.code, loop.output], [0, 'No changes: 8 unchanged.\n'], 'the loop over one file per tenant');
  });

  it('a change: the plan shows the member from -> to', async () => {
    const edited = substitute(document, [diffOf(blockAfter('## Plan and apply', '**A change.**', 'diff'))]);
    assert.notEqual(edited, document, 'the diff applies to the document');
    writeDocument(edited);
    await replay(transcriptAfter('## Plan and apply', '**A change.**'), [5]);
    assert.equal((await run('tessera apply -f tessera.yaml')).code, 0);
  });

  it('deleting: only with --prune', async () => {
    const edited = readFileSync(join(dir, 'tessera.yaml'), 'utf8');
    const withoutNightly = edited.replace(/ {6}- client_id: billing-nightly[\s\S]*?(?= {6}- client_id: billing-deploy)/, '');
    assert.notEqual(withoutNightly, edited);
    writeDocument(withoutNightly);
    await replay(transcriptAfter('## Plan and apply', '**Deleting.**'), [5]);
    writeDocument(edited);
  });

  it('when the server refuses: the field error at its line and column; nothing changes', async () => {
    const edited = readFileSync(join(dir, 'tessera.yaml'), 'utf8');
    writeDocument(document.replace('scopes: [invoices:read]', 'scopes: [invoices:wrte]'));
    await replay(transcriptAfter('## Plan and apply', '**When the server refuses.**'), [1]);
    writeDocument(edited);
  });

  it('CI: the registration once, then the workflow gets a token with no secret, plans a pull request, applies on merge, detects drift', async () => {
    const github = await startOidcIssuer({ issuer: GITHUB, alg: 'RS256' });
    issuers.push(github);
    const registration = await run(
      substitute(docBlock(GUIDE, '## CI: plan on pull requests, apply on merge'), [[`${GITHUB}/.well-known/jwks`, github.jwksUri]]),
    );
    assert.equal(registration.code, 0, registration.output);

    const workflowText = blockAfter('## CI: plan on pull requests, apply on merge', '`.github/workflows/tessera.yml`', 'yaml');
    const workflow = parse(workflowText);
    assert.deepEqual(Object.keys(workflow.on), ['pull_request', 'push', 'schedule']);
    assert.deepEqual(workflow.permissions, { 'id-token': 'write', contents: 'read' });
    /** A step of the job, by name, as the runner reads it. */
    const step = (name: string): { if?: string; run: string } => workflow.jobs.tessera.steps.find((s: { name?: string }) => s.name === name);
    const stepIf = (name: string) => step(name).if;
    assert.deepEqual(['Plan', 'Apply', 'Detect drift'].map(stepIf), [
      "github.event_name == 'pull_request'",
      "github.event_name == 'push'",
      "github.event_name == 'schedule'",
    ]);
    const here = [
      ['https://auth.example.com', t.publicUrl],
      ['https://admin.auth.example.com', t.adminUrl],
    ] as const;
    /** One run of the workflow: its token for the job's `sub`, then `steps` with the job's environment. */
    const job = async (sub: string, steps: string[], extra: Record<string, string> = {}) => {
      const { env: jobEnv } = serveGithubJobTokens(github, (aud) => ({ ...githubActionsClaims({ aud, repository: 'acme/tessera-config' }), sub }));
      const githubEnv = join(dir, 'github-env');
      writeFileSync(githubEnv, '');
      const env = { ...jobEnv, GITHUB_ENV: githubEnv, RUNNER_TEMP: dir, TESSERA_ADMIN_URL: t.adminUrl, TESSERA_ADMIN_TOKEN: '', ...extra };
      const got = await run(substitute(step('Get a Tessera token').run, here), env);
      const exported = /^TESSERA_ADMIN_TOKEN=(\S+)\n$/.exec(readFileSync(githubEnv, 'utf8'));
      assert.ok(exported, `the step exports the token: ${got.output}`);
      assert.equal(got.output, `::add-mask::${exported[1]}\n`, 'and masks it in the log');
      const results = [];
      for (const name of steps) results.push(await run(substitute(step(name).run, here), { ...env, TESSERA_ADMIN_TOKEN: exported[1]! }));
      return results;
    };

    // A pull request takes a scope back: the plan shows it, and the job succeeds (exit code 5 is expected there).
    const proposed = substitute(readFileSync(join(dir, 'tessera.yaml'), 'utf8'), [
      ['        scopes: [invoices:read, invoices:write]\n    federated', '        scopes: [invoices:read]\n    federated'],
    ]);
    writeDocument(proposed);
    const summary = join(dir, 'step-summary');
    const [plan] = await job('repo:acme/tessera-config:pull_request', ['Plan'], { GITHUB_STEP_SUMMARY: summary });
    assert.equal(plan!.code, 0, plan!.output);
    assert.match(plan!.output, /^~ grant client:billing-deploy>https:\/\/billing\.example\.com\/ \(tenant acme\)$/m);
    assert.ok(readFileSync(summary, 'utf8').startsWith('~~~diff\n~ grant client:billing-deploy>'), 'the plan is on the summary page');

    // Merged: the push to main applies it, with the commit as reason.
    const [applied] = await job('repo:acme/tessera-config:ref:refs/heads/main', ['Apply'], {
      GITHUB_REPOSITORY: 'acme/tessera-config',
      GITHUB_SHA: 'f00dcafe',
    });
    assert.equal(applied!.code, 0, applied!.output);
    assert.match(applied!.output, /^Applied: 0 created, 1 updated, 0 deleted, 7 unchanged\.$/m);
    const events = (await t.admin('GET', '/audit-events?action=config.apply')).body.items;
    assert.equal(events[0].reason, 'acme/tessera-config@f00dcafe');
    assert.equal(events[0].actor, 'client:tessera-config');

    // Someone changes a managed client by hand: the scheduled plan fails with exit code 5 and shows it.
    assert.equal((await run(docBlock(GUIDE, '## Drift detection'))).code, 0);
    const [shown] = transcriptAfter('## Drift detection', 'the morning');
    assert.equal(shown!.command, 'tessera apply -f tessera.yaml --plan --prune');
    const [drift] = await job('repo:acme/tessera-config:ref:refs/heads/main', ['Detect drift']);
    assert.deepEqual([drift!.code, drift!.output], [5, shown!.output]);
  });
});
