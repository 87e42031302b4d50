import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { assertNoProblems, go, openConsoleBrowser, signIn, type ConsoleBrowser } from '../helpers/browser.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { sh } from '../helpers/shell.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://console-client-ids.test';

/** What the Client ID field says of an id the API refuses. */
const CLIENT_ID_ERROR = '/client_id: must be 1 to 255 printable ASCII characters (RFC 6749 VSCHAR: space to "~", no control characters)';

describe('console: clients whose ids hold spaces, colons, plus and percent signs, slashes and quotes', () => {
  let t: TestTessera;
  let b: ConsoleBrowser;

  before(async () => {
    t = await startTessera();
    b = await openConsoleBrowser();
    await signIn(b.page, t.adminUrl, t.adminToken);
    await createOk(t, '/apis', { name: 'Orders', identifier: AUD, scopes: [{ value: 'read' }] });
    await createOk(t, '/service-accounts', { user_name: 'orders-sa' });
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });
  afterEach(() => assertNoProblems(b));

  /** Runs the token request (curl) a dialog or page shows, with bash, and answers the token response. */
  const runCopiedCurl = async (label: string) => {
    const curl = await b.page.getByLabel(label, { exact: true }).inputValue();
    const answer = JSON.parse(await sh(`${curl} -s`));
    assert.equal(answer.token_type, 'Bearer', curl);
    return curl;
  };

  /** On a client's page: rotates its secret, runs the copied curl command with the new secret; two secrets remain. */
  const rotate = async (id: string) => {
    const { page } = b;
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('dialog', { name: 'Rotate secret' }).getByRole('button', { name: 'Rotate' }).click();
    const shown = page.getByRole('dialog', { name: 'New client secret' });
    const secret = await shown.getByLabel('Client secret', { exact: true }).inputValue();
    assert.ok((await runCopiedCurl('Token request (curl)')).includes(secret));
    await shown.getByRole('button', { name: 'Done' }).click();
    await page
      .getByRole('row', { name: /Delete secret/ })
      .nth(1)
      .waitFor();
    assert.equal(((await t.admin('GET', `/clients/${encodeURIComponent(id)}`)).body.client_secrets as unknown[]).length, 2);
  };

  it('creates a client with such an id in the wizard (a refused id shown under its field), opens its page, rotates its secret', async () => {
    const id = 'orders job:eu+1 100%';
    const { page } = b;
    await go(page, 'Machine to Machine');
    await page.getByRole('link', { name: 'Add integration' }).click();
    await page.getByLabel('Existing service account', { exact: true }).selectOption({ label: 'orders-sa' });
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Client name').fill('Orders job');
    await page.getByLabel('Client ID', { exact: true }).fill('y'.repeat(256));
    await page.getByRole('button', { name: 'Next' }).click();
    await page
      .getByRole('group', { name: /Orders/ })
      .getByRole('checkbox', { name: /^read/ })
      .check();
    await page.getByRole('button', { name: 'Next' }).click();
    b.expectApiFailure(400, /^\/tenants\/default\/clients$/);
    await page.getByRole('button', { name: 'Create integration' }).click();
    const error = page.locator('.field-error').first();
    await error.waitFor();
    assert.equal((await error.textContent())?.trim(), CLIENT_ID_ERROR);

    await page.getByLabel('Client ID', { exact: true }).fill(id);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { level: 2, name: 'Step 4 of 4: Review' }).waitFor();
    await page.getByText(id, { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Integration created' }).waitFor();
    assert.equal(await page.getByLabel('Client ID', { exact: true }).inputValue(), id);
    await runCopiedCurl('Token request (curl)');

    await page.getByRole('link', { name: 'Open the integration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Orders job' }).waitFor();
    assert.equal(new URL(page.url()).hash, `#/applications/m2m/${encodeURIComponent(id)}`);
    await rotate(id);
  });

  it('opens a client whose id has a slash, quotes, a backslash and ">" from the list, shows the id as it is, rotates its secret', async () => {
    const id = `team/a "b" 'c' \\d>e`;
    await createClient(t, { client_id: id, audience: [AUD] });
    await createOk(t, '/grants', { client_id: id, api_identifier: AUD, scopes: ['read'] });
    const { page } = b;
    await page.goto(`${t.adminUrl}/console/#/`);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await go(page, 'Machine to Machine');
    await page.getByRole('link', { name: id, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: id, exact: true }).waitFor();
    assert.equal(new URL(page.url()).hash, `#/applications/m2m/${encodeURIComponent(id)}`);
    // The page loaded the client's grants by its id.
    await page.getByText('(this client)').waitFor();
    await rotate(id);
  });
});
