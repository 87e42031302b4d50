import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { parse } from 'yaml';
import { tokenRequest } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { runCli, tesseraOnPath } from '../helpers/process.js';
import { sh, shTranscript } from '../helpers/shell.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const BILLING = 'https://billing.example.com/';

/** The document of these tests: tenant acme with an API, a service account, two clients and a grant. */
const DOCUMENT = `# tenant acme, as code
version: 1
tenants:
  - id: acme
    apis:
      - identifier: ${BILLING}
        name: Billing
        scopes:
          - value: invoices:read
          - value: invoices:write
    service_accounts:
      - user_name: billing-jobs
    clients:
      - client_id: billing-nightly
        client_name: Nightly run
        service_account: billing-jobs
      - client_id: reports
    grants:
      - service_account: billing-jobs
        api: ${BILLING}
        scopes: [invoices:read]
`;

/** The plan of DOCUMENT on a server without tenant acme, in the server's order (tenant, APIs, service accounts, clients, grants). */
const CREATE_LINES = [
  '+ tenant acme',
  '+ api https://billing.example.com/ (tenant acme)',
  '+ service_account billing-jobs (tenant acme)',
  '+ client billing-nightly (tenant acme)',
  '+ client reports (tenant acme)',
  '+ grant service_account:billing-jobs>https://billing.example.com/ (tenant acme)',
];

/** The change lines of a plan and its summary line. */
function planOf(stdout: string): { lines: string[]; summary: string } {
  const all = stdout.trimEnd().split('\n');
  const summary = all.pop() ?? '';
  return { lines: all.filter((l) => /^[+~-] /.test(l)), summary };
}

