import assert from 'node:assert/strict';
import { after, afterEach, before, it } from 'node:test';
import { ok } from '../helpers/admin.js';
import { assertFitsWidth, assertNoProblems, go, openConsoleBrowser, signIn, type ConsoleBrowser } from '../helpers/browser.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createOk } from '../helpers/fixtures.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

/** The server's clock: real time plus an offset the test moves (to make a token that has already expired). */
const clock = {
  offset: 0,
  now() {
    return Date.now() + this.offset;
  },
};

describeEachDialect('console: Settings → Admin tokens', (dialect) => {
  let t: TestTessera;
  let b: ConsoleBrowser;

  before(async () => {
    t = await startTessera({ dialect, clock });
    b = await openConsoleBrowser();
    await b.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.adminUrl });
    await createOk(t, '/tenants', { id: 'acme', name: 'Acme Corp' });
    await signIn(b.page, t.adminUrl, t.adminToken);
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });

  /** The admin token named `name`, as the admin API lists it. */
  const listed = async (name: string) => ok(await t.admin('GET', '/admin-tokens?limit=200')).items.find((i: any) => i.name === name);

  it('lists the tokens; creates one limited to a tenant, shows its value once with a copy button; the value works on that tenant only', async () => {
    const { page } = b;
    await go(page, 'Admin tokens');
    await page.getByRole('row', { name: /bootstrap \(TESSERA_ADMIN_TOKEN\) every tenant admin never/ }).waitFor();

    await page.getByRole('button', { name: 'Create admin token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create admin token' });
    // The server's field errors are shown under their field.
    await dialog.getByLabel('Name').fill('x'.repeat(201));
    b.expectApiFailure(400, /^\/admin-tokens$/);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.locator('.field-error').first().waitFor();
    assert.equal(await dialog.getByLabel('Name').getAttribute('aria-invalid'), 'true');

    await dialog.getByLabel('Name').fill('acme-console');
    // Offered: every tenant, or one; the tenant being managed comes first chosen.
    assert.equal(await dialog.getByLabel('Limited to').inputValue(), 'default');
    await dialog.getByLabel('Limited to').selectOption({ label: 'acme (Acme Corp)' });
    assert.equal(await dialog.getByLabel('Expires', { exact: true }).inputValue(), 'never');
    await dialog.getByLabel('Reason (optional)').fill('console for the acme team');
    await dialog.getByRole('button', { name: 'Create' }).click();

    const shown = page.getByRole('dialog', { name: 'New admin token' });
    await shown.getByText('Copy the admin token now: it is shown this once.').waitFor();
    const value = await shown.getByLabel('Admin token', { exact: true }).inputValue();
    assert.match(value, /^tsr_at_[A-Za-z0-9_-]{43}$/);
    await shown.getByRole('button', { name: 'Copy admin token' }).click();
    await shown.getByText('Admin token copied to the clipboard').waitFor();
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), value);
    await b.screenshot('admin-token-created');
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });

    await page.getByRole('row', { name: /acme-console acme admin never/ }).waitFor();
    assert.equal((await page.content()).includes(value), false, 'the value is shown once, then nowhere');
    const token = await listed('acme-console');
    assert.equal(token.tenant, 'acme');
    assert.equal((await t.admin('GET', '/tenants/acme/clients', undefined, { token: value })).status, 200);
    assert.equal((await t.admin('GET', '/tenants/default/clients', undefined, { token: value })).status, 403);
    const audit = ok(await t.admin('GET', `/tenants/acme/audit-events?action=admin_token.create&target_id=${token.id}`)).items;
    assert.equal(audit[0]?.reason, 'console for the acme team');
  });

  it('deletes a token only once confirmed, and the token stops working at once', async () => {
    const { page } = b;
    const { token } = await createOk(t, '/admin-tokens', { name: 'ci-deploy', tenant: null });
    await page.reload();
    await page.getByRole('row', { name: /ci-deploy every tenant admin never/ }).waitFor();

    await page.getByRole('button', { name: 'Delete ci-deploy' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete admin token ci-deploy' });
    await confirm.getByText('stops working at once').waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await confirm.waitFor({ state: 'detached' });
    assert.equal((await t.admin('GET', '/tenants', undefined, { token })).status, 200, 'not deleted without confirmation');

    await page.getByRole('button', { name: 'Delete ci-deploy' }).click();
    await confirm.getByLabel('Reason (optional)').fill('pipeline retired');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('row', { name: /ci-deploy/ }).waitFor({ state: 'detached' });
    assert.equal(await listed('ci-deploy'), undefined);
    assert.equal((await t.admin('GET', '/tenants', undefined, { token })).status, 401);
  });

  it('looks like the other pages at 1280 and 390 pixels wide', async () => {
    const { page } = b;
    await page.getByRole('row', { name: /acme-console/ }).waitFor();
    await b.screenshot('admin-tokens');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('row', { name: /acme-console/ }).waitFor();
    await assertFitsWidth(page, 390);
    await b.screenshot('admin-tokens-390');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('creates tokens that expire (a preset, a custom number of seconds); a bad expiry is refused under its field; a past expiry shows Expired', async () => {
    const { page } = b;
    await page.getByRole('button', { name: 'Create admin token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create admin token' });
    await dialog.getByLabel('Name').fill('one-day');
    await dialog.getByLabel('Limited to').selectOption({ label: 'acme (Acme Corp)' });
    await dialog.getByLabel('Expires', { exact: true }).selectOption({ label: '1 day' });
    await dialog.getByRole('button', { name: 'Create' }).click();
    const shown = page.getByRole('dialog', { name: 'New admin token' });
    await shown.getByText('Copy the admin token now').waitFor();
    const oneDay = await listed('one-day');
    assert.equal(Date.parse(oneDay.expires_at) - Date.parse(oneDay.created_at), 86_400_000);
    await shown.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('row', { name: /one-day acme/ }).waitFor();
    assert.equal(
      await page
        .getByRole('row', { name: /one-day/ })
        .getByText('Expired')
        .count(),
      0,
    );
    assert.equal(
      await page
        .getByRole('row', { name: /one-day/ })
        .getByText('never')
        .count(),
      0,
    );

    // A custom expiry out of range: the API's problem is shown under the seconds field.
    await page.getByRole('button', { name: 'Create admin token' }).click();
    await dialog.getByLabel('Name').fill('custom');
    await dialog.getByLabel('Expires', { exact: true }).selectOption({ label: 'Custom, in seconds' });
    await dialog.getByLabel('Expires in (seconds)').fill('30');
    b.expectApiFailure(422, /^\/admin-tokens$/);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.locator('.field-error').first().waitFor();
    assert.equal(await dialog.getByLabel('Expires in (seconds)').getAttribute('aria-invalid'), 'true');
    assert.equal(await listed('custom'), undefined);
    await dialog.getByLabel('Expires in (seconds)').fill('120');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await shown.getByRole('button', { name: 'Done' }).click();
    const custom = await listed('custom');
    assert.equal(Date.parse(custom.expires_at) - Date.parse(custom.created_at), 120_000);

    // A token made two days ago (by the server's clock) with an hour to live has expired.
    clock.offset = -2 * 86_400_000;
    try {
      await createOk(t, '/admin-tokens', { name: 'stale', expires_in: 3600 });
    } finally {
      clock.offset = 0;
    }
    await page.reload();
    await page.getByRole('row', { name: /stale every tenant .*Expired/ }).waitFor();
    await b.screenshot('admin-tokens-expiry');
  });

  // Every test ends without a script error, a CSP violation or a failed API call it did not expect.
  afterEach(() => assertNoProblems(b));
});
