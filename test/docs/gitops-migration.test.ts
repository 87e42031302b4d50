import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { describeEachDialect } from '../helpers/dialects.js';
import { docSection, REPO_ROOT, transcriptOf } from '../helpers/docs.js';
import { tesseraOnPath } from '../helpers/process.js';
import { sh, shTranscript } from '../helpers/shell.js';
import { basic, startTessera, type TestTessera } from '../helpers/tessera.js';
import { assertTokenFor } from '../helpers/tokens.js';

const GUIDE = 'docs/gitops.md';

/** The ```LANGUAGE blocks of a section of the guide, in order. */
function blocksOf(heading: string, language: string): string[] {
  return [...docSection(GUIDE, heading).matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!);
}

/** The client ids of a secrets file, sorted. */
const secretIds = (path: string) =>
  (JSON.parse(readFileSync(path, 'utf8')) as { client_secrets: { client_id: string }[] }).client_secrets.map((s) => s.client_id).sort();

describeEachDialect('docs/gitops.md: migrating from Ory Hydra, Keycloak and Auth0, as written', (dialect) => {
  let t: TestTessera;
  let dir: string;
  const dirs: string[] = [];
  /** The environment of an operator's shell: `tessera` on the PATH and the admin API's address and token. */
  const env = () => ({ PATH: tesseraOnPath(dir), TESSERA_ADMIN_URL: t.adminUrl, TESSERA_ADMIN_TOKEN: t.adminToken });

  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  /**
   * Runs a "Migrating from …" section against a fixture in place of the system's export: the export command writes the file the
   * fixture stands for, the import prints the report the page shows, the apply succeeds and a second plan finds nothing to change.
   */
  async function followSection(heading: string, fixture: string, exported: string): Promise<void> {
    dir = mkdtempSync(join(tmpdir(), 'tessera-migration-'));
    dirs.push(dir);
    const [exportStep, applyStep, ...more] = blocksOf(heading, 'bash');
    assert.deepEqual(more, [], `${heading}: an export block and an apply block`);
    assert.ok(exportStep?.includes(` ${exported}`), `${heading}: the export writes ${exported}`);
    cpSync(`${REPO_ROOT}test/fixtures/import/${fixture}`, join(dir, exported), { recursive: true });
    const [transcript] = blocksOf(heading, 'text');
    for (const { command, output } of transcriptOf(transcript!)) {
      const served = await shTranscript(command, { cwd: dir, env: env() });
      assert.equal(served.output, output, command);
      assert.equal(served.code, 0, command);
    }
    await sh(applyStep!, { cwd: dir, env: env() });
    await sh('tessera apply -f tessera.yaml --plan', { cwd: dir, env: env() });
  }
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('Migrating from Ory Hydra: import, apply; the secret clients get new secrets in the file', async () => {
    await followSection('## Migrating from Ory Hydra', 'hydra-clients.json', 'hydra-clients.json');
    assert.deepEqual(secretIds(join(dir, 'hydra-new-secrets.json')), ['9ff06376-521d-42ef-930c-a7717e10ad3e', 'billing sync:eu+1%']);
  });

  it('Migrating from Keycloak: import with the secrets file, apply; the client keeps its secret, the file is gone', async () => {
    await followSection('## Migrating from Keycloak', 'keycloak-realm.json', 'realm.json');
    assert.equal(existsSync(join(dir, 'keycloak-secrets.json')), false);
    const res = await t.form(
      '/t/acme-prod/oauth2/token',
      { grant_type: 'client_credentials', audience: 'orders-api' },
      { authorization: basic('orders-job', '7fceO047KZp3fv5UibPhOpPM3XuauGis') },
    );
    assert.equal(assertTokenFor(res, 'orders-job').scope, 'orders:read');
  });

  it('Migrating from Auth0: import the Deploy CLI directory, apply; the application gets a new secret', async () => {
    await followSection('## Migrating from Auth0', 'auth0', 'auth0-export');
    assert.deepEqual(secretIds(join(dir, 'auth0-new-secrets.json')), ['Xq3uZ8kRwT5nC1vB7mYp2sLd9fGh4jKa']);
  });
});
