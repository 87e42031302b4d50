import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import {
  makeCa,
  makeClientCert,
  makeSelfSigned,
  makeServerCert,
  writeCertificateFiles,
  type CertificateFiles,
  type TestCertificate,
} from '../helpers/test-certificates.js';
import { spawnTessera, stopTessera } from '../helpers/process.js';
import { eventually } from '../helpers/eventually.js';
import { createClient } from '../helpers/fixtures.js';
import { rawRequest } from '../helpers/raw-http.js';
import { sh } from '../helpers/shell.js';
import { basic, startTessera, storeEnv, type TestTessera } from '../helpers/tessera.js';

const ISSUER = 'https://auth.example.test';
const TOKEN_FORM = 'grant_type=client_credentials';

/** Copies a certificate and its key over the files Tessera serves, each replaced whole (written aside, then renamed). */
function install(pair: { certPem: string; keyPem: string }, files: { cert: string; key: string }): void {
  for (const [pem, path] of [
    [pair.keyPem, files.key],
    [pair.certPem, files.cert],
  ] as const) {
    writeFileSync(`${path}.new`, pem);
    renameSync(`${path}.new`, path);
  }
}

/** The TLS handshake of a new connection: the protocol agreed and the serial of the certificate served. */
function handshake(url: string, ca: string, options: { maxVersion?: 'TLSv1.1' | 'TLSv1.2' } = {}): Promise<{ protocol: string | null; serial: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect(
      { host: hostname, port: Number(port), ca, ...(options.maxVersion ? { maxVersion: options.maxVersion, minVersion: 'TLSv1' } : {}) },
      () => {
        resolve({ protocol: socket.getProtocol(), serial: socket.getPeerCertificate().serialNumber });
        socket.end();
      },
    );
    socket.on('error', reject);
  });
}

const logged = (t: TestTessera, msg: string) => t.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.msg === msg);

/**
 * The public listener over TLS (TESSERA_TLS_CERT, TESSERA_TLS_KEY). TLS is the listener's, not the
 * store's: these tests run on the default store only.
 */
