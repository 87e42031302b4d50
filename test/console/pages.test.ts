import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { tokenRequest } from '../helpers/admin.js';
import { assertNoProblems, go, openConsoleBrowser, signIn, type ConsoleBrowser } from '../helpers/browser.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://reports.example.com';

describe('console: tenants, grants, keys, audit log, playground, dashboard', () => {
  let t: TestTessera;
  let b: ConsoleBrowser;
  let client: { clientId: string; secret: string };

  before(async () => {
    t = await startTessera();
    b = await openConsoleBrowser();
    await createOk(t, '/apis', { name: 'Reports', identifier: AUD, scopes: [{ value: 'read', description: 'Read reports' }, { value: 'export' }] });
    await createOk(t, '/service-accounts', { user_name: 'nightly-report' });
    client = await createClient(t, { client_name: 'Report job' });
    await signIn(b.page, t.adminUrl, t.adminToken);
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });

  const read = () => tokenRequest(t, '/oauth2/token', client.clientId, client.secret, { scope: 'read' });

  it('Tenants: creates a tenant with its settings; the switcher switches to it and back', async () => {
    const { page } = b;
    await go(page, 'Tenants');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create tenant' });
    await dialog.getByLabel('Tenant id').fill('Acme');
    await dialog.getByLabel('Name').fill('Acme Corp');
    await dialog.getByLabel('Signing algorithm').selectOption('ES256');
    b.expectApiFailure(400, /^\/tenants$/);
    await dialog.getByRole('button', { name: 'Create tenant' }).click();
    // Upper case is refused by the schema: shown under the field.
    await dialog.locator('.field-error').first().waitFor();
    assert.equal(await dialog.getByLabel('Tenant id').getAttribute('aria-invalid'), 'true');
    await dialog.getByLabel('Tenant id').fill('acme');
    await dialog.getByRole('button', { name: 'Create tenant' }).click();
    await page.getByRole('row', { name: /acme.*Acme Corp/ }).waitFor();

    await page.getByRole('button', { name: 'Settings of acme' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings of acme' });
    await settings.getByLabel('Default token lifetime in seconds').fill('600');
    await settings.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row', { name: /acme.*ES256.*10 minutes/ }).waitFor();
    await b.screenshot('tenants');
    assert.equal((await t.admin('GET', '/tenants/acme')).body.access_token_ttl, 600);

    await page.getByLabel('Tenant', { exact: true }).selectOption('acme');
    await go(page, 'Keys');
    await page.getByRole('row', { name: /ES256.*active/ }).waitFor();
    assert.equal(await page.getByRole('row', { name: /RS256/ }).count(), 0, 'the keys of acme, not of default');
    assert.match((await page.evaluate<string | null>("sessionStorage.getItem('tessera.console.session')")) ?? '', /"tenant":"acme"/);
    await page.getByLabel('Tenant', { exact: true }).selectOption('default');
    await page.getByRole('row', { name: /RS256.*active/ }).waitFor();
  });

  it('Grants: adds a grant that the token endpoint honours, and removes it', async () => {
    const { page } = b;
    assert.equal((await read()).status, 400, 'no grant yet');
    await go(page, 'Grants');
    await page.getByText('No grants yet.').waitFor();
    await page.getByRole('button', { name: 'Add grant' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add grant' });
    await dialog.getByLabel('Holder type').selectOption('client');
    await dialog.getByLabel('Client', { exact: true }).selectOption({ label: `Report job (${client.clientId})` });
    await dialog.getByLabel('API', { exact: true }).selectOption({ label: `Reports (${AUD})` });
    await dialog.getByRole('checkbox', { name: /^read/ }).check();
    await dialog.getByLabel('Reason (optional)').fill('reports need read');
    await dialog.getByRole('button', { name: 'Grant' }).click();
    await page.getByRole('row', { name: /Client Report job.*reports\.example\.com.*read/ }).waitFor();
    await b.screenshot('grants');
    const ok = await read();
    assert.equal(ok.status, 200, ok.text);
    assert.equal(decodeJwt(ok.body.access_token).payload.aud, AUD);

    const [grant] = (await t.admin('GET', `/grants?client_id=${client.clientId}`)).body.items;
    await page.getByRole('button', { name: /^Edit scopes of Client Report job/ }).click();
    const edit = page.getByRole('dialog', { name: 'Edit scopes' });
    assert.equal(await edit.getByRole('checkbox', { name: /^read/ }).isChecked(), true, "the grant's scopes are checked");
    await edit.getByRole('checkbox', { name: /^export/ }).check();
    await edit.getByLabel('Reason (optional)').fill('reports are exported too');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row', { name: /Client Report job.*reports\.example\.com.*read export/ }).waitFor();
    const edited = (await t.admin('GET', `/grants/${grant.id}`)).body;
    assert.deepEqual([edited.id, edited.scopes], [grant.id, ['read', 'export']], 'the same grant, its scopes changed');
    const exported = await tokenRequest(t, '/oauth2/token', client.clientId, client.secret, { scope: 'export' });
    assert.equal(exported.status, 200, exported.text);

    await page.getByRole('button', { name: /^Remove grant of Client Report job/ }).click();
    await page.getByRole('dialog', { name: 'Remove grant' }).getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No grants yet.').waitFor();
    assert.equal((await read()).status, 400);
    // Granted again for the pages that follow.
    await createOk(t, '/grants', { client_id: client.clientId, api_identifier: AUD, scopes: ['read'] });
  });

  it('Keys: Rotate now asks which rotation; a routine one makes the next key sign, an emergency one a fresh key', async () => {
    const { page } = b;
    await go(page, 'Keys');
    const kidOf = async (status: string) => (await t.admin('GET', '/keys')).body.items.find((k: any) => k.status === status).kid as string;
    const [next, before] = [await kidOf('next'), await kidOf('active')];
    await page.getByRole('row', { name: new RegExp(`${before}.*active`) }).waitFor();
    await page.getByRole('row', { name: new RegExp(`${next}.*next`) }).waitFor();

    await page.getByRole('button', { name: 'Rotate now' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the signing key now' });
    assert.equal(await dialog.getByLabel('Routine').isChecked(), true, 'routine is the default');
    await dialog.getByText('Verifiers keep working').waitFor();
    await dialog.getByLabel('Reason (optional)').fill('yearly rotation');
    await dialog.getByRole('button', { name: 'Rotate now' }).click();
    await page.getByRole('row', { name: new RegExp(`${before}.*retired`) }).waitFor();
    await page.getByRole('row', { name: new RegExp(`${next}.*active`) }).waitFor();
    assert.equal(decodeJwt((await read()).body.access_token).header.kid, next, 'the former next key signs');

    const seen = ((await t.admin('GET', '/keys')).body.items as any[]).map((k) => k.kid as string);
    await page.getByRole('button', { name: 'Rotate now' }).click();
    await dialog.getByLabel('Emergency (a key may have leaked)').check();
    await dialog.getByText('caches reject them until they refresh').waitFor();
    await dialog.getByLabel('Reason (optional)').fill('suspected key leak');
    await dialog.getByRole('button', { name: 'Rotate now (emergency)' }).click();
    await page.getByRole('row', { name: new RegExp(`${next}.*retired`) }).waitFor();
    const after = await kidOf('active');
    assert.ok(!seen.includes(after), 'a fresh key signs');
    await page.getByRole('row', { name: new RegExp(`${after}.*active`) }).waitFor();
    await b.screenshot('keys');
    assert.equal(decodeJwt((await read()).body.access_token).header.kid, after);
  });

  it('Audit log: filters by action and shows the reason', async () => {
    const { page } = b;
    await go(page, 'Audit log');
    await page
      .getByRole('row', { name: /tenant\.create/ })
      .first()
      .waitFor();
    await page.getByLabel('Action').fill('key.rotate');
    await page.getByRole('button', { name: 'Filter' }).click();
    // The unfiltered rows stay on screen until the filtered page arrives.
    await page
      .getByRole('row', { name: /grant\.create/ })
      .first()
      .waitFor({ state: 'detached' });
    await page.getByRole('row', { name: /key\.rotate.*suspected key leak/ }).waitFor();
    assert.equal(await page.getByRole('row', { name: /tenant\.create/ }).count(), 0);
    await b.screenshot('audit-log');
    await page.getByLabel('Action').fill('grant.delete');
    await page.getByLabel('Actor').fill('admin-token:nobody');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No event matches this filter.').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByRole('row', { name: /grant\.create.*reports need read/ }).waitFor();
  });

  it("Playground: requests a token with the client's credentials and shows its decoded header and claims", async () => {
    const { page } = b;
    await go(page, 'Playground');
    await page.getByLabel('Client', { exact: true }).selectOption({ label: `Report job (${client.clientId})` });
    await page.getByLabel('Client secret').fill('not-the-secret');
    await page.getByRole('button', { name: 'Request token' }).click();
    await page.getByRole('heading', { name: 'Refused (HTTP 401)' }).waitFor();
    await page.getByLabel('Client secret').fill(client.secret);
    await page.getByLabel('Scope (optional)').fill('read');
    await page.getByRole('button', { name: 'Request token' }).click();
    await page.getByRole('heading', { name: 'Token issued' }).waitFor();
    const claims = JSON.parse((await page.getByLabel('Decoded claims').textContent()) ?? '{}');
    assert.equal(claims.client_id, client.clientId);
    assert.equal(claims.aud, AUD);
    assert.equal(claims.scope, 'read');
    assert.equal(claims.iss, t.publicUrl);
    const header = JSON.parse((await page.getByLabel('Decoded header').textContent()) ?? '{}');
    assert.equal(header.typ, 'at+jwt');
    await b.screenshot('playground');
  });

  it('Dashboard: shows the tokens issued and the failed authentications once the counts are flushed', async () => {
    const { page } = b;
    for (let i = 0; i < 4; i++) assert.equal((await read()).status, 200);
    assert.equal((await tokenRequest(t, '/oauth2/token', client.clientId, 'wrong')).status, 401);
    assert.equal((await tokenRequest(t, '/oauth2/token', 'made-up-client', 'wrong')).status, 401);
    await t.server.deps.tokenActivity.flush();
    const totals = (await t.admin('GET', '/token-activity')).body.totals;
    assert.ok(totals.issued >= 6, JSON.stringify(totals));
    await go(page, 'Dashboard');
    await page.getByRole('list', { name: 'Totals for the period' }).getByText(`${totals.issued} tokens issued`).waitFor();
    await page.getByText(`${totals.auth_failures} failed authentications`).waitFor();
    await page
      .getByRole('row', { name: new RegExp(`Report job ${totals.issued - 0}`) })
      .first()
      .waitFor();
    await page.getByRole('row', { name: /Unknown client 0 1 0/ }).waitFor();
    await page.getByRole('img', { name: /Tokens issued and failed authentications/ }).waitFor();
    await page.getByLabel('Client', { exact: true }).selectOption({ label: 'Unknown client' });
    await page.getByRole('list', { name: 'Totals for the period' }).getByText('0 tokens issued').waitFor();
    await page.getByLabel('Client', { exact: true }).selectOption({ label: 'All clients' });
    await b.screenshot('dashboard');
  });

  it("Dashboard: shows each client's use of its token quota this UTC hour and day", async () => {
    const { page } = b;
    const noisy = await createClient(t, { client_name: 'Quota job', audience: [AUD], scope: 'read', token_quota: { per_hour: 5, enforce: true } });
    for (let i = 0; i < 2; i++) assert.equal((await tokenRequest(t, '/oauth2/token', noisy.clientId, noisy.secret, { scope: 'read' })).status, 200);
    await go(page, 'Dashboard');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page
      .getByRole('table', { name: /Token quota use per client/ })
      .getByRole('row', { name: 'Quota job 2 / 5 \u2013 refused' })
      .waitFor();
  });

  it('is usable from the keyboard: the skip link comes first and moves focus to the content', async () => {
    const { page } = b;
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate<string | null>('document.activeElement.textContent'), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate<string | null>('document.activeElement.id'), 'main');
  });

  it('signs out: the token leaves the tab, and the sign-in page says so', async () => {
    const { page } = b;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    await page.getByLabel('Admin token').waitFor();
    assert.equal(await page.evaluate<number>('sessionStorage.length'), 0);
    assert.deepEqual(await page.context().cookies(), []);
  });

  // Every test ends without a script error, a CSP violation or a failed API call it did not expect.
  afterEach(() => assertNoProblems(b));
});
