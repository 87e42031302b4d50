import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { after, afterEach, before, it } from 'node:test';
import { ok } from '../helpers/admin.js';
import { assertNoProblems, go, openConsoleBrowser, signIn, type ConsoleBrowser } from '../helpers/browser.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { FEDERATION_TEST_ENV, githubActionsClaims, startOidcIssuer, type TestIssuer } from '../helpers/federated-issuers.js';
import { testKey } from '../helpers/keys.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const GITHUB = 'https://token.actions.githubusercontent.com';
const EKS = 'https://oidc.eks.eu-west-1.amazonaws.com/id/5C0FFEE';
/** The managed cluster's discovery document, on an address TESSERA_OUTBOUND_ALLOW lets Tessera fetch (it is never fetched here). */
const EKS_DISCOVERY = 'http://127.0.0.1:9/eks/.well-known/openid-configuration';
const GITHUB_SUBJECT = 'repo:acme/cleanup:ref:refs/heads/main';

describeEachDialect('console: Security → Federation and the federated credentials of a client', (dialect) => {
  let t: TestTessera;
  let b: ConsoleBrowser;
  let githubId: string;
  /** A GitHub-Actions-like issuer on 127.0.0.1 whose tokens say `iss: https://token.actions.githubusercontent.com`. */
  let gha: TestIssuer;

  before(async () => {
    t = await startTessera({ dialect, env: { ...FEDERATION_TEST_ENV, TESSERA_FEDERATION_TOKEN_FILES: '/var/run/secrets/tessera/' } });
    gha = await startOidcIssuer({ issuer: GITHUB });
    b = await openConsoleBrowser();
    await signIn(b.page, t.adminUrl, t.adminToken);
    await createOk(t, '/service-accounts', { user_name: 'cleanup-job' });
    await createOk(t, '/apis', { name: 'Cleanup API', identifier: 'https://cleanup.test/', scopes: [{ value: 'cleanup:run' }] });
    githubId = (await createOk(t, '/federated-issuers', { name: 'GitHub Actions', issuer: GITHUB, jwks_uri: gha.jwksUri })).id;
  });
  after(async () => {
    await b?.close();
    await t?.close();
    await gha?.close();
  });

  /** Each test starts on a freshly loaded console, on the page `link` leads to. */
  const fresh = async (link: string, heading?: string) => {
    await b.page.goto(`${t.adminUrl}/console/#/`);
    await b.page.reload();
    await b.page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await go(b.page, link, heading);
  };

  /** Opens a client's page on a freshly loaded console. */
  const openClient = async (clientId: string, heading: string) => {
    await b.page.goto(`${t.adminUrl}/console/#/applications/m2m/${clientId}`);
    await b.page.reload();
    await b.page.getByRole('heading', { level: 1, name: heading }).waitFor();
  };

  /** The issuer registered for `issuer`, as the admin API lists it. */
  const issuerNamed = async (issuer: string): Promise<Record<string, unknown> | undefined> =>
    (ok(await t.admin('GET', '/federated-issuers')).items as Record<string, unknown>[]).find((i) => i.issuer === issuer);

  it('adds a Kubernetes issuer of a managed cluster (its discovery URL elsewhere), lists it, and edits its token age', async () => {
    const { page } = b;
    await fresh('Federation');
    await page.getByRole('button', { name: 'Add issuer' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add issuer' });
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill('EKS production');
    await dialog.getByRole('radio', { name: 'Kubernetes' }).check();
    await dialog.getByRole('textbox', { name: 'Issuer', exact: true }).fill(EKS);
    await dialog.getByRole('radio', { name: 'OIDC discovery' }).check();
    await dialog.getByLabel('Discovery URL (optional)').fill(EKS_DISCOVERY);
    await dialog.getByLabel('Bearer token file (optional)').fill('/var/run/secrets/tessera/eks-reader');
    await dialog.getByLabel('Audiences (optional)').fill('https://tessera.example.com/eks');
    // Kubernetes reuses a token until it renews it: the advice is on the page, the box left unticked.
    await dialog.getByText('Leave it off for Kubernetes and SPIRE').waitFor();
    await dialog.getByLabel('Reason (optional)').fill('eks-onboarding');
    await b.screenshot('federation-add-kubernetes');
    await dialog.getByRole('button', { name: 'Add issuer' }).click();
    await dialog.waitFor({ state: 'detached' });

    const row = page.getByRole('row', { name: /EKS production/ });
    await row.waitFor();
    assert.deepEqual(await row.locator('th, td').allTextContents(), [
      'EKS production',
      'Kubernetes',
      EKS,
      `discovery: ${EKS_DISCOVERY}`,
      'https://tessera.example.com/eks',
      '1 hour',
      'Edit EKS productionDelete EKS production',
    ]);
    const saved = (await issuerNamed(EKS)) ?? {};
    assert.deepEqual(
      [saved.kind, saved.discovery_url, saved.jwks_uri, saved.jwks, saved.bearer_token_file, saved.audiences, saved.max_token_age, saved.require_jti],
      ['kubernetes', EKS_DISCOVERY, null, null, '/var/run/secrets/tessera/eks-reader', ['https://tessera.example.com/eks'], 3600, false],
    );
    const created = ok(await t.admin('GET', '/audit-events?action=federated_issuer.create')).items as { reason: string | null }[];
    assert.deepEqual(
      created.map((e) => e.reason),
      ['eks-onboarding', null],
      'newest first: the GitHub issuer the suite registered has no reason',
    );

    await row.getByRole('button', { name: 'Edit EKS production' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit EKS production' });
    assert.equal(await edit.getByLabel('Discovery URL (optional)').inputValue(), EKS_DISCOVERY);
    await edit.getByLabel('Maximum token age in seconds (optional)').fill('600');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    await row.getByRole('cell', { name: '10 minutes' }).waitFor();
    const updated = ok(await t.admin('GET', '/audit-events?action=federated_issuer.update')).items as unknown[];
    assert.equal(updated.length, 1);
    assert.equal((await issuerNamed(EKS))?.max_token_age, 600);
  });

  it("shows the server's refusal of a link-local key set URL under the field", async () => {
    const body = { name: 'Metadata', issuer: 'https://idp.example.com', jwks_uri: 'http://169.254.169.254/latest/keys' };
    const direct = await t.admin('POST', '/federated-issuers', body);
    assert.equal(direct.status, 422, direct.text);
    const errors = direct.body.errors as { pointer: string; detail: string }[];
    assert.deepEqual(
      errors.map((e) => e.pointer),
      ['/jwks_uri'],
    );

    const { page } = b;
    await fresh('Federation');
    await page.getByRole('button', { name: 'Add issuer' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add issuer' });
    await dialog.getByRole('textbox', { name: 'Name', exact: true }).fill(body.name);
    await dialog.getByRole('textbox', { name: 'Issuer', exact: true }).fill(body.issuer);
    await dialog.getByRole('radio', { name: 'Key set URL (jwks_uri)' }).check();
    await dialog.getByLabel('Key set URL', { exact: true }).fill(body.jwks_uri);
    b.expectApiFailure(422, /^\/tenants\/default\/federated-issuers$/);
    await dialog.getByRole('button', { name: 'Add issuer' }).click();
    const error = dialog.locator('.field.has-error .field-error');
    await error.waitFor();
    assert.equal((await error.textContent())?.trim(), errors[0]?.detail);
    assert.equal(await dialog.getByLabel('Key set URL', { exact: true }).getAttribute('aria-invalid'), 'true');
    await b.screenshot('federation-refused-field');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await issuerNamed(body.issuer), undefined, 'nothing written');
  });

  it('creates a federated client in the wizard with the GitHub Actions preset: a warning without the repository id, gone with it', async () => {
    const { page } = b;
    await fresh('Machine to Machine');
    await page.getByRole('link', { name: 'Add integration' }).click();
    await page.getByLabel('Existing service account', { exact: true }).selectOption({ label: 'cleanup-job' });
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Client name').fill('Cleanup workflow');
    await page.getByRole('radio', { name: 'Federated (no secret)' }).check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { level: 2, name: 'Step 3 of 5: Federated credential' }).waitFor();

    // A preset whose well-known issuer is not registered says so, and leads to the Federation page.
    await page.getByLabel('Preset').selectOption({ label: 'GitLab CI' });
    const unregistered = page.getByRole('status').filter({ hasText: 'https://gitlab.com is not a registered issuer of this tenant' });
    await unregistered.waitFor();
    assert.equal(await unregistered.getByRole('link', { name: 'Federation' }).getAttribute('href'), '#/federation');

    await page.getByLabel('Preset').selectOption({ label: 'GitHub Actions' });
    assert.equal(await unregistered.count(), 0);
    assert.equal(await page.getByLabel('Issuer', { exact: true }).inputValue(), githubId, 'the registered GitHub issuer is chosen');
    await page.getByRole('textbox', { name: 'Repository', exact: true }).fill('acme/cleanup');
    const warning = page.getByText('No repository_id: this credential trusts the repository name only.', { exact: false });
    await warning.waitFor();
    assert.equal(await page.locator('.credential-subject code').textContent(), GITHUB_SUBJECT);
    await b.screenshot('wizard-federated-github-warning');
    await page.getByLabel('Repository id').fill('892176');
    await warning.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { level: 2, name: 'Step 4 of 5: APIs and scopes' }).waitFor();
    await page
      .getByRole('group', { name: /Cleanup API/ })
      .getByRole('checkbox', { name: /^cleanup:run/ })
      .check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { level: 2, name: 'Step 5 of 5: Review' }).waitFor();
    await page.getByText(`federated: ${GITHUB}, sub ${GITHUB_SUBJECT}`).waitFor();
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Integration created' }).waitFor();
    const clientId = await page.getByLabel('Client ID', { exact: true }).inputValue();
    assert.equal(await page.getByLabel('Client secret').count(), 0, 'no secret');
    assert.equal(
      await page.getByLabel('Token request (tessera CLI)', { exact: true }).inputValue(),
      `tessera token --issuer ${t.publicUrl} \\\n  --client-id ${clientId} \\\n  --assertion-file /path/to/platform-token \\\n  --scope 'cleanup:run'`,
    );
    await b.screenshot('wizard-federated-done');

    const client = ok(await t.admin('GET', `/clients/${clientId}`));
    assert.deepEqual([client.token_endpoint_auth_method, client.client_secrets], ['federated', []]);
    assert.deepEqual(
      (client.federated_credentials as { issuer: string; issuer_id: string; subject: string; claims: unknown }[]).map(
        ({ issuer, issuer_id, subject, claims }) => ({
          issuer,
          issuer_id,
          subject,
          claims,
        }),
      ),
      [{ issuer: GITHUB, issuer_id: githubId, subject: GITHUB_SUBJECT, claims: { repository_id: '892176' } }],
    );

    // The job's token gets the client a token: no secret anywhere.
    const token = async (repositoryId: string) =>
      t.form('/oauth2/token', {
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await gha.mint(githubActionsClaims({ aud: t.publicUrl, repositoryId })),
      });
    const issued = await token('892176');
    assert.equal(issued.status, 200, issued.text);
    const claims = decodeJwt(issued.body.access_token);
    assert.deepEqual([claims.client_id, claims.aud, issued.body.scope], [clientId, 'https://cleanup.test/', 'cleanup:run']);
    // A repository re-created under the same name has another id: refused.
    const refused = await token('990001');
    assert.deepEqual([refused.status, refused.body.error], [401, 'invalid_client']);

    // Its methods, told honestly: no "0 secrets", no secret to rotate.
    await fresh('Machine to Machine');
    const row = page.getByRole('row', { name: /Cleanup workflow/ });
    assert.equal((await row.getByRole('cell').nth(3).textContent())?.trim(), 'none (1 federated credential)');
    await row.getByRole('link', { name: 'Cleanup workflow' }).click();
    await page.getByText('Authenticates with federated credentials only: no secrets, no keys').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Rotate secret' }).count(), 0);
    assert.deepEqual(await page.getByRole('table', { name: 'Federated credentials' }).getByRole('row').nth(1).locator('th, td').allTextContents(), [
      GITHUB,
      GITHUB_SUBJECT,
      'repository_id = 892176',
      `Remove credential ${GITHUB_SUBJECT}`,
    ]);
  });

  it("refuses on a client's page a credential that overlaps another client's (409), in the server's words", async () => {
    await createClient(t, {
      client_id: 'first-cleanup',
      federated_credentials: [{ issuer: GITHUB, subject: 'repo:acme/reports:environment:prod', claims: {} }],
    });
    await createClient(t, { client_id: 'second-cleanup', client_name: 'Second cleanup' });
    const direct = await t.admin('PATCH', '/clients/second-cleanup', {
      federated_credentials: [{ issuer: githubId, subject: 'repo:acme/reports:environment:prod', claims: {} }],
    });
    assert.equal(direct.status, 409, direct.text);

    const { page } = b;
    await openClient('second-cleanup', 'Second cleanup');
    await page.getByText('No federated credentials.').waitFor();
    await page.getByRole('button', { name: 'Add credential' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add federated credential' });
    await dialog.getByLabel('Preset').selectOption({ label: 'GitHub Actions' });
    await dialog.getByRole('textbox', { name: 'Repository', exact: true }).fill('acme/reports');
    await dialog.getByRole('textbox', { name: 'Context', exact: true }).fill('environment:prod');
    b.expectApiFailure(409, /^\/tenants\/default\/clients\/second-cleanup$/);
    await dialog.getByRole('button', { name: 'Add credential' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.locator('p').textContent(), direct.body.detail);
    await b.screenshot('client-credential-overlap');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.deepEqual(ok(await t.admin('GET', '/clients/second-cleanup')).federated_credentials, [], 'nothing written');
  });

  it('adds a custom credential with a claim of several accepted values, and removes it', async () => {
    // An issuer of its own: a "*" subject would overlap the other tests' credentials of the GitHub issuer.
    const key = await testKey('EdDSA', 'ci-2026');
    const ciId = (await createOk(t, '/federated-issuers', { name: 'In-house CI', issuer: 'https://ci.example.com', jwks: { keys: [key.publicJwk] } })).id;
    await createClient(t, { client_id: 'custom-claims', client_name: 'Custom claims' });
    const { page } = b;
    await openClient('custom-claims', 'Custom claims');
    await page.getByRole('button', { name: 'Add credential' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add federated credential' });
    await dialog.getByLabel('Preset').selectOption({ label: 'Custom' });
    await dialog.getByLabel('Issuer', { exact: true }).selectOption({ label: 'In-house CI (https://ci.example.com)' });
    await dialog.getByRole('textbox', { name: 'Subject', exact: true }).fill('*');
    // A claim the server keeps for its own checks: its words under the claims, nothing written.
    const direct = await t.admin('PATCH', '/clients/custom-claims', { federated_credentials: [{ issuer: ciId, subject: '*', claims: { iss: 'x' } }] });
    assert.equal(direct.status, 422, direct.text);
    const [refusal] = direct.body.errors as { pointer: string; detail: string }[];
    assert.equal(refusal?.pointer.startsWith('/federated_credentials/0/claims'), true, direct.text);
    await dialog.getByLabel('Claim 1 name').fill('iss');
    await dialog.getByLabel('Claim 1 values').fill('x');
    b.expectApiFailure(422, /^\/tenants\/default\/clients\/custom-claims$/);
    await dialog.getByRole('button', { name: 'Add credential' }).click();
    const claimsError = dialog.getByRole('group', { name: 'Claims' }).locator('.field-error');
    await claimsError.waitFor();
    assert.equal(await claimsError.textContent(), refusal?.detail);
    await dialog.getByLabel('Claim 1 name').fill('repository_owner_id');
    await dialog.getByLabel('Claim 1 values').fill('1001\n1002');
    await dialog.getByRole('button', { name: 'Add claim' }).click();
    await dialog.getByLabel('Claim 2 name').fill('environment');
    await dialog.getByLabel('Claim 2 values').fill('prod');
    await dialog.getByRole('button', { name: 'Add credential' }).click();
    await dialog.waitFor({ state: 'detached' });
    const table = page.getByRole('table', { name: 'Federated credentials' });
    await table.getByRole('row', { name: /environment = prod; repository_owner_id = 1001 or 1002/ }).waitFor();
    const [credential] = ok(await t.admin('GET', '/clients/custom-claims')).federated_credentials as { issuer_id: string; subject: string; claims: unknown }[];
    assert.deepEqual(
      [credential?.issuer_id, credential?.subject, credential?.claims],
      [ciId, '*', { environment: 'prod', repository_owner_id: ['1001', '1002'] }],
    );

    await table.getByRole('button', { name: 'Remove credential *' }).click();
    const confirm = page.getByRole('dialog', { name: 'Remove federated credential' });
    await confirm.getByRole('button', { name: 'Remove' }).click();
    await confirm.waitFor({ state: 'detached' });
    await page.getByText('No federated credentials.').waitFor();
    assert.deepEqual(ok(await t.admin('GET', '/clients/custom-claims')).federated_credentials, []);
  });

  it('refuses to delete an issuer while credentials name it (409, in words), and deletes it once they are gone', async () => {
    const { page } = b;
    await fresh('Federation');
    const row = page.getByRole('row', { name: /GitHub Actions/ });
    await row.getByRole('button', { name: 'Delete GitHub Actions' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete GitHub Actions' });
    await dialog.getByText('Tessera refuses to delete an issuer while a client').waitFor();
    b.expectApiFailure(409, new RegExp(`^/tenants/default/federated-issuers/${githubId}$`));
    await dialog.getByRole('button', { name: 'Delete' }).click();
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    const direct = await t.admin('DELETE', `/federated-issuers/${githubId}`);
    assert.equal(direct.status, 409, direct.text);
    assert.equal(await alert.locator('p').textContent(), direct.body.detail);
    // In words: the clients whose credentials name it, each a link to its page.
    const naming = dialog.getByRole('list', { name: 'Federated credentials of these clients still name it:' });
    assert.deepEqual((await naming.getByRole('link').allTextContents()).sort(), ['Cleanup workflow', 'first-cleanup']);
    assert.equal(await naming.getByRole('link', { name: 'first-cleanup' }).getAttribute('href'), '#/applications/m2m/first-cleanup');
    await b.screenshot('federation-delete-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    assert.notEqual(await issuerNamed(GITHUB), undefined, 'still there');

    // Every client that names it lets it go; then it can be deleted.
    for (const c of ok(await t.admin('GET', '/clients?limit=200')).items as { client_id: string; federated_credentials?: unknown[] }[]) {
      if ((c.federated_credentials ?? []).length > 0)
        assert.equal((await t.admin('PATCH', `/clients/${c.client_id}`, { federated_credentials: [] })).status, 200);
    }
    await row.getByRole('button', { name: 'Delete GitHub Actions' }).click();
    await page.getByRole('dialog', { name: 'Delete GitHub Actions' }).getByRole('button', { name: 'Delete' }).click();
    await row.waitFor({ state: 'detached' });
    assert.equal(await issuerNamed(GITHUB), undefined);
  });

  // No script error, no CSP violation, and no admin API call refused but those each test expects.
  afterEach(() => assertNoProblems(b));
});
