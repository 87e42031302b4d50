import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { systemClock } from '../../src/lib/clock.js';
import { assertNoProblems, go, openConsoleBrowser, signIn, type ConsoleBrowser } from '../helpers/browser.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { assertInvalidClient, assertionTokenRequest } from '../helpers/private-key-jwt.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';
import { assertTokenFor } from '../helpers/tokens.js';

const AUD = 'https://key-clients.test/';

describe('console: private_key_jwt clients made in the wizard, their keys replaced on their page', () => {
  let t: TestTessera;
  let b: ConsoleBrowser;
  let accountId: string;

  before(async () => {
    t = await startTessera();
    b = await openConsoleBrowser();
    await signIn(b.page, t.adminUrl, t.adminToken);
    accountId = (await createOk(t, '/service-accounts', { user_name: 'report-job' })).id;
    await createOk(t, '/apis', { name: 'Reports API', identifier: AUD, scopes: [{ value: 'reports:read' }] });
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });

  const request = (clientId: string, key: TestKey) => assertionTokenRequest(t, systemClock, clientId, key);

  /** Opens the wizard on a freshly loaded console and fills the first two steps up to the keys, choosing `report-job`. */
  const wizardToKeys = async (clientName: string) => {
    const { page } = b;
    await page.goto(`${t.adminUrl}/console/#/`);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await go(page, 'Machine to Machine');
    await page.getByRole('link', { name: 'Add integration' }).click();
    await page.getByLabel('Existing service account', { exact: true }).selectOption({ label: 'report-job' });
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Client name').fill(clientName);
    await page.getByRole('radio', { name: 'Private key JWT (no secret)' }).check();
    await page.getByRole('radio', { name: 'Paste public keys (JWK Set)' }).check();
  };

  /** From the keys step: on to the review, with the API's scope ticked, and Create. */
  const finish = async () => {
    const { page } = b;
    await page.getByRole('button', { name: 'Next' }).click();
    await page
      .getByRole('group', { name: /Reports API/ })
      .getByRole('checkbox', { name: /^reports:read/ })
      .check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { level: 2, name: 'Step 4 of 4: Review' }).waitFor();
    await page.getByLabel('Reason (optional)').fill('key-client');
    await page.getByRole('button', { name: 'Create integration' }).click();
  };

  it('creates a key client from a pasted JWK Set: no secret shown, a token for an assertion its private key signs', async () => {
    const key = await testKey('ES256', 'report-2026');
    const { page } = b;
    await wizardToKeys('Nightly report');
    await page.getByLabel('JWK Set', { exact: true }).fill(JSON.stringify({ keys: [key.publicJwk] }, null, 2));
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 860 });
      await page.screenshot({ path: `/tmp/h14-wizard-keys-${width}.png`, fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 860 });
    await b.screenshot('wizard-keys');
    await finish();
    await page.getByRole('heading', { level: 1, name: 'Integration created' }).waitFor();
    const clientId = await page.getByLabel('Client ID', { exact: true }).inputValue();
    assert.equal(await page.getByLabel('Client secret').count(), 0, 'no secret');
    assert.equal(await page.getByText('Copy the client secret now').count(), 0);
    assert.equal(
      await page.getByLabel('Token request (tessera CLI)', { exact: true }).inputValue(),
      `tessera token --issuer ${t.publicUrl} \\\n  --client-id ${clientId} \\\n  --private-key key.pem \\\n  --scope 'reports:read'`,
    );
    await page.screenshot({ path: '/tmp/h14-wizard-keys-done.png', fullPage: true });
    await b.screenshot('wizard-keys-done');

    const client = (await t.admin('GET', `/clients/${clientId}`)).body;
    assert.deepEqual([client.token_endpoint_auth_method, client.client_secrets, client.jwks_uri], ['private_key_jwt', [], null]);
    assert.deepEqual(
      client.jwks.keys.map((k: { kid: string }) => k.kid),
      ['report-2026'],
    );

    const res = await request(clientId, key);
    assert.equal(res.status, 200, res.text);
    const payload = decodeJwt(res.body.access_token);
    assert.deepEqual([payload.client_id, payload.sub, payload.aud, res.body.scope], [clientId, accountId, AUD, 'reports:read'], 'whose token it is');
  });

  it("refuses a private JWK pasted (it has `d`), with the server's message under the field and its pointer", async () => {
    const key = await testKey('ES256', 'leaked');
    const body = { client_name: 'Leaky', service_account_id: accountId, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.privateJwk] } };
    const direct = await t.admin('POST', '/clients', body);
    assert.ok(direct.status === 400 || direct.status === 422, direct.text);
    const [first] = direct.body.errors as { pointer: string; detail: string }[];
    assert.ok(first && first.pointer.startsWith('/jwks/keys/0'), direct.text);

    const { page } = b;
    await wizardToKeys('Leaky');
    await page.getByLabel('JWK Set', { exact: true }).fill(JSON.stringify({ keys: [key.privateJwk] }));
    b.expectApiFailure(direct.status, /^\/tenants\/default\/clients$/);
    await finish();
    // Back on the step with the field, the server's words under it.
    await page.getByRole('heading', { level: 2, name: 'Step 2 of 4: Client' }).waitFor();
    const error = page.locator('.field.has-error .field-error');
    await error.waitFor();
    assert.equal(
      (await error.textContent())?.trim(),
      direct.body.errors.map((e: { pointer: string; detail: string }) => `${e.pointer}: ${e.detail}`).join('; '),
    );
    await page.screenshot({ path: '/tmp/h14-wizard-private-jwk.png', fullPage: true });
    const clients = (await t.admin('GET', '/clients')).body.items as { client_name: string }[];
    assert.equal(clients.filter((c) => c.client_name === 'Leaky').length, 0, 'nothing written');
  });

  it("refuses a key set URL on a loopback address, with the server's message under the field", async () => {
    const body = {
      client_name: 'Local keys',
      service_account_id: accountId,
      token_endpoint_auth_method: 'private_key_jwt',
      jwks_uri: 'http://127.0.0.1:1/jwks.json',
    };
    const direct = await t.admin('POST', '/clients', body);
    assert.ok(direct.status === 400 || direct.status === 422, direct.text);
    assert.deepEqual(
      (direct.body.errors as { pointer: string }[]).map((e) => e.pointer),
      ['/jwks_uri'],
    );

    const { page } = b;
    await wizardToKeys('Local keys');
    await page.getByRole('radio', { name: 'Key set URL (jwks_uri)' }).check();
    await page.getByLabel('Key set URL', { exact: true }).fill(body.jwks_uri);
    b.expectApiFailure(direct.status, /^\/tenants\/default\/clients$/);
    await finish();
    await page.getByRole('heading', { level: 2, name: 'Step 2 of 4: Client' }).waitFor();
    const error = page.locator('.field.has-error .field-error');
    await error.waitFor();
    assert.equal((await error.textContent())?.trim(), `/jwks_uri: ${direct.body.errors[0].detail}`);
  });

  it('reports a JWK Set that is not JSON on the field, without calling the server', async () => {
    const { page } = b;
    await wizardToKeys('Broken paste');
    const calls: string[] = [];
    const record = (r: { method(): string; url(): string; resourceType(): string }) => {
      if (r.resourceType() === 'fetch') calls.push(`${r.method()} ${new URL(r.url()).pathname}`);
    };
    page.on('request', record);
    try {
      await page.getByLabel('JWK Set', { exact: true }).fill('{"keys": [');
      await page.getByRole('button', { name: 'Next' }).click();
      const error = page.locator('.field.has-error .field-error');
      await error.waitFor();
      assert.match((await error.textContent()) ?? '', /^not valid JSON: /);
      assert.equal(await page.getByRole('heading', { level: 2, name: 'Step 2 of 4: Client' }).count(), 1, 'stays on the step');
      assert.deepEqual(calls, []);
    } finally {
      page.off('request', record);
    }
  });

  it('replaces the keys on the client page: the old key stops working, the new one works', async () => {
    const [old, next] = [await testKey('ES256', 'old-2026'), await testKey('RS256', 'new-2027')];
    await createClient(t, {
      client_id: 'rotating-keys',
      client_name: 'Rotating keys',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [old.publicJwk] },
      audience: [AUD],
    });
    assertTokenFor(await request('rotating-keys', old), 'rotating-keys', { what: 'the old key, before' });

    const { page } = b;
    await page.goto(`${t.adminUrl}/console/#/applications/m2m/rotating-keys`);
    await page.getByRole('heading', { level: 1, name: 'Rotating keys' }).waitFor();
    await page.getByRole('button', { name: 'Replace keys' }).click();
    const dialog = page.getByRole('dialog', { name: 'Replace keys' });
    await dialog.getByLabel('JWK Set', { exact: true }).fill(JSON.stringify({ keys: [next.publicJwk] }));
    await dialog.getByLabel('Reason (optional)').fill('yearly-rotation');
    await page.screenshot({ path: '/tmp/h14-replace-keys.png', fullPage: true });
    await dialog.getByRole('button', { name: 'Replace keys' }).click();
    await dialog.waitFor({ state: 'detached' });
    const rows = page.getByRole('table', { name: 'Client keys' }).getByRole('row');
    await rows.filter({ hasText: 'new-2027' }).waitFor();
    assert.deepEqual(await rows.nth(1).locator('th, td').allTextContents(), ['new-2027', 'RSA', '—']);
    assert.equal(await rows.count(), 2);

    assertInvalidClient(await request('rotating-keys', old), 'the old key, after');
    assertTokenFor(await request('rotating-keys', next), 'rotating-keys', { what: 'the new key' });
    const events = (await t.admin('GET', '/audit-events?action=client.update')).body.items as { reason: string | null }[];
    assert.deepEqual(
      events.map((e) => e.reason),
      ['yearly-rotation'],
    );
  });

  // No script error, no CSP violation, and no admin API call refused but those each test expects.
  afterEach(() => assertNoProblems(b));
});
