import assert from 'node:assert/strict';
import { after, afterEach, before, it } from 'node:test';
import { ok } from '../helpers/admin.js';
import { assertFitsWidth, assertNoProblems, go, openConsoleBrowser, signIn, type ConsoleBrowser } from '../helpers/browser.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

describeEachDialect('console: what an admin token may do, the scopes of admin tokens, the built-in API', (dialect) => {
  let t: TestTessera;
  let b: ConsoleBrowser;

  before(async () => {
    t = await startTessera({ dialect });
    b = await openConsoleBrowser();
    await createOk(t, '/tenants', { id: 'acme', name: 'Acme Corp' });
    await createClient(t, { client_name: 'Acme billing' }, 'acme');
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });

  /** Signs out of the console (the session is per tab), then in with `token`. */
  const signInAs = async (token: string) => {
    const { page } = b;
    if ((await page.getByRole('button', { name: 'Sign out' }).count()) > 0) {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByText('You are signed out.').waitFor();
    }
    await signIn(page, t.adminUrl, token);
  };
  /** The admin token named `name`, as the admin API lists it. */
  const listed = async (name: string) => ok(await t.admin('GET', '/admin-tokens?limit=200')).items.find((i: any) => i.name === name);
  const navLinks = () => b.page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts();

  it('a token holding only clients:read in acme sees the clients, offers no change, and no page it may not read', async () => {
    const { page } = b;
    const { token } = await createOk(t, '/admin-tokens', { name: 'acme-reader', tenant: 'acme', scopes: ['clients:read'] });
    await signInAs(token);

    // The dashboard's token activity needs audit:read: the page says so instead of failing.
    await page.getByText('Token activity needs the scope audit:read, which this admin token does not hold.').waitFor();
    assert.deepEqual(await navLinks(), ['Dashboard', 'Machine to Machine', 'Playground']);
    assert.deepEqual(await page.getByLabel('Tenant', { exact: true }).locator('option').allInnerTexts(), ['acme']);

    await go(page, 'Machine to Machine');
    await page.getByRole('row', { name: /Acme billing/ }).waitFor();
    await page.getByText('Read only: this admin token does not hold clients:write.').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Add integration' }).count(), 0);
    await b.screenshot('scoped-clients');

    await page.getByRole('link', { name: 'Acme billing' }).click();
    await page.getByRole('heading', { level: 1, name: 'Acme billing' }).waitFor();
    await page.getByText('Reading the grants needs the scope grants:read, which this admin token does not hold.').waitFor();
    assert.deepEqual(await page.getByRole('main').getByRole('button').allInnerTexts(), []);

    // A page it may not read, reached by its address, names the scope it needs.
    await page.evaluate("location.hash = '#/audit'");
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await page.getByText('This page needs the scope audit:read, which this admin token does not hold.').waitFor();
    await page.evaluate("location.hash = '#/admin-tokens'");
    await page.getByText('This page needs the scope admin-tokens:read, which this admin token does not hold.').waitFor();

    // Usable at 390 pixels wide.
    await page.setViewportSize({ width: 390, height: 844 });
    await go(page, 'Machine to Machine');
    await page.getByRole('row', { name: /Acme billing/ }).waitFor();
    await assertFitsWidth(page, 390);
    await b.screenshot('scoped-clients-390');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('an admin creates an admin token with chosen scopes on the Admin tokens page, sees its value once, and deletes it', async () => {
    const { page } = b;
    await signInAs(t.adminToken);
    assert.deepEqual(await navLinks(), [
      'Dashboard',
      'Service Accounts',
      'Machine to Machine',
      'APIs',
      'Grants',
      'Keys',
      'Federation',
      'Audit log',
      'Playground',
      'Tenants',
      'Admin tokens',
    ]);
    await go(page, 'Admin tokens');
    await page.getByRole('row', { name: /bootstrap \(TESSERA_ADMIN_TOKEN\) every tenant admin never/ }).waitFor();

    await page.getByRole('button', { name: 'Create admin token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create admin token' });
    await dialog.getByLabel('Name').fill('ci-clients');
    await dialog.getByLabel('Limited to').selectOption({ label: 'acme (Acme Corp)' });
    // The scopes of urn:tessera:admin with what each allows; admin (the API's default) comes ticked.
    const admin = dialog.getByRole('checkbox', { name: 'admin — everything the admin API does' });
    assert.equal(await admin.isChecked(), true);
    assert.equal(await dialog.getByRole('checkbox').count(), 20);
    await admin.uncheck();
    await dialog.getByRole('checkbox', { name: 'clients:write — create, change and delete clients, their secrets and certificates (and read them)' }).check();
    await dialog.getByRole('checkbox', { name: 'audit:read — read the audit log and token activity' }).check();
    await b.screenshot('admin-token-scopes');
    await dialog.getByRole('button', { name: 'Create' }).click();

    const shown = page.getByRole('dialog', { name: 'New admin token' });
    await shown.getByText('Copy the admin token now: it is shown this once.').waitFor();
    await shown.getByText('clients:write audit:read').waitFor();
    const value = await shown.getByLabel('Admin token', { exact: true }).inputValue();
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    await page.getByRole('row', { name: /ci-clients acme clients:write audit:read never/ }).waitFor();
    assert.equal((await page.content()).includes(value), false, 'the value is shown once, then nowhere');
    assert.deepEqual(ok(await t.admin('GET', '/whoami', undefined, { token: value })), {
      actor: `admin-token:${(await listed('ci-clients')).id}`,
      kind: 'admin-token',
      tenant: 'acme',
      scopes: ['clients:write', 'audit:read'],
    });

    await page.getByRole('button', { name: 'Delete ci-clients' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete admin token ci-clients' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('row', { name: /ci-clients/ }).waitFor({ state: 'detached' });
    assert.equal((await t.admin('GET', '/whoami', undefined, { token: value })).status, 401);
  });

  it('APIs: the built-in urn:tessera:admin is marked, cannot be deleted, and only its token lifetime can change', async () => {
    const { page } = b;
    await signInAs(t.adminToken);
    await go(page, 'APIs');
    const row = page.getByRole('row', { name: /Tessera admin API built-in urn:tessera:admin admin tenants:read/ });
    await row.waitFor();
    await b.screenshot('apis-built-in');
    await row.getByRole('link', { name: 'Tessera admin API' }).click();
    await page.getByRole('heading', { level: 1, name: 'Tessera admin API' }).waitFor();
    await page.getByText('its name, identifier and scopes are fixed, and it cannot be deleted').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Delete API' }).count(), 0);
    assert.equal(await page.getByLabel('Identifier').count(), 0);
    assert.equal(await page.getByLabel('Name').count(), 0);
    await page.getByText('read the audit log and token activity').waitFor();

    await page.getByLabel('Token lifetime in seconds (optional)').fill('600');
    await page.getByLabel('Reason (optional)').fill('short-lived automation tokens');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    const builtIn = ok(await t.admin('GET', '/apis?limit=200')).items.find((a: any) => a.identifier === 'urn:tessera:admin');
    assert.equal(builtIn.access_token_ttl, 600);
    assert.equal(builtIn.built_in, true);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('heading', { level: 1, name: 'Tessera admin API' }).waitFor();
    await assertFitsWidth(page, 390);
    await b.screenshot('api-built-in-390');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('a token that may manage admin tokens cannot hand out scopes it does not hold: the 403 is shown in the dialog', async () => {
    const { page } = b;
    const { token } = await createOk(t, '/admin-tokens', { name: 'token-desk', scopes: ['admin-tokens:write', 'clients:read'] });
    await signInAs(token);
    assert.deepEqual(await navLinks(), ['Dashboard', 'Machine to Machine', 'Playground', 'Admin tokens']);
    await go(page, 'Admin tokens');
    await page.getByRole('row', { name: /token-desk every tenant admin-tokens:write clients:read never/ }).waitFor();
    await page.getByRole('button', { name: 'Create admin token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create admin token' });
    await dialog.getByLabel('Name').fill('too-much');
    // Without tenants:read the tenants cannot be listed: every tenant, or the one being managed.
    assert.deepEqual(await dialog.getByLabel('Limited to').locator('option').allInnerTexts(), [
      'Every tenant — may also manage tenants and admin tokens',
      'default',
    ]);
    await dialog.getByRole('checkbox', { name: /^admin —/ }).uncheck();
    await dialog.getByRole('checkbox', { name: /^clients:write —/ }).check();
    b.expectApiFailure(403, /^\/admin-tokens$/);
    await dialog.getByRole('button', { name: 'Create' }).click();
    // The admin API's problem, whole, above the buttons; nothing is created.
    const alert = dialog.getByRole('alert');
    await alert.waitFor();
    assert.equal(await alert.locator('strong').textContent(), 'Forbidden');
    assert.equal(await alert.locator('p').textContent(), 'the admin token would hold scopes the caller does not hold: clients:write');
    await b.screenshot('admin-token-excess-scopes');
    assert.equal(await listed('too-much'), undefined);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  // Every test ends without a script error, a CSP violation or a failed API call it did not expect.
  afterEach(() => assertNoProblems(b));
});