describe('public listener over TLS', () => {
  let ca: TestCertificate;
  let caFiles: CertificateFiles;
  let t: TestTessera;
  let secret: string;
  let files: { cert: string; key: string };
  let served: TestCertificate;
  let dir: string;

  before(async () => {
    ca = makeCa('Tessera Test CA');
    served = makeServerCert(ca, { dns: ['localhost'], ip: ['127.0.0.1'] });
    dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
    caFiles = writeCertificateFiles(ca, dir, 'ca');
    files = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
    install(served, files);
    t = await startTessera({ env: { TESSERA_TLS_CERT: files.cert, TESSERA_TLS_KEY: files.key, TESSERA_PUBLIC_URL: ISSUER } });
    ({ secret } = await createClient(t, { client_id: 'tls-client', audience: ['https://api.test'] }));
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const tokenRequest = (tls: { ca: string; cert?: string; key?: string }, contentType = 'application/x-www-form-urlencoded') =>
    rawRequest(`${t.publicUrl}/oauth2/token`, {
      method: 'POST',
      headers: { authorization: basic('tls-client', secret), 'content-type': contentType },
      body: contentType === 'application/json' ? JSON.stringify({ grant_type: 'client_credentials' }) : TOKEN_FORM,
      tls,
    });

  it('serves discovery and tokens over HTTPS only; the admin listener stays HTTP', async () => {
    assert.match(t.publicUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    const discovery = await rawRequest(`${t.publicUrl}/.well-known/oauth-authorization-server`, { tls: { ca: ca.certPem } });
    assert.equal(discovery.status, 200);
    assert.equal(discovery.body.issuer, ISSUER);
    // The direct path (a plain form) and Fastify's (JSON) alike.
    for (const type of ['application/x-www-form-urlencoded', 'application/json']) {
      const token = await tokenRequest({ ca: ca.certPem }, type);
      assert.equal(token.status, 200, token.text);
      assert.equal(token.body.token_type, 'Bearer');
    }
    await assert.rejects(fetch(`${t.publicUrl.replace('https:', 'http:')}/.well-known/oauth-authorization-server`));
    assert.match(t.adminUrl, /^http:\/\//);
    assert.ok(logged(t, `Server listening at ${t.publicUrl}`).length === 1, 'the listener is logged as https');
    assert.equal((await t.admin('GET', '/clients/tls-client')).status, 200);
    assert.deepEqual(logged(t, 'TLS is on but TESSERA_PUBLIC_URL is http://: the issuer identifier should be https://'), []);
  });

  it('serves curl, a client no one here wrote, over TLS 1.3', async () => {
    const discovery = JSON.parse(await sh(`curl -sS --fail --cacert '${caFiles.certPath}' '${t.publicUrl}/.well-known/oauth-authorization-server'`));
    assert.equal(discovery.issuer, ISSUER);
    const token = JSON.parse(
      await sh(`curl -sS --fail --cacert '${caFiles.certPath}' -u 'tls-client:${secret}' -d '${TOKEN_FORM}' '${t.publicUrl}/oauth2/token'`),
    );
    assert.equal(token.token_type, 'Bearer');
    assert.equal((await handshake(t.publicUrl, ca.certPem)).protocol, 'TLSv1.3');
    assert.equal((await handshake(t.publicUrl, ca.certPem, { maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2');
  });

  it('refuses TLS 1.1', async () => {
    await assert.rejects(sh(`curl -sS --cacert '${caFiles.certPath}' --tlsv1 --tls-max 1.1 '${t.publicUrl}/.well-known/oauth-authorization-server'`));
    await assert.rejects(handshake(t.publicUrl, ca.certPem, { maxVersion: 'TLSv1.1' }));
  });

  it('completes the handshake with a client certificate of an unknown CA, or a self-signed one: the secret still authenticates', async () => {
    const stranger = makeClientCert(makeCa('Unknown CA'), { subject: '/CN=device-1' });
    const selfSigned = makeSelfSigned({ subject: '/CN=device-2' });
    for (const [name, cert] of Object.entries({ stranger, selfSigned })) {
      const token = await tokenRequest({ ca: ca.certPem, cert: cert.certPem, key: cert.keyPem });
      const certFiles = writeCertificateFiles(cert, dir, name);
      assert.equal(token.status, 200, token.text);
      const curl = JSON.parse(
        await sh(
          `curl -sS --fail --cacert '${caFiles.certPath}' --cert '${certFiles.certPath}' --key '${certFiles.keyPath}' -u 'tls-client:${secret}' -d '${TOKEN_FORM}' '${t.publicUrl}/oauth2/token'`,
        ),
      );
      assert.equal(curl.token_type, 'Bearer');
    }
  });

  it('serves a new certificate once its files are replaced, without a restart', async () => {
    const before = (await handshake(t.publicUrl, ca.certPem)).serial;
    assert.equal(before, served.cert.serialNumber);
    const next = makeServerCert(ca, { dns: ['localhost'], ip: ['127.0.0.1'] });
    install(next, files);
    await eventually('the reload is logged', async () => logged(t, 'tls certificate reloaded').some((line) => line.serial === next.cert.serialNumber), {
      withinMs: 10_000,
    });
    const line = logged(t, 'tls certificate reloaded').find((l) => l.serial === next.cert.serialNumber)!;
    assert.equal(line.subject, 'CN=localhost');
    assert.match(String(line.not_after), /^\d{4}-\d\d-\d\dT/);
    assert.equal((await handshake(t.publicUrl, ca.certPem)).serial, next.cert.serialNumber);
    served = next;
  });

  it('keeps the certificate served when the new key does not match, and says why', async () => {
    const other = makeServerCert(ca, { dns: ['localhost'], ip: ['127.0.0.1'] });
    const mismatch = { certPem: other.certPem, keyPem: makeServerCert(ca, { ip: ['127.0.0.1'] }).keyPem };
    const warned = logged(t, 'tls certificate not reloaded; the current one is kept').length;
    install(mismatch, files);
    await eventually('the refusal is logged', async () => logged(t, 'tls certificate not reloaded; the current one is kept').length > warned, {
      withinMs: 10_000,
    });
    const last = logged(t, 'tls certificate not reloaded; the current one is kept').at(-1)!;
    assert.equal(last.reason, `the key in ${files.key} does not match the certificate in ${files.cert}`);
    assert.equal((await handshake(t.publicUrl, ca.certPem)).serial, served.cert.serialNumber);
    assert.ok(!t.logs.some((l) => l.includes('PRIVATE KEY')), 'no key material is logged');
    install(served, files);
    await eventually(
      'the good pair is back',
      async () => logged(t, 'tls certificate reloaded').filter((l) => l.serial === served.cert.serialNumber).length >= 2,
      {
        withinMs: 10_000,
      },
    );
  });

  it('reloads on SIGHUP', async () => {
    const reloads = logged(t, 'tls certificate reloaded').length;
    process.kill(process.pid, 'SIGHUP');
    await eventually('the reload is logged', async () => logged(t, 'tls certificate reloaded').length > reloads, { withinMs: 10_000 });
    assert.equal(logged(t, 'tls certificate reloaded').at(-1)!.serial, served.cert.serialNumber);
  });
});

describe('TLS settings', () => {
  let dir: string;
  let ca: CertificateFiles;
  let cert: CertificateFiles;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
    const authority = makeCa('Tessera Test CA');
    ca = writeCertificateFiles(authority, dir, 'ca');
    cert = writeCertificateFiles(makeServerCert(authority, { ip: ['127.0.0.1'] }), dir, 'server');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const refused = (env: Record<string, string>, message: string) =>
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => err instanceof ConfigError && err.message === message,
    );

  it('needs both files, readable, parsing and matching', () => {
    const both = 'TESSERA_TLS_CERT and TESSERA_TLS_KEY must be set together (or neither)';
    refused({ TESSERA_TLS_CERT: cert.certPath }, both);
    refused({ TESSERA_TLS_KEY: cert.keyPath }, both);
    const missing = join(dir, 'missing.key');
    refused({ TESSERA_TLS_CERT: cert.certPath, TESSERA_TLS_KEY: missing }, `TESSERA_TLS_CERT, TESSERA_TLS_KEY: cannot read ${missing}: ENOENT`);
    refused({ TESSERA_TLS_CERT: cert.keyPath, TESSERA_TLS_KEY: cert.keyPath }, `TESSERA_TLS_CERT, TESSERA_TLS_KEY: ${cert.keyPath} is not a PEM certificate`);
    refused(
      { TESSERA_TLS_CERT: cert.certPath, TESSERA_TLS_KEY: cert.certPath },
      `TESSERA_TLS_CERT, TESSERA_TLS_KEY: ${cert.certPath} is not a PEM private key (unencrypted)`,
    );
    refused(
      { TESSERA_TLS_CERT: cert.certPath, TESSERA_TLS_KEY: ca.keyPath },
      `TESSERA_TLS_CERT, TESSERA_TLS_KEY: the key in ${ca.keyPath} does not match the certificate in ${cert.certPath}`,
    );
    const config = loadConfig({ TESSERA_TLS_CERT: cert.certPath, TESSERA_TLS_KEY: cert.keyPath });
    assert.equal(config.tlsCert, cert.certPath);
    assert.equal(config.tlsKey, cert.keyPath);
  });

  it('warns at start when the issuer is http:// while TLS is on', async () => {
    const t = await startTessera({ env: { TESSERA_TLS_CERT: cert.certPath, TESSERA_TLS_KEY: cert.keyPath } });
    try {
      const warnings = logged(t, 'TLS is on but TESSERA_PUBLIC_URL is http://: the issuer identifier should be https://');
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]!.issuer, t.config.publicUrl);
      assert.equal(warnings[0]!.level, 40);
    } finally {
      await t.close();
    }
  });
});

describe('TLS in a cluster', () => {
  it('reloads the certificate in every worker: on a change of the files, and on SIGHUP to the primary', async () => {
    const ca = makeCa('Tessera Test CA');
    const dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
    const files = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
    install(makeServerCert(ca, { ip: ['127.0.0.1'] }), files);
    const proc = await spawnTessera({
      ...(await storeEnv('sqlite', dir)),
      TESSERA_WORKERS: '2',
      TESSERA_PUBLIC_URL: ISSUER,
      TESSERA_TLS_CERT: files.cert,
      TESSERA_TLS_KEY: files.key,
    });
    const publicUrl = proc.publicUrl.replace('http:', 'https:');
    /** The workers (by pid) that logged a reload of the certificate with `serial`. */
    const reloadedBy = (serial: string) =>
      new Set(
        proc.output
          .join('')
          .split('\n')
          .filter((line) => line.includes('"tls certificate reloaded"') && line.includes(`"serial":"${serial}"`))
          .map((line) => (JSON.parse(line) as { worker: number }).worker),
      );
    try {
      const next = makeServerCert(ca, { ip: ['127.0.0.1'] });
      install(next, files);
      await eventually('both workers reload the new certificate', async () => reloadedBy(next.cert.serialNumber).size === 2, { withinMs: 10_000 });
      // Whichever worker takes a new connection serves it.
      for (let i = 0; i < 4; i++) assert.equal((await handshake(publicUrl, ca.certPem)).serial, next.cert.serialNumber);
      const lines = () => proc.output.join('').split('tls certificate reloaded').length;
      const before = lines();
      proc.child.kill('SIGHUP');
      await eventually('both workers reload on SIGHUP', async () => lines() >= before + 2, { withinMs: 10_000 });
      assert.equal(proc.child.exitCode, null);
    } finally {
      await stopTessera(proc);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
