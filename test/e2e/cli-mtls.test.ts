import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { describeEachDialect } from '../helpers/dialects.js';
import { runCli } from '../helpers/process.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';
import { makeCa, makeClientCert, makeSelfSigned, type TestCertificate } from '../helpers/test-certificates.js';

const NOT_BEFORE = new Date('2026-01-01T00:00:00.000Z');
const x5t = (cert: TestCertificate) => createHash('sha256').update(cert.der).digest('base64url');

describeEachDialect('CLI: mutual TLS clients, tenant CAs and tessera certificates inspect', (dialect) => {
  let t: TestTessera;
  let dir: string;
  let env: Record<string, string>;
  let root: TestCertificate;
  let devices: TestCertificate;
  let device: TestCertificate;
  let sensor: TestCertificate;
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const cli = (...args: string[]) => runCli(args, env);
  /** Runs the CLI, asserts exit code 0, answers its standard output. */
  const ok0 = async (...args: string[]) => {
    const res = await cli(...args);
    assert.equal(res.code, 0, `tessera ${args.join(' ')}\n${res.stderr}`);
    return res.stdout;
  };
  const json0 = async (...args: string[]) => JSON.parse(await ok0(...args, '--json'));

  before(async () => {
    t = await startTessera({ dialect });
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-mtls-'));
    env = { TESSERA_ADMIN_URL: t.adminUrl, TESSERA_ADMIN_TOKEN: t.adminToken };
    root = makeCa('Acme Root', { notBefore: NOT_BEFORE, days: 3650 });
    devices = makeCa('Acme Devices', { issuer: root, notBefore: NOT_BEFORE, days: 1000 });
    device = makeClientCert(devices, { subject: '/C=FR/O=Acme/CN=device-1', dns: ['device-1.acme.test'], notBefore: NOT_BEFORE, days: 400 });
    sensor = makeSelfSigned({ subject: '/O=Acme/CN=sensor-7', uri: ['spiffe://acme.test/sensor/7'], notBefore: NOT_BEFORE, days: 400 });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a tls_client_auth client with --tls-subject-dn --certificate-bound: no secret; clients get shows the name and the flag', async () => {
    const c = await json0('clients', 'create', '--client-id', 'device-1', '--tls-subject-dn', 'CN=device-1,O=Acme,C=FR', '--certificate-bound');
    assert.equal(c.token_endpoint_auth_method, 'tls_client_auth', 'implied by --tls-subject-dn');
    assert.equal(c.tls_client_auth_subject_dn, 'CN=device-1,O=Acme,C=FR');
    assert.equal(c.tls_client_certificate_bound_access_tokens, true);
    assert.equal('client_secret' in c, false);
    const shown = await ok0('clients', 'get', 'device-1');
    assert.match(shown, /^token_endpoint_auth_method +tls_client_auth$/m);
    assert.match(shown, /^tls_client_auth_subject_dn +CN=device-1,O=Acme,C=FR$/m);
    assert.match(shown, /^tls_client_certificate_bound_access_tokens +true$/m);
    assert.doesNotMatch(shown, /Store the client secret/);
  });

  it('sets each SAN with its flag, replaces the name on update, and moves the client back to secrets with --no-…', async () => {
    const flags: [string, string, string, string][] = [
      ['--tls-san-dns', 'device-2.acme.test', 'tls_client_auth_san_dns', 'device-2.acme.test'],
      ['--tls-san-uri', 'spiffe://acme.test/device/2', 'tls_client_auth_san_uri', 'spiffe://acme.test/device/2'],
      ['--tls-san-ip', '2001:DB8::2', 'tls_client_auth_san_ip', '2001:db8::2'],
      ['--tls-san-email', 'device-2@acme.test', 'tls_client_auth_san_email', 'device-2@acme.test'],
    ];
    for (const [flag, value, member, stored] of flags) {
      const c = await json0('clients', 'create', flag, value);
      assert.equal(c.token_endpoint_auth_method, 'tls_client_auth', flag);
      assert.equal(c[member], stored, flag);
    }
    const renamed = await json0('clients', 'update', 'device-1', '--tls-san-dns', 'device-1.acme.test');
    assert.equal(renamed.tls_client_auth_san_dns, 'device-1.acme.test');
    assert.equal(renamed.tls_client_auth_subject_dn, undefined, 'the name is replaced');
    const refused = await cli('clients', 'update', 'device-1', '--auth-method', 'client_secret_basic');
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      'tessera: Unprocessable Content: the client metadata is not valid\n  /tls_client_auth_san_dns: tls_client_auth_san_dns is used only with token_endpoint_auth_method tls_client_auth\n',
    );
    const secretAgain = await json0('clients', 'update', 'device-1', '--auth-method', 'client_secret_basic', '--no-tls-san-dns', '--no-certificate-bound');
    assert.equal(secretAgain.token_endpoint_auth_method, 'client_secret_basic');
    assert.equal(secretAgain.tls_client_auth_san_dns, undefined);
    assert.equal(secretAgain.tls_client_certificate_bound_access_tokens, false);
  });

  it('creates a self_signed_tls_client_auth client from a PEM file with --self-signed-cert: x5c and certificate details', async () => {
    const c = await json0('clients', 'create', '--client-id', 'sensor-7', '--self-signed-cert', file('sensor-7.pem', sensor.certPem));
    assert.equal(c.token_endpoint_auth_method, 'self_signed_tls_client_auth');
    assert.deepEqual(c.jwks.keys[0].x5c, [sensor.der.toString('base64')]);
    assert.deepEqual({ ...c.jwks.keys[0], x5c: undefined }, { ...sensor.cert.publicKey.export({ format: 'jwk' }), x5c: undefined });
    assert.equal(c.certificates[0]['x5t#S256'], x5t(sensor));
    assert.equal(c.certificates[0].subject, 'CN=sensor-7,O=Acme');
    const shown = await ok0('clients', 'get', 'sensor-7');
    assert.match(shown, /^certificates$/m);
    assert.ok(shown.includes(`x5t#S256=${x5t(sensor)}`), shown);
    assert.ok(shown.includes('not_after=2027-02-05T00:00:00.000Z'), shown);
    const explicit = await json0(
      'clients',
      'create',
      '--auth-method',
      'self_signed_tls_client_auth',
      '--self-signed-cert',
      file('again.pem', `\n${sensor.certPem}`),
    );
    assert.equal(explicit.token_endpoint_auth_method, 'self_signed_tls_client_auth');
  });

  it('refuses a --self-signed-cert file without exactly one certificate, and together with --jwks (exit 2)', async () => {
    const empty = await cli('clients', 'create', '--self-signed-cert', file('empty.pem', 'nothing here\n'));
    assert.deepEqual(
      [empty.code, empty.stderr],
      [2, `tessera: --self-signed-cert ${join(dir, 'empty.pem')}: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file\n`],
    );
    const two = await cli('clients', 'create', '--self-signed-cert', file('two.pem', `${sensor.certPem}${device.certPem}`));
    assert.deepEqual([two.code, two.stderr], [2, `tessera: --self-signed-cert ${join(dir, 'two.pem')}: the file must hold one certificate, not 2\n`]);
    const both = await cli('clients', 'create', '--self-signed-cert', join(dir, 'sensor-7.pem'), '--jwks', join(dir, 'sensor-7.pem'));
    assert.deepEqual([both.code, both.stderr], [2, 'tessera: --self-signed-cert makes the jwks: give it or --jwks, not both\n']);
  });

  it('gives a tenant its CAs with --tls-client-ca (a bundle counts each), shows their details, and clears them with --no-tls-client-ca', async () => {
    const bundle = file('bundle.pem', `${devices.certPem}${root.certPem}`);
    const created = await json0('tenants', 'create', '--id', 'acme', '--tls-client-ca', bundle);
    assert.deepEqual(created.tls_client_cas, [devices.certPem.trim(), root.certPem.trim()], 'each certificate of the file, as its own PEM');
    const shown = await ok0('tenants', 'get', 'acme');
    assert.ok(!shown.includes('BEGIN CERTIFICATE'), 'people see the details, not the PEM text');
    assert.match(shown, /^tls_client_ca_details$/m);
    assert.ok(shown.includes(`  - subject=CN=Acme Devices issuer=CN=Acme Root subject_alt_names=`), shown);
    assert.ok(shown.includes(`x5t#S256=${x5t(devices)}`) && shown.includes(`x5t#S256=${x5t(root)}`), shown);
    const one = await json0('tenants', 'update', 'acme', '--tls-client-ca', file('root.pem', root.certPem));
    assert.deepEqual(one.tls_client_cas, [root.certPem.trim()]);
    const refused = await cli('tenants', 'update', 'acme', '--tls-client-ca', file('device.pem', device.certPem));
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      'tessera: Unprocessable Content: the tenant is not valid\n  /tls_client_cas/0: is not a CA certificate (basicConstraints cA is not set)\n',
    );
    const cleared = await json0('tenants', 'update', 'acme', '--no-tls-client-ca');
    assert.deepEqual(cleared.tls_client_cas, []);
    const missing = await cli('tenants', 'update', 'acme', '--tls-client-ca', file('none.pem', 'no certificate'));
    assert.equal(missing.code, 2);
  });

  it('inspects a certificate with tessera certificates inspect, as text and as the JSON of the API', async () => {
    const path = file('device-1.pem', device.certPem);
    const text = await ok0('certificates', 'inspect', path);
    assert.match(text, /^subject +CN=device-1,O=Acme,C=FR$/m);
    assert.match(text, /^issuer +CN=Acme Devices$/m);
    assert.match(text, new RegExp(`^x5t#S256 +${x5t(device)}$`, 'm'));
    assert.match(text, /^not_after +2027-02-05T00:00:00.000Z$/m);
    assert.match(text, /^ca +false$/m);
    const answer = await json0('certificates', 'inspect', path);
    assert.deepEqual(answer.subject_alt_names, { dns: ['device-1.acme.test'], uri: [], ip: [], email: [] });
    assert.deepEqual(answer.jwk, device.cert.publicKey.export({ format: 'jwk' }));
    const refused = await cli('certificates', 'inspect', file('key.pem', device.keyPem));
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      'tessera: Unprocessable Content: the certificate is not valid\n  /certificate: must be exactly one PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----) and nothing else\n',
    );
  });
});
