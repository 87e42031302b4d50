import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { assertNoProblems, go, openConsoleBrowser, signIn, type ConsoleBrowser } from '../helpers/browser.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { testKey } from '../helpers/keys.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://rough-edges.test';

/** What a field error says instead of the pattern a value failed. */
const CLIENT_ID_DETAIL = 'must be 1 to 255 printable ASCII characters (RFC 6749 VSCHAR: space to "~", no control characters)';
const TENANT_ID_DETAIL = 'must be 1 to 63 characters: lower-case letters, digits or "-", starting with a letter or digit';

describe('console: readable field errors, audit actors by name, a header that fits 390 px, key clients, no one-item menus', () => {
  let t: TestTessera;
  let b: ConsoleBrowser;

  before(async () => {
    t = await startTessera();
    b = await openConsoleBrowser();
    await signIn(b.page, t.adminUrl, t.adminToken);
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });

  /** Each test starts on a freshly loaded console (still signed in: the session is the tab's), whatever the previous one left open. */
  const fresh = async (link: string, heading?: string) => {
    await b.page.goto(`${t.adminUrl}/console/#/`);
    await b.page.reload();
    await b.page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await go(b.page, link, heading);
  };

  it('the admin API says what a malformed id or name must be, never the pattern it failed', async () => {
    const cases: [string, string, unknown, string, string][] = [
      ['a client_id with a tab', '/clients', { client_id: 'my\tclient', audience: [AUD] }, '/client_id', CLIENT_ID_DETAIL],
      ['a tenant id with capitals', '/tenants', { id: 'Acme' }, '/id', TENANT_ID_DETAIL],
      [
        'an API scope with a space',
        '/apis',
        { name: 'Scoped', identifier: AUD, scopes: [{ value: 'read all' }] },
        '/scopes/0/value',
        'invalid scope token "read all"',
      ],
      [
        'a user_name with a space',
        '/service-accounts',
        { user_name: 'nightly report' },
        '/user_name',
        'must be one word of printable text: no whitespace, control characters, line or paragraph separators, or bidirectional overrides and isolates',
      ],
    ];
    for (const [what, path, body, pointer, detail] of cases) {
      const res = await t.admin('POST', path, body);
      assert.ok(res.status === 400 || res.status === 422, `${what}: ${res.text}`);
      assert.deepEqual(res.body.errors, [{ pointer, detail }], what);
      assert.doesNotMatch(res.text, /must match pattern/, what);
    }
  });

  it("shows the server's readable text under the field (a tenant id with capitals)", async () => {
    const { page } = b;
    await fresh('Tenants');
    b.expectApiFailure(400, /^\/tenants$/);
    await page.getByRole('button', { name: 'Create tenant' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create tenant' });
    await dialog.getByLabel('Tenant id').fill('Acme');
    await dialog.getByRole('button', { name: 'Create tenant' }).click();
    const error = dialog.locator('.field-error').first();
    await error.waitFor();
    assert.equal((await error.textContent())?.trim(), TENANT_ID_DETAIL);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it("names an admin token actor by the token's name, in the API and on the audit page", async () => {
    const { token, id } = await createOk(t, '/admin-tokens', { name: 'deploy-bot', tenant: null });
    assert.equal((await t.admin('POST', '/service-accounts?reason=by-the-bot', { user_name: 'made-by-bot' }, { token })).status, 201);
    const events = (await t.admin('GET', '/audit-events?action=service_account.create')).body.items;
    assert.deepEqual(
      events.map((e: { actor: string; actor_name: string | null }) => [e.actor, e.actor_name]),
      [[`admin-token:${id}`, 'deploy-bot']],
    );
    // Events whose actor is not an admin token have no name.
    const system = (await t.admin('GET', '/audit-events?actor=system')).body.items;
    assert.ok(system.length > 0);
    for (const e of system) assert.equal(e.actor_name, null);

    const { page } = b;
    await fresh('Audit log');
    await page.getByLabel('Action').fill('service_account.create');
    await page.getByRole('button', { name: 'Filter' }).click();
    const row = page.getByRole('row', { name: /service_account\.create/ });
    await row.waitFor();
    assert.match((await row.getByRole('cell').nth(1).textContent()) ?? '', new RegExp(`^deploy-bot\\s*admin-token:${id}$`));

    // A deleted token's events keep its id; the name is gone with it.
    assert.equal((await t.admin('DELETE', `/admin-tokens/${id}`)).status, 204);
    const after = (await t.admin('GET', '/audit-events?action=service_account.create')).body.items;
    assert.equal(after[0].actor_name, null);
  });

  it('keeps Sign out and the tenant switcher inside a 390 px wide screen', async () => {
    const { page } = b;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await fresh('Dashboard');
      await page.screenshot({ path: '/tmp/h12-header-390.png' });
      await b.screenshot('header-390');
      for (const control of [page.getByRole('button', { name: 'Sign out' }), page.getByLabel('Tenant', { exact: true })]) {
        const box = await control.boundingBox();
        assert.ok(box, 'shown');
        assert.ok(box.x >= 0 && box.x + box.width <= 390, `within the screen: ${JSON.stringify(box)}`);
      }
      const header = await page.locator('header.topbar').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
      assert.ok(header.scroll <= header.client, `the header does not overflow: ${JSON.stringify(header)}`);
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  it('shows a private_key_jwt client as authenticating with keys: no secrets, its kids or its jwks_uri', async () => {
    const [one, two] = [await testKey('ES256', 'signer-2026'), await testKey('RS256', 'signer-2027')];
    await createClient(t, {
      client_id: 'keyed',
      client_name: 'Keyed job',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: {
        keys: [
          { ...one.publicJwk, alg: 'ES256' },
          { ...two.publicJwk, alg: 'RS256' },
        ],
      },
      audience: [AUD],
    });
    await createClient(t, {
      client_id: 'keyed-uri',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: 'https://keys.example.com/jwks.json',
      audience: [AUD],
    });
    await createClient(t, { client_id: 'secreted', audience: [AUD] });

    const { page } = b;
    await fresh('Machine to Machine');
    const secretsOf = async (clientId: string) => {
      const row = page.getByRole('row', { name: new RegExp(`\\b${clientId}\\b`) }).first();
      return ((await row.getByRole('cell').nth(3).textContent()) ?? '').trim();
    };
    await page.getByRole('row', { name: /keyed-uri/ }).waitFor();
    assert.equal(await secretsOf('keyed-uri'), 'keys (private_key_jwt)');
    assert.equal(await secretsOf('secreted'), '1');
    await b.screenshot('clients-keys');

    await page.getByRole('link', { name: 'Keyed job' }).click();
    await page.getByRole('heading', { level: 1, name: 'Keyed job' }).waitFor();
    await page.getByText('Authenticates with keys (private_key_jwt): no secrets').waitFor();
    const keys = page.getByRole('table', { name: 'Client keys' });
    const rows = await keys.getByRole('row').all();
    assert.deepEqual(await Promise.all(rows.slice(1).map((r) => r.locator('th, td').allTextContents())), [
      ['signer-2026', 'EC', 'ES256'],
      ['signer-2027', 'RSA', 'RS256'],
    ]);
    assert.equal(await page.getByRole('button', { name: 'Rotate secret' }).count(), 0);
    assert.equal(await page.getByText('This client has no secret.').count(), 0);
    await page.screenshot({ path: '/tmp/h12-client-keys.png', fullPage: true });

    await page.goto(`${t.adminUrl}/console/#/applications/m2m/keyed-uri`);
    await page.getByText('Authenticates with keys (private_key_jwt): no secrets').waitFor();
    await page.getByText('https://keys.example.com/jwks.json').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Rotate secret' }).count(), 0);
  });

  it('has no menu of a single item: Service Accounts adds with a plain button', async () => {
    const { page } = b;
    await fresh('Service Accounts');
    await page.getByRole('button', { name: 'Add service account' }).click();
    await page.getByRole('dialog', { name: 'Add service account' }).getByRole('button', { name: 'Cancel' }).click();
    assert.equal(await page.locator('[aria-haspopup="menu"]').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Actions' }).count(), 0);
  });

  // No script error, no CSP violation, and no admin API call refused but those each test expects.
  afterEach(() => assertNoProblems(b));
});