describeEachDialect('tessera apply and tessera export against a running Tessera', (dialect) => {
  let t: TestTessera;
  let dir: string;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, env);
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  before(async () => {
    t = await startTessera({ dialect });
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-apply-'));
    env = { TESSERA_ADMIN_URL: t.adminUrl, TESSERA_ADMIN_TOKEN: t.adminToken };
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a plan on an empty server lists what it would create and exits with 5; nothing is written', async () => {
    const res = await cli('apply', '-f', file('tessera.yaml', DOCUMENT), '--plan');
    assert.equal(res.code, 5, res.stderr);
    assert.equal(res.stderr, '');
    assert.equal(res.stdout, [...CREATE_LINES, 'Plan: 6 to create, 0 to update, 0 to delete, 0 unchanged.\n'].join('\n'));
    assert.ok(!res.stdout.includes('\u001b'), 'no colours when stdout is not a terminal');
    assert.equal((await t.admin('GET', '/tenants/acme')).status, 404);
  });

  it('--secrets-out never overwrites a file: wrong usage, before anything is sent', async () => {
    const existing = file('taken.json', 'keep me\n');
    const res = await cli('apply', '-f', join(dir, 'tessera.yaml'), '--secrets-out', existing);
    assert.deepEqual([res.code, res.stderr], [2, `tessera: --secrets-out ${existing}: the file exists; it is never overwritten\n`]);
    assert.equal(readFileSync(existing, 'utf8'), 'keep me\n');
    assert.equal((await t.admin('GET', '/tenants/acme')).status, 404);
  });

  it('apply creates everything; the secrets go to a new 0600 file, and they work at the token endpoint', async () => {
    const secretsFile = join(dir, 'secrets.json');
    const res = await cli('apply', '-f', join(dir, 'tessera.yaml'), '--secrets-out', secretsFile, '--reason', 'first apply');
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(planOf(res.stdout), { lines: CREATE_LINES, summary: 'Applied: 6 created, 0 updated, 0 deleted, 0 unchanged.' });
    assert.equal(res.stderr, `2 client secrets written to ${secretsFile}\n`);
    assert.equal(statSync(secretsFile).mode & 0o777, 0o600);
    const { client_secrets: secrets } = JSON.parse(readFileSync(secretsFile, 'utf8'));
    assert.deepEqual(secrets.map((s: { tenant: string; client_id: string }) => [s.tenant, s.client_id]).sort(), [
      ['acme', 'billing-nightly'],
      ['acme', 'reports'],
    ]);
    for (const s of secrets) assert.ok(!res.stdout.includes(s.client_secret), 'no secret on stdout');
    const nightly = secrets.find((s: { client_id: string }) => s.client_id === 'billing-nightly');
    const token = await tokenRequest(t, '/t/acme/oauth2/token', 'billing-nightly', nightly.client_secret, { audience: BILLING });
    assert.equal(token.status, 200, token.text);
    assert.equal(token.body.scope, 'invoices:read');
  });

  it('a second plan: "No changes", exit 0; --verbose lists what is unchanged', async () => {
    const res = await cli('apply', '-f', join(dir, 'tessera.yaml'), '--plan');
    assert.deepEqual([res.code, res.stdout, res.stderr], [0, 'No changes: 6 unchanged.\n', '']);
    const verbose = await cli('apply', '-f', join(dir, 'tessera.yaml'), '--plan', '--verbose');
    assert.equal(verbose.code, 0);
    assert.match(verbose.stdout, /^ {2}client reports \(tenant acme\)$/m);
  });

  it('an edit: the plan shows each changing member from -> to; applying it exits 0', async () => {
    const edited = DOCUMENT.replace('scopes: [invoices:read]', 'scopes: [invoices:read, invoices:write]').replace('Nightly run', 'Nightly invoice run');
    const path = file('edited.yaml', edited);
    const plan = await cli('apply', '-f', path, '--plan');
    assert.equal(plan.code, 5, plan.stderr);
    assert.match(plan.stdout, /^~ client billing-nightly \(tenant acme\)\n {4}client_name: "Nightly run" → "Nightly invoice run"$/m);
    assert.match(
      plan.stdout,
      /^~ grant service_account:billing-jobs>https:\/\/billing\.example\.com\/ \(tenant acme\)\n {4}scopes: \["invoices:read"\] → \["invoices:read","invoices:write"\]$/m,
    );
    assert.equal(planOf(plan.stdout).summary, 'Plan: 0 to create, 2 to update, 0 to delete, 4 unchanged.');
    const applied = await cli('apply', '-f', path);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(planOf(applied.stdout).summary, 'Applied: 0 created, 2 updated, 0 deleted, 4 unchanged.');
    assert.equal(applied.stderr, '', 'no client created: no secrets, no note');
    assert.equal((await t.admin('GET', '/tenants/acme/clients/billing-nightly')).body.client_name, 'Nightly invoice run');
  });

  it('prune: what the document no longer names is deleted, only with --prune', async () => {
    const path = file('pruned.yaml', DOCUMENT.replace('      - client_id: reports\n', '').replace('Nightly run', 'Nightly invoice run'));
    const withoutPrune = await cli('apply', '-f', path, '--plan');
    assert.equal(planOf(withoutPrune.stdout).summary, 'Plan: 0 to create, 1 to update, 0 to delete, 4 unchanged.');
    const plan = await cli('apply', '-f', path, '--plan', '--prune');
    assert.equal(plan.code, 5);
    assert.ok(plan.stdout.includes('\n- client reports (tenant acme)\n'), plan.stdout);
    const applied = await cli('apply', '-f', path, '--prune');
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^Applied: 0 created, 1 updated, 1 deleted, 4 unchanged\.$/m);
    assert.equal((await t.admin('GET', '/tenants/acme/clients/reports')).status, 404);
  });

  it('export writes the current state; applying the export plans no change', async () => {
    const exported = join(dir, 'exported.yaml');
    const res = await cli('export', '--tenant', 'acme', '-o', exported);
    assert.deepEqual([res.code, res.stdout, res.stderr], [0, '', `the configuration was written to ${exported}\n`]);
    const document = parse(readFileSync(exported, 'utf8'));
    assert.deepEqual(
      document.tenants.map((tenant: { id: string }) => tenant.id),
      ['acme'],
    );
    assert.deepEqual(
      document.tenants[0].clients.map((c: { client_id: string }) => c.client_id),
      ['billing-nightly'],
    );
    const plan = await cli('apply', '-f', exported, '--plan');
    assert.deepEqual([plan.code, plan.stdout], [0, 'No changes: 5 unchanged.\n']);

    const json = await cli('export', '--tenant', 'acme', '--format', 'json');
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), document, 'the same document in JSON');
    const stdout = await cli('export', '--tenant', 'acme');
    assert.deepEqual(parse(stdout.stdout), document, 'YAML on stdout by default');
  });

  it('a YAML syntax error is reported with its line, before anything is sent', async () => {
    const path = file('broken.yaml', 'version: 1\ntenants:\n  - id: beta\n   name: Beta\n');
    const res = await cli('apply', '-f', path);
    assert.deepEqual([res.code, res.stdout, res.stderr], [2, '', `tessera: ${path}:4:1: Sequence item without - indicator\n`]);
    assert.equal((await t.admin('GET', '/tenants/beta')).status, 404);
  });

  it('a document the server refuses: each field error at its line and column in the file; nothing changes', async () => {
    const path = file('bad-scope.yaml', DOCUMENT.replace('scopes: [invoices:read]', 'scopes: [invoices:read, invoices:wrte]').replace('id: acme', 'id: gamma'));
    const res = await cli('apply', '-f', path);
    assert.equal(res.code, 1, res.stderr);
    assert.equal(res.stdout, '');
    const [title, ...fields] = res.stderr.trimEnd().split('\n');
    assert.match(title!, /^tessera: Unprocessable Content: /);
    assert.equal(fields.length, 1, res.stderr);
    assert.ok(fields[0]!.startsWith(`  ${path}:21:33: /tenants/0/grants/0/scopes/1: `), res.stderr);
    assert.ok(fields[0]!.includes('invoices:wrte'), res.stderr);
    assert.equal((await t.admin('GET', '/tenants/gamma')).status, 404, 'nothing was written');

    const unknown = file(
      'unknown-member.yaml',
      DOCUMENT.replace('      - user_name: billing-jobs\n', '      - user_name: billing-jobs\n        colour: blue\n'),
    );
    const schema = await cli('apply', '-f', unknown, '--plan');
    assert.deepEqual(
      [schema.code, schema.stderr],
      [1, `tessera: Bad Request: the request body is invalid\n  ${unknown}:13:9: /tenants/0/service_accounts/0/colour: unknown property\n`],
    );
  });

  it('--json prints the server answer as is; with --secrets-out its secrets go to the file only', async () => {
    const res = await cli('apply', '-f', join(dir, 'tessera.yaml'), '--plan', '--json');
    assert.equal(res.code, 5, res.stderr);
    const answer = JSON.parse(res.stdout);
    assert.deepEqual(Object.keys(answer), ['applied', 'changes', 'secrets']);
    assert.equal(answer.applied, false);
    assert.deepEqual(
      answer.changes.filter((c: { action: string }) => c.action === 'create'),
      [{ action: 'create', kind: 'client', tenant: 'acme', key: 'reports' }],
    );

    const secretsFile = join(dir, 'json-secrets.json');
    const applied = await cli('apply', '-f', join(dir, 'tessera.yaml'), '--json', '--secrets-out', secretsFile);
    assert.equal(applied.code, 0, applied.stderr);
    assert.deepEqual(JSON.parse(applied.stdout).secrets, []);
    const [written] = JSON.parse(readFileSync(secretsFile, 'utf8')).client_secrets;
    assert.deepEqual([written.tenant, written.client_id], ['acme', 'reports']);
  });

  it('without --secrets-out the secrets are printed once after the plan, with a note; -f - reads standard input', async () => {
    const document = DOCUMENT.replaceAll('acme', 'delta');
    const bin = tesseraOnPath(dir);
    const res = await shTranscript(`printf '%s' "$DOC" | tessera apply -f - 2>"${join(dir, 'stderr')}"`, {
      cwd: dir,
      env: { ...env, PATH: bin, DOC: document },
    });
    assert.equal(res.code, 0, res.output);
    const [, secretLines] = res.output.split('\nSecrets of the clients created (tenant, client_id, client_secret), shown this once:\n');
    assert.ok(secretLines, res.output);
    const secrets = secretLines
      .trimEnd()
      .split('\n')
      .map((line) => line.trim().split(/ {2}/));
    assert.deepEqual(secrets.map(([tenant, clientId]) => [tenant, clientId]).sort(), [
      ['delta', 'billing-nightly'],
      ['delta', 'reports'],
    ]);
    assert.equal(
      readFileSync(join(dir, 'stderr'), 'utf8'),
      'Store these client secrets now: they will not be shown again. In CI, give --secrets-out FILE instead.\n',
    );
    const [, , secret] = secrets.find(([, clientId]) => clientId === 'billing-nightly')!;
    assert.equal((await tokenRequest(t, '/t/delta/oauth2/token', 'billing-nightly', secret!, { audience: BILLING })).status, 200);
  });

  it('--secrets: a client created with the secret the file gives it (as tessera import keycloak writes it)', async () => {
    const secret = 'imported-secret-0123456789abcdef';
    const secretsFile = file('provided.json', JSON.stringify({ client_secrets: [{ tenant: 'epsilon', client_id: 'reports', client_secret: secret }] }));
    const res = await cli('apply', '-f', file('epsilon.yaml', DOCUMENT.replaceAll('acme', 'epsilon')), '--secrets', secretsFile, '--json');
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(
      JSON.parse(res.stdout).secrets.map((s: { client_id: string }) => s.client_id),
      ['billing-nightly'],
      'no secret is generated, nor returned, for the client given one',
    );
    const token = await tokenRequest(t, '/t/epsilon/oauth2/token', 'reports', secret);
    assert.notEqual(token.body.error, 'invalid_client', token.text);

    const malformed = file('malformed.json', '{"secrets": []}');
    const refused = await cli('apply', '-f', join(dir, 'epsilon.yaml'), '--secrets', malformed);
    assert.deepEqual(
      [refused.code, refused.stderr],
      [2, `tessera: --secrets ${malformed}: expected {"client_secrets": [{"tenant", "client_id", "client_secret"}, …]}\n`],
    );
  });

  it('colours on a terminal (green, yellow, red), none with NO_COLOR', async () => {
    const bin = tesseraOnPath(dir);
    const path = file('zeta.yaml', DOCUMENT.replaceAll('acme', 'zeta'));
    // `script` runs the command on a pseudo-terminal (its exit code 5 is expected: a plan with changes).
    const onTerminal = (extra: Record<string, string>) =>
      sh(`script -qc 'tessera apply -f "${path}" --plan; true' /dev/null`, { cwd: dir, env: { ...env, PATH: bin, TERM: 'xterm', ...extra } });
    const colored = await onTerminal({});
    assert.ok(colored.includes('\u001b[32m+ tenant zeta\u001b[0m'), JSON.stringify(colored));
    const plain = await onTerminal({ NO_COLOR: '1' });
    assert.ok(plain.includes('+ tenant zeta'), plain);
    assert.ok(!plain.includes('\u001b['), JSON.stringify(plain));
  });
});
