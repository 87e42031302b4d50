import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { assertNoProblems, go, openConsoleBrowser, signIn, type ConsoleBrowser } from '../helpers/browser.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { sh } from '../helpers/shell.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://console-client-ids.test';

describe('console: clients whose ids hold spaces, colons, plus and percent signs, slashes and quotes', () => {
  let t: TestTessera;
  let b: ConsoleBrowser;

  before(async () => {
    t = await startTessera();
    b = await openConsoleBrowser();
    await signIn(b.page, t.adminUrl, t.adminToken);
    await createOk(t, '/apis', { name: 'Orders', identifier: AUD, scopes: [{ value: 'read' }] });
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });
  afterEach(() => assertNoProblems(b));

  for (const id of ['orders job:eu+1 100%', `team/a "b" 'c' \\d>e`]) {
    it(`opens the page of ${id} from the list, shows the id as it is, rotates its secret; the copied curl command gets a token`, async () => {
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

      await page.getByRole('button', { name: 'Rotate secret' }).click();
      const dialog = page.getByRole('dialog', { name: 'Rotate secret' });
      await dialog.getByRole('button', { name: 'Rotate' }).click();
      const shown = page.getByRole('dialog', { name: 'New client secret' });
      const secret = await shown.getByLabel('Client secret', { exact: true }).inputValue();
      const curl = await shown.getByLabel('Token request (curl)', { exact: true }).inputValue();
      assert.ok(curl.includes(secret), curl);
      const answer = JSON.parse(await sh(`${curl} -s`));
      assert.equal(answer.token_type, 'Bearer', curl);
      await shown.getByRole('button', { name: 'Done' }).click();
      await page
        .getByRole('row', { name: /Delete secret/ })
        .nth(1)
        .waitFor();
      assert.equal(((await t.admin('GET', `/clients/${encodeURIComponent(id)}`)).body.client_secrets as unknown[]).length, 2);
    });
  }
});
