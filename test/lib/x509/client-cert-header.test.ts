import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  MAX_CERT_BASE64_LENGTH,
  MAX_CHAIN_CERTIFICATES,
  parseClientCertChainHeader,
  parseClientCertHeader,
  parseNginxEscapedCert,
} from '../../../src/lib/x509/client-cert-header.js';
import { startNginx, type TestNginx } from '../../helpers/nginx.js';
import { sh } from '../../helpers/shell.js';
import { makeCa, makeClientCert, type TestCertificate } from '../../helpers/test-certificates.js';

describe('RFC 9440 client certificate headers', () => {
  let ca: TestCertificate;
  let device: TestCertificate;
  before(() => {
    ca = makeCa('Header CA');
    device = makeClientCert(ca, { subject: '/CN=device-1', dns: ['device-1.example'] });
  });

  it('reads one byte sequence as the DER certificate (RFC 9440 §2.2)', () => {
    const value = `:${device.der.toString('base64')}:`;
    assert.deepEqual(parseClientCertHeader(value), device.der);
    assert.deepEqual(parseClientCertHeader(`  ${value} `), device.der);
    assert.deepEqual(parseClientCertHeader(`:${device.der.toString('base64').replace(/=+$/, '')}:`), device.der);
  });

  it('gives null for anything that is not exactly one byte sequence', () => {
    const base64 = device.der.toString('base64');
    for (const value of [
      undefined,
      '',
      '::',
      base64,
      `:${base64}`,
      `${base64}:`,
      `:${base64}:;a=1`,
      `:${base64}:, :${base64}:`,
      `:${device.der.toString('base64url')}:`,
      `:${device.certPem}:`,
      ':A:',
      '"x"',
    ])
      assert.equal(parseClientCertHeader(value), null, String(value).slice(0, 40));
  });

  it(`refuses a certificate of more than ${MAX_CERT_BASE64_LENGTH} base64 characters`, () => {
    assert.equal(parseClientCertHeader(`:${'A'.repeat(MAX_CERT_BASE64_LENGTH)}:`)?.length, (MAX_CERT_BASE64_LENGTH / 4) * 3);
    assert.equal(parseClientCertHeader(`:${'A'.repeat(MAX_CERT_BASE64_LENGTH + 4)}:`), null);
  });

  it(`reads a chain as a list of byte sequences, at most ${MAX_CHAIN_CERTIFICATES} (RFC 9440 §2.3)`, () => {
    const member = `:${ca.der.toString('base64')}:`;
    assert.deepEqual(parseClientCertChainHeader(`${member}, ${member}`), [ca.der, ca.der]);
    assert.deepEqual(parseClientCertChainHeader(member), [ca.der]);
    assert.deepEqual(parseClientCertChainHeader(undefined), []);
    assert.deepEqual(parseClientCertChainHeader(' '), []);
    assert.equal(parseClientCertChainHeader(Array(MAX_CHAIN_CERTIFICATES).fill(member).join(','))?.length, MAX_CHAIN_CERTIFICATES);
    assert.equal(
      parseClientCertChainHeader(
        Array(MAX_CHAIN_CERTIFICATES + 1)
          .fill(member)
          .join(','),
      ),
      null,
    );
    assert.equal(parseClientCertChainHeader(`${member},`), null);
    assert.equal(parseClientCertChainHeader(`${member}, token`), null);
    assert.equal(parseClientCertChainHeader(`${member};a=1`), null);
  });

  it('reads the URL-encoded PEM of nginx $ssl_client_escaped_cert', () => {
    assert.deepEqual(parseNginxEscapedCert(encodeURIComponent(device.certPem)), device.der);
    for (const value of [
      undefined,
      '',
      '%E0%A4%A',
      encodeURIComponent(device.certPem + ca.certPem),
      encodeURIComponent(device.keyPem),
      `:${device.der.toString('base64')}:`,
    ])
      assert.equal(parseNginxEscapedCert(value), null, String(value).slice(0, 40));
  });

  describe('through a real nginx terminating TLS', () => {
    let dir: string;
    let nginx: TestNginx;
    let port: number;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tessera-nginx-'));
      const server = makeClientCert(ca, { subject: '/CN=localhost', dns: ['localhost'], ip: ['127.0.0.1'] });
      writeFileSync(join(dir, 'server.pem'), server.certPem);
      writeFileSync(join(dir, 'server.key'), server.keyPem);
      writeFileSync(join(dir, 'ca.pem'), ca.certPem);
      writeFileSync(join(dir, 'client.pem'), device.certPem);
      writeFileSync(join(dir, 'client.key'), device.keyPem);
      nginx = await startNginx(
        dir,
        (port) => `  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/server.pem;
    ssl_certificate_key ${dir}/server.key;
    ssl_client_certificate ${dir}/ca.pem;
    ssl_verify_client optional_no_ca;
    location / { default_type text/plain; return 200 "$ssl_client_escaped_cert"; }
  }`,
      );
      port = nginx.port;
    });
    after(async () => {
      await nginx.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('gives back the DER of the certificate curl presented', async () => {
      const escaped = await sh(`curl -sk --cert client.pem --key client.key https://127.0.0.1:${port}/`, { cwd: dir });
      assert.match(escaped, /^-----BEGIN%20CERTIFICATE-----%0A/);
      assert.deepEqual(parseNginxEscapedCert(escaped), device.der);
      assert.equal(await sh(`curl -sk https://127.0.0.1:${port}/`), '');
      assert.equal(parseNginxEscapedCert(''), null);
    });
  });
});
