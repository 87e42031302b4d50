import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import { assertFitsWidth, assertNoProblems, go, openConsoleBrowser, signIn, type ConsoleBrowser } from '../helpers/browser.js';
import { createOk } from '../helpers/fixtures.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';
import { makeCa, makeClientCert, makeSelfSigned, type TestCertificate } from '../helpers/test-certificates.js';

const DAY = 86_400_000;

/** RFC 8705 §3.1: the base64url SHA-256 of the certificate's DER. */
const thumbprint = (c: TestCertificate) => createHash('sha256').update(c.der).digest('base64url');

describe('console: mutual TLS clients (RFC 8705) and the tenant trusted client CAs', () => {
  let t: TestTessera;
  let b: ConsoleBrowser;

  before(async () => {
    t = await startTessera();
    b = await openConsoleBrowser();
    await signIn(b.page, t.adminUrl, t.adminToken);
    await createOk(t, '/service-accounts', { user_name: 'device-fleet' });
  });
  after(async () => {
    await b?.close();
    await t?.close();
  });
  afterEach(() => assertNoProblems(b));

  /** Opens the wizard on a freshly loaded console and fills it up to the authentication method, choosing `device-fleet`. */
  const wizardToAuth = async (clientName: string, method: string) => {
    const { page } = b;
    await page.goto(`${t.adminUrl}/console/#/`);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await go(page, 'Machine to Machine');
    await page.getByRole('link', { name: 'Add integration' }).click();
    await page.getByLabel('Existing service account', { exact: true }).selectOption({ label: 'device-fleet' });
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Client name').fill(clientName);
    await page.getByRole('radio', { name: method }).check();
  };

  /** Pastes a certificate, reads it, and waits for what the admin API read in it. */
  const paste = async (certificate: TestCertificate) => {
    const { page } = b;
    await page.getByLabel('Client certificate (PEM)', { exact: true }).fill(certificate.certPem);
    await page.getByRole('button', { name: 'Read certificate' }).click();
    const summary = page.getByRole('definition').filter({ hasText: thumbprint(certificate) });
    await summary.waitFor();
  };

  /** From the client step: through the scopes step (no API here) to the review, and Create; returns the new client id. */
  const finish = async () => {
    const { page } = b;
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { level: 2, name: 'Step 3 of 4: APIs and scopes' }).waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.getByRole('heading', { level: 1, name: 'Integration created' }).waitFor();
    assert.equal(await page.getByLabel('Client secret').count(), 0, 'no secret');
    return page.getByLabel('Client ID', { exact: true }).inputValue();
  };

  it('creates a tls_client_auth client from a pasted certificate, registered by the SAN chosen, tokens bound; its page shows both; Edit certificate changes them', async () => {
    const ca = makeCa('Console Devices CA');
    const device = makeClientCert(ca, { subject: '/O=Acme/CN=device-1', dns: ['device-1.example.com'], uri: ['spiffe://example.org/device-1'] });
    const { page } = b;
    await wizardToAuth('Device 1', 'Mutual TLS (CA-issued certificate)');
    await paste(device);
    const summary = page.getByLabel('Pasted certificate');
    assert.match((await summary.textContent()) ?? '', /CN=device-1,O=Acme/);
    assert.match((await summary.textContent()) ?? '', /CN=Console Devices CA/);
    // The subject DN is chosen at first; the operator picks the DNS name instead.
    assert.equal(await page.getByRole('radio', { name: 'Subject DN: CN=device-1,O=Acme' }).isChecked(), true);
    await page.getByRole('radio', { name: 'DNS name (SAN): device-1.example.com' }).check();
    await page.getByRole('checkbox', { name: 'Bind tokens to the certificate' }).check();
    assert.equal(
      await page.getByRole('checkbox', { name: 'Bind tokens to a DPoP key' }).isDisabled(),
      true,
      'DPoP binding is off while certificate binding is on',
    );
    await page.setViewportSize({ width: 390, height: 844 });
    await assertFitsWidth(page, 390);
    await b.screenshot('certificate-client-wizard-390');
    await page.setViewportSize({ width: 1280, height: 860 });
    await b.screenshot('certificate-client-wizard');
    const clientId = await finish();
    assert.match(await page.getByLabel('Token request (curl)', { exact: true }).inputValue(), /^curl --cert client\.pem --key client-key\.pem -X POST /);

    const client = (await t.admin('GET', `/clients/${clientId}`)).body;
    assert.deepEqual(
      [client.token_endpoint_auth_method, client.tls_client_auth_san_dns, client.tls_client_auth_subject_dn, client.tls_client_certificate_bound_access_tokens],
      ['tls_client_auth', 'device-1.example.com', undefined, true],
    );
    assert.deepEqual(client.client_secrets, []);

    await page.getByRole('link', { name: 'Open the integration' }).click();
    const details = page.getByLabel('Certificate authentication');
    await details.waitFor();
    assert.deepEqual(await details.locator('dd').allTextContents(), [
      'Mutual TLS, CA-issued certificate (tls_client_auth)',
      'DNS name (SAN) device-1.example.com',
      'yes (cnf x5t#S256)',
    ]);
    await b.screenshot('certificate-client-detail');

    // Edit certificate: registered by a typed subject DN instead, tokens no longer bound.
    await page.getByRole('button', { name: 'Edit certificate' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name field').selectOption({ label: 'Subject DN (tls_client_auth_subject_dn)' });
    await dialog.getByLabel('Name the certificate must carry').fill('CN=device-1,O=Acme');
    await dialog.getByRole('checkbox', { name: 'Bind tokens to the certificate' }).uncheck();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await details.getByText('Subject DN').waitFor();
    const edited = (await t.admin('GET', `/clients/${clientId}`)).body;
    assert.deepEqual(
      [edited.tls_client_auth_subject_dn, edited.tls_client_auth_san_dns, edited.tls_client_certificate_bound_access_tokens],
      ['CN=device-1,O=Acme', undefined, false],
    );
  });

  it('creates a self-signed client whose jwks holds the certificate and its key; its page warns that it expires within 30 days', async () => {
    // Valid for 60 days, 49.5 of them gone: 10.5 days left, "11 days" rounded up.
    const sensor = makeSelfSigned({ subject: '/CN=sensor-7', days: 60, notBefore: new Date(Date.now() - 49.5 * DAY) });
    const { page } = b;
    await wizardToAuth('Sensor 7', 'Mutual TLS (self-signed certificate)');
    await paste(sensor);
    await assertFitsWidth(page, 1280);
    const clientId = await finish();

    const client = (await t.admin('GET', `/clients/${clientId}`)).body;
    assert.equal(client.token_endpoint_auth_method, 'self_signed_tls_client_auth');
    const [key] = client.jwks.keys;
    assert.deepEqual(key.x5c, [sensor.der.toString('base64')]);
    assert.deepEqual([key.kty, key.crv, key.d], ['EC', 'P-256', undefined]);
    assert.deepEqual(
      client.certificates.map((c: { 'x5t#S256': string; subject: string }) => [c.subject, c['x5t#S256']]),
      [['CN=sensor-7', thumbprint(sensor)]],
    );

    await page.getByRole('link', { name: 'Open the integration' }).click();
    const certificate = page.getByRole('definition').filter({ hasText: thumbprint(sensor) });
    await certificate.waitFor();
    assert.equal(
      (
        await page
          .getByRole('status')
          .filter({ hasText: /^Expires in/ })
          .textContent()
      )?.trim(),
      'Expires in 11 days',
    );
    await page.setViewportSize({ width: 390, height: 844 });
    await assertFitsWidth(page, 390);
    await b.screenshot('certificate-client-expiring-390');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it("adds a trusted client CA to the tenant by pasting it, shows its details (and an expired one's warning), removes it", async () => {
    const ca = makeCa('Console Tenant CA', { days: 365 });
    const expired = makeCa('Console Old CA', { days: 30, notBefore: new Date(Date.now() - 40 * DAY) });
    const { page } = b;
    await page.goto(`${t.adminUrl}/console/#/`);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await go(page, 'Tenants');
    await page.getByText('No trusted client CA of this tenant.').waitFor();
    await page.getByRole('button', { name: 'Add CA' }).click();
    await page.getByLabel('CA certificate (PEM)').fill(ca.certPem);
    await page.getByLabel('Reason (optional)').fill('device fleet CA');
    await page.getByRole('dialog').getByRole('button', { name: 'Add CA' }).click();
    const table = page.getByRole('table', { name: 'Trusted client CAs' });
    await table.waitFor();
    const row = table.getByRole('row').filter({ hasText: thumbprint(ca) });
    assert.deepEqual((await row.getByRole('rowheader').textContent())?.trim(), 'CN=Console Tenant CA');
    assert.equal(await row.getByRole('status').count(), 0, 'no warning a year from expiry');
    const tenant = (await t.admin('GET', '/tenants/default')).body;
    assert.deepEqual(
      tenant.tls_client_cas.map((pem: string) => pem.trim()),
      [ca.certPem.trim()],
    );

    // An expired CA (added through the API) is shown as such.
    assert.equal((await t.admin('PATCH', '/tenants/default', { tls_client_cas: [ca.certPem, expired.certPem] })).status, 200);
    await page.reload();
    const old = table.getByRole('row').filter({ hasText: thumbprint(expired) });
    assert.equal((await old.getByRole('status').textContent())?.trim(), 'Expired');
    await page.setViewportSize({ width: 390, height: 844 });
    await b.screenshot('tenant-client-cas-390');
    await page.setViewportSize({ width: 1280, height: 860 });

    await old.getByRole('button', { name: /^Remove/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await old.waitFor({ state: 'detached' });
    assert.deepEqual(
      (await t.admin('GET', '/tenants/default')).body.tls_client_cas.map((pem: string) => pem.trim()),
      [ca.certPem.trim()],
    );
  });
});
