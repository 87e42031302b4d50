import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { GUIDE_001_TOKEN } from '../fixtures/guides.js';
import { assertNoProblems, go, openConsoleBrowser, signIn, type ConsoleBrowser } from '../helpers/browser.js';
import { eventually } from '../helpers/eventually.js';
import { sh } from '../helpers/shell.js';
import { decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

/** The server's clock: real time plus an offset the test moves (to see an overlap end). */
const clock = {
  offset: 0,
  now() {
    return Date.now() + this.offset;
  },
};

describe('console: guide 001 done entirely in the browser, then its curl token request', () => {
  let t: TestTessera;
  let b: ConsoleBrowser;
  let clientId: string;
  let secret: string;
  let serviceAccountId: string;

  before(async () => {
    t = await startTessera({ clock });
    b = await openConsoleBrowser();
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });

  /** The guide's token request (multipart, secret in the body), run with the real curl. */
  const guideToken = async (id: string, s: string) =>
    JSON.parse(await sh(GUIDE_001_TOKEN.replace('https://{tenant}.crossid.io', t.publicUrl).replace('<client_id>', id).replace('<client_secret>', s)));
  const tokenStatus = async (id: string, s: string) =>
    (await t.form('/oauth2/token', { grant_type: 'client_credentials', client_id: id, client_secret: s, scope: 'write' })).status;

  it('refuses a wrong admin token next to the field, then signs in with the right one', async () => {
    const { page } = b;
    await page.goto(`${t.adminUrl}/console/`);
    await page.getByLabel('Admin token').fill('not-the-token');
    b.expectApiFailure(401, /^\/whoami$/);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('the admin token is not valid').waitFor();
    assert.equal(await page.getByLabel('Admin token').getAttribute('aria-invalid'), 'true');
    await b.screenshot('sign-in');
    await signIn(page, t.adminUrl, t.adminToken);
    // The token is in this tab's sessionStorage, and no cookie exists.
    assert.match((await page.evaluate<string | null>("sessionStorage.getItem('tessera.console.session')")) ?? '', new RegExp(t.adminToken));
    assert.deepEqual(await page.context().cookies(), []);
  });

  it('Directory → Service Accounts: Add service account, the modal, an active account', async () => {
    const { page } = b;
    await go(page, 'Service Accounts');
    await page.getByText('No service accounts yet.').waitFor();
    // A plain button (no one-item menu), reached and pressed from the keyboard.
    await page.getByRole('button', { name: 'Add service account' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Add service account' });
    await dialog.getByLabel('User name').fill('periodicCleanup');
    await dialog.getByLabel('Display name').fill('Periodic Cleanup Account');
    assert.equal(await dialog.getByLabel('Active').isChecked(), true);
    await dialog.getByLabel('Reason (optional)').fill('add-user');
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('row', { name: /periodicCleanup/ }).waitFor();
    assert.equal(await page.getByRole('dialog').count(), 0);

    // The same user name again: the problem is shown in the modal.
    await page.getByRole('button', { name: 'Add service account' }).click();
    await dialog.getByLabel('User name').fill('periodicCleanup');
    b.expectApiFailure(409, /^\/tenants\/default\/service-accounts$/);
    await dialog.getByRole('button', { name: 'Add', exact: true }).click();
    await dialog.getByRole('alert').getByText('a service account with user_name "periodicCleanup" already exists').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    await page.getByLabel('Search by user name or display name').fill('cleanup');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('row', { name: /periodicCleanup/ }).waitFor();
    await b.screenshot('service-accounts');
    const sa = (await t.admin('GET', '/service-accounts?search=periodicCleanup')).body.items[0];
    assert.deepEqual([sa.user_name, sa.display_name, sa.active], ['periodicCleanup', 'Periodic Cleanup Account', true]);
    serviceAccountId = sa.id;
    const audit = (await t.admin('GET', '/audit-events?action=service_account.create')).body.items[0];
    assert.equal(audit.reason, 'add-user');
  });

  it('APIs: Add integration with its scope; a refused scope is shown next to its field', async () => {
    const { page } = b;
    await go(page, 'APIs');
    // A new tenant lists its built-in API only.
    await page.getByRole('row', { name: /Tessera admin API built-in urn:tessera:admin/ }).waitFor();
    assert.equal(await page.getByRole('row').count(), 2);
    await page.getByRole('button', { name: 'Add integration' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add API' });
    await dialog.getByLabel('Name').fill('Cleanup API');
    await dialog.getByLabel('Identifier').fill('https://cleanup.example.com/');
    await dialog.getByLabel('Scope 1 value').fill('write all');
    await dialog.getByLabel('Scope 1 description').fill('Write access');
    b.expectApiFailure(422, /^\/tenants\/default\/apis$/);
    await dialog.getByRole('button', { name: 'Create API' }).click();
    // A scope is one token: the problem's field error sits under the field, as its description.
    const scope = dialog.getByLabel('Scope 1 value');
    await dialog.locator('.field-error', { hasText: 'invalid scope token "write all"' }).waitFor();
    assert.equal(await scope.getAttribute('aria-invalid'), 'true');
    const describedBy = (await scope.getAttribute('aria-describedby')) ?? '';
    assert.match((await dialog.locator(`[id="${describedBy}"]`).textContent()) ?? '', /invalid scope token/);
    await b.screenshot('api-field-error');
    await scope.fill('write');
    await dialog.getByRole('button', { name: 'Create API' }).click();
    await page.getByRole('heading', { level: 1, name: 'Cleanup API' }).waitFor();
    // The scopes editor: add `read`, save.
    await page.getByRole('button', { name: 'Add scope' }).click();
    await page.getByLabel('Scope 2 value').fill('read');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await b.screenshot('api-detail');
    const api = (await t.admin('GET', '/apis')).body.items.find((a: any) => a.identifier === 'https://cleanup.example.com/');
    assert.deepEqual(api.scopes, [
      { value: 'write', description: 'Write access' },
      { value: 'read', description: '' },
    ]);
    await go(page, 'APIs');
    await page.getByRole('row', { name: /Cleanup API/ }).waitFor();
    await b.screenshot('apis');
  });

  it('Machine to Machine: the wizard picks the account, names the client, grants the scope, shows id and secret once', async () => {
    const { page } = b;
    await go(page, 'Machine to Machine');
    await page.getByText('No machine-to-machine integrations yet.').waitFor();
    await b.screenshot('machine-to-machine-empty');
    await page.getByRole('link', { name: 'Add integration' }).click();
    await page.getByRole('heading', { level: 2, name: 'Step 1 of 4: Service account' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Choose a service account, or create a new one.').waitFor();
    await page.getByLabel('Existing service account', { exact: true }).selectOption({ label: 'periodicCleanup (Periodic Cleanup Account)' });
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Client name').fill('Periodic Cleanup');
    await page.getByRole('button', { name: 'Next' }).click();
    await page
      .getByRole('group', { name: /Cleanup API/ })
      .getByRole('checkbox', { name: /^write/ })
      .check();
    await b.screenshot('wizard');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { level: 2, name: 'Step 4 of 4: Review' }).waitFor();
    await page.getByLabel('Reason (optional)').fill('m2m-integration');
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Integration created' }).waitFor();
    clientId = await page.getByLabel('Client ID', { exact: true }).inputValue();
    secret = await page.getByLabel('Client secret', { exact: true }).inputValue();
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
    await b.screenshot('wizard-done');

    // The ready-made command is the guide's, filled in.
    const curl = await page.getByLabel('Token request (curl)', { exact: true }).inputValue();
    const expected = GUIDE_001_TOKEN.replace('https://{tenant}.crossid.io', t.publicUrl).replace('<client_id>', clientId).replace('<client_secret>', secret);
    assert.equal(curl, expected);

    // Guide 001 "Authenticate": the guide's curl, with the values the wizard showed.
    const response = await guideToken(clientId, secret);
    assert.equal(response.scope, 'write');
    assert.equal(response.token_type, 'Bearer');
    const { payload } = decodeJwt(response.access_token);
    assert.equal(payload.sub, serviceAccountId);
    assert.equal(payload.client_id, clientId);
    assert.equal(payload.aud, 'https://cleanup.example.com/');

    // Shown once: the integration's page has no secret value.
    await page.getByRole('link', { name: 'Open the integration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Periodic Cleanup' }).waitFor();
    assert.equal(await page.getByText(secret).count(), 0);
    await page.getByText('(through the service account)').waitFor();
    await b.screenshot('client-detail');
  });

  it('rotates the secret with an overlap: both work until the overlap ends, then only the new one', async () => {
    const { page } = b;
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate secret' });
    await dialog.getByLabel('Overlap').selectOption({ label: 'Keep the current secrets working for 1 hour' });
    await dialog.getByLabel('Reason (optional)').fill('scheduled rotation');
    await dialog.getByRole('button', { name: 'Rotate' }).click();
    const shown = page.getByRole('dialog', { name: 'New client secret' });
    const newSecret = await shown.getByLabel('Client secret', { exact: true }).inputValue();
    assert.notEqual(newSecret, secret);
    await b.screenshot('rotate-secret');
    await shown.getByRole('button', { name: 'Done' }).click();
    // Two secrets now: the old one with its expiry, the new one without.
    await page
      .getByRole('row', { name: /Delete secret/ })
      .nth(1)
      .waitFor();
    assert.equal(await page.getByRole('row', { name: /Delete secret/ }).count(), 2);
    assert.equal(await page.getByRole('row', { name: /never/ }).count(), 1);

    assert.equal((await guideToken(clientId, newSecret)).scope, 'write');
    assert.equal((await guideToken(clientId, secret)).scope, 'write');
    clock.offset += 3601_000;
    assert.deepEqual(await guideToken(clientId, secret), { error: 'invalid_client', error_description: 'Client authentication failed.' });
    assert.equal((await guideToken(clientId, newSecret)).scope, 'write');
    secret = newSecret;
  });

  it('disabling the client and deactivating its service account take effect on the token endpoint', async () => {
    const { page } = b;
    await page.getByRole('button', { name: 'Disable' }).click();
    await page
      .getByRole('dialog', { name: /^Disable/ })
      .getByRole('button', { name: 'Disable' })
      .click();
    await page.getByRole('button', { name: 'Enable' }).waitFor();
    await eventually('the disabled client is refused', async () => (await tokenStatus(clientId, secret)) === 401, { withinMs: 20_000 });
    await page.getByRole('button', { name: 'Enable' }).click();
    await page
      .getByRole('dialog', { name: /^Enable/ })
      .getByRole('button', { name: 'Enable' })
      .click();
    await page.getByRole('button', { name: 'Disable' }).waitFor();
    await eventually('the enabled client gets tokens', async () => (await tokenStatus(clientId, secret)) === 200, { withinMs: 20_000 });

    await go(page, 'Service Accounts');
    await page.getByRole('button', { name: 'Deactivate periodicCleanup' }).click();
    const dialog = page.getByRole('dialog', { name: 'Deactivate periodicCleanup' });
    await dialog.getByLabel('Reason (optional)').fill('incident 42');
    await dialog.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByRole('row', { name: /periodicCleanup.*Inactive/ }).waitFor();
    await eventually('the inactive account is refused', async () => (await tokenStatus(clientId, secret)) === 401, { withinMs: 20_000 });
    assert.deepEqual(await guideToken(clientId, secret), { error: 'invalid_client', error_description: 'Client authentication failed.' });
    await page.getByRole('button', { name: 'Activate periodicCleanup' }).click();
    await page.getByRole('dialog', { name: 'Activate periodicCleanup' }).getByRole('button', { name: 'Activate' }).click();
    await page.getByRole('row', { name: /periodicCleanup.*Active/ }).waitFor();
    await eventually('the active account gets tokens', async () => (await tokenStatus(clientId, secret)) === 200, { withinMs: 20_000 });
    await go(page, 'Machine to Machine');
    await page.getByRole('row', { name: /Periodic Cleanup.*periodicCleanup.*Enabled/ }).waitFor();
    await b.screenshot('machine-to-machine');
  });

  // Every test ends without a script error, a CSP violation or a failed API call it did not expect.
  afterEach(() => assertNoProblems(b));
});
