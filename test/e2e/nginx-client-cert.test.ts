import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { describeEachDialect } from '../helpers/dialects.js';
import { docBlock } from '../helpers/docs.js';
import { createClient } from '../helpers/fixtures.js';
import { startNginx, type TestNginx } from '../helpers/nginx.js';
import { postFormFrom } from '../helpers/raw-http.js';
import { sh } from '../helpers/shell.js';
import { basic, decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';
import { makeCa, makeClientCert, makeServerCert, type TestCertificate } from '../helpers/test-certificates.js';

const SECTION = '## Behind a TLS-terminating proxy with client certificates';
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };
const IGNORED = 'ignored the Client-Cert header of a request from 127.0.0.2: TESSERA_TRUST_PROXY does not trust this address (logged once per address)';

/** Replaces `from` in the documented configuration, which must hold it: a change to the doc that drops it fails the test. */
function substitute(config: string, from: string | RegExp, to: string): string {
  assert.match(
    config,
    typeof from === 'string' ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : from,
    `docs/deployment.md's nginx block holds ${String(from)}`,
  );
  return config.replace(from instanceof RegExp ? new RegExp(from.source, 'g') : from, to);
}

/** docs/deployment.md's nginx configuration with this test's ports and files: Tessera at `upstream`, nginx on `port`. */
function documentedNginx(dir: string, upstream: string, port: number): string {
  let config = docBlock('docs/deployment.md', SECTION, 'nginx');
  config = substitute(config, /10\.0\.1\.1\d:4444/, upstream);
  config = substitute(config, 'listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`);
  config = substitute(config, '/etc/ssl/auth.example.com.pem', join(dir, 'server.pem'));
  config = substitute(config, '/etc/ssl/auth.example.com.key', join(dir, 'server.key'));
  return config;
}

const thumbprint = (der: Buffer) => createHash('sha256').update(der).digest('base64url');

describeEachDialect('a tls_client_auth client through nginx, configured as docs/deployment.md says (TESSERA_CLIENT_CERT_HEADER)', (dialect) => {
  let t: TestTessera;
  let nginx: TestNginx;
  let dir: string;
  let clientCa: TestCertificate;
  let device: TestCertificate;
  let intruder: TestCertificate;

  /** curl (a client no one here wrote) asking nginx for a token, with `args` (--cert, -H…). */
  const curlToken = async (args: string) =>
    JSON.parse(
      await sh(`curl -s --cacert server-ca.pem ${args} -d grant_type=client_credentials -d client_id=device-1 https://127.0.0.1:${nginx.port}/oauth2/token`, {
        cwd: dir,
      }),
    ) as Record<string, unknown>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-nginx-cert-'));
    clientCa = makeCa('Devices CA');
    device = makeClientCert(clientCa, { subject: '/O=Acme/CN=device-1' });
    intruder = makeClientCert(clientCa, { subject: '/O=Acme/CN=intruder' });
    const serverCa = makeCa('nginx Test Server CA');
    const server = makeServerCert(serverCa, { ip: ['127.0.0.1'] });
    const files: Record<string, string> = {
      'server.pem': server.certPem,
      'server.key': server.keyPem,
      'server-ca.pem': serverCa.certPem,
      'client-ca.pem': clientCa.certPem,
      'device.pem': device.certPem,
      'device.key': device.keyPem,
      'intruder.pem': intruder.certPem,
      'intruder.key': intruder.keyPem,
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    t = await startTessera({
      dialect,
      env: { TESSERA_TRUST_PROXY: '127.0.0.1', TESSERA_CLIENT_CERT_HEADER: 'client-cert', TESSERA_TLS_CLIENT_CA: join(dir, 'client-ca.pem') },
    });
    await createClient(t, {
      client_id: 'device-1',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=device-1,O=Acme',
      tls_client_certificate_bound_access_tokens: true,
      audience: ['https://orders.test/'],
    });
    nginx = await startNginx(dir, (port) => documentedNginx(dir, new URL(t.publicUrl).host, port));
  });
  after(async () => {
    await nginx?.stop();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('issues a token bound to the certificate curl presented to nginx (cnf x5t#S256), with no secret', async () => {
    const body = await curlToken('--cert device.pem --key device.key');
    assert.equal(body.token_type, 'Bearer', JSON.stringify(body));
    const { payload } = decodeJwt(body.access_token as string);
    assert.equal(payload.sub, 'device-1');
    assert.deepEqual(payload.cnf, { 'x5t#S256': thumbprint(device.der) });
  });

  it('ignores the same header sent straight to Tessera from an address TESSERA_TRUST_PROXY does not trust, and warns once', async () => {
    const params = { grant_type: 'client_credentials', client_id: 'device-1' };
    for (const header of [encodeURIComponent(device.certPem), `:${device.der.toString('base64')}:`]) {
      const res = await postFormFrom('127.0.0.2', `${t.publicUrl}/oauth2/token`, params, { 'client-cert': header });
      assert.equal(res.status, 401, res.text);
      assert.deepEqual(res.body, INVALID_CLIENT);
    }
    const warnings = t.logs.map((line) => JSON.parse(line) as { level: number; msg: string; address?: string }).filter((line) => line.msg === IGNORED);
    assert.deepEqual(
      warnings.map(({ level, address }) => ({ level, address })),
      [{ level: 40, address: '127.0.0.2' }],
      'one warning for two requests',
    );
  });

  it('refuses a malformed Client-Cert from the trusted proxy as an unusable certificate: invalid_client, and no token bound to it', async () => {
    const params = { grant_type: 'client_credentials', client_id: 'device-1' };
    for (const header of ['not a certificate', ':bm90IGEgY2VydGlmaWNhdGU=:', '-----BEGIN%20CERTIFICATE-----%0Abm90%0A-----END%20CERTIFICATE-----']) {
      const res = await postFormFrom('127.0.0.1', `${t.publicUrl}/oauth2/token`, params, { 'client-cert': header });
      assert.equal(res.status, 401, `${header}: ${res.text}`);
      assert.deepEqual(res.body, INVALID_CLIENT);
    }
    // A client that authenticates with its secret gets no token bound to bytes that are no certificate.
    const secretClient = await createClient(t, { tls_client_certificate_bound_access_tokens: true, audience: ['https://orders.test/'] });
    const bound = await postFormFrom(
      '127.0.0.1',
      `${t.publicUrl}/oauth2/token`,
      { grant_type: 'client_credentials' },
      {
        authorization: basic(secretClient.clientId, secretClient.secret),
        'client-cert': ':bm90IGEgY2VydGlmaWNhdGU=:',
      },
    );
    assert.equal(bound.status, 400, bound.text);
    assert.deepEqual(bound.body, {
      error: 'invalid_request',
      error_description: "This client's access tokens are bound to its certificate: the request requires a client certificate (RFC 8705 section 3).",
    });
  });

  it("replaces a Client-Cert the client sent itself with nginx's own, or drops it without a certificate", async () => {
    const forged = `-H 'Client-Cert: ${encodeURIComponent(device.certPem)}' -H 'Client-Cert-Chain: :${clientCa.der.toString('base64')}:'`;
    assert.deepEqual(await curlToken(`--cert intruder.pem --key intruder.key ${forged}`), INVALID_CLIENT, "the intruder's own certificate counts");
    assert.deepEqual(await curlToken(forged), INVALID_CLIENT, 'no certificate: no header');
    const own = await curlToken(`--cert device.pem --key device.key -H 'Client-Cert: :${intruder.der.toString('base64')}:'`);
    assert.deepEqual(decodeJwt(own.access_token as string).payload.cnf, { 'x5t#S256': thumbprint(device.der) });
  });
});
