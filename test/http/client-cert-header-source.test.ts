import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/app/logger.js';
import { trustProxy } from '../../src/http/public/client-address.js';
import { ignoredHeaderWarning } from '../../src/http/public/client-cert-header-source.js';
import { certificateReader, type CertificateReader } from '../../src/http/public/peer-certificate.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { rawRequest } from '../helpers/raw-http.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';
import { makeCa, makeClientCert, makeServerCert, type TestCertificate } from '../helpers/test-certificates.js';

/** What a reader made of a request: its source, DER and chain (base64), or `none`. */
const echo = (read: CertificateReader) => (req: IncomingMessage, res: ServerResponse) => {
  const presented = read(req);
  res.end(
    presented === null
      ? 'none'
      : JSON.stringify({ source: presented.source, der: presented.der.toString('base64'), chain: presented.chain.map((d) => d.toString('base64')) }),
  );
};

const listen = async (server: Server) => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
};

const byteSequence = (der: Buffer) => `:${der.toString('base64')}:`;

describe('client certificates from a trusted proxy (TESSERA_CLIENT_CERT_HEADER=client-cert)', () => {
  let ca: TestCertificate;
  let intermediate: TestCertificate;
  let device: TestCertificate;
  let proxyCert: TestCertificate;
  let serverCa: TestCertificate;
  const logs: string[] = [];
  const servers: Server[] = [];
  let url: string;
  let tlsUrl: string;
  let offUrl: string;

  before(async () => {
    ca = makeCa('Proxy Test CA');
    intermediate = makeCa('Proxy Test Intermediate', { issuer: ca });
    device = makeClientCert(intermediate, { subject: '/CN=device-1' });
    proxyCert = makeClientCert(ca, { subject: '/CN=the-proxy' });
    serverCa = makeCa('Proxy Test Server CA');
    const serverCert = makeServerCert(serverCa, { ip: ['127.0.0.1'] });
    const logger = createLogger('info', { write: (line: string) => void logs.push(line) });
    const options = { header: 'client-cert' as const, trust: trustProxy(['127.0.0.1']), ignoredHeader: ignoredHeaderWarning(logger) };
    const plain = createHttpServer(echo(certificateReader(options)));
    const tls = createHttpsServer(
      { cert: serverCert.certPem, key: serverCert.keyPem, requestCert: true, rejectUnauthorized: false },
      echo(certificateReader(options)),
    );
    const off = createHttpServer(echo(certificateReader({ ...options, header: 'off' })));
    servers.push(plain, tls, off);
    url = `http://127.0.0.1:${await listen(plain)}/`;
    tlsUrl = `https://127.0.0.1:${await listen(tls)}/`;
    offUrl = `http://127.0.0.1:${await listen(off)}/`;
  });
  after(() => {
    for (const server of servers) server.close();
  });

  const warnings = () => logs.map((line) => JSON.parse(line) as { level: number; msg: string; address: string }).filter((line) => line.level === 40);

  it('reads Client-Cert and Client-Cert-Chain (RFC 9440) from a trusted peer', async () => {
    const res = await rawRequest(url, { headers: { 'client-cert': byteSequence(device.der), 'client-cert-chain': byteSequence(intermediate.der) } });
    assert.deepEqual(JSON.parse(res.text), { source: 'header', der: device.der.toString('base64'), chain: [intermediate.der.toString('base64')] });
  });

  it("reads nginx's $ssl_client_escaped_cert (URL-encoded PEM) in Client-Cert", async () => {
    const res = await rawRequest(url, { headers: { 'client-cert': encodeURIComponent(device.certPem) } });
    assert.deepEqual(JSON.parse(res.text), { source: 'header', der: device.der.toString('base64'), chain: [] });
  });

  it('gives a trusted peer without the header (or with an empty one) no certificate', async () => {
    assert.equal((await rawRequest(url)).text, 'none');
    assert.equal((await rawRequest(url, { headers: { 'client-cert': '' } })).text, 'none');
    assert.equal((await rawRequest(url, { headers: { 'client-cert-chain': byteSequence(intermediate.der) } })).text, 'none', 'a chain alone is no certificate');
  });

  it('makes a malformed header from a trusted peer a presented certificate that does not parse, not an absent one', async () => {
    for (const headers of [
      { 'client-cert': 'not a byte sequence' },
      { 'client-cert': `${byteSequence(device.der)}, ${byteSequence(device.der)}` },
      { 'client-cert': '-----BEGIN%20CERTIFICATE-----%0Agarbage%0A-----END%20CERTIFICATE-----' },
      { 'client-cert': byteSequence(device.der), 'client-cert-chain': 'garbage' },
    ]) {
      const presented = JSON.parse((await rawRequest(url, { headers })).text) as { source: string; der: string; chain: string[] };
      assert.equal(presented.source, 'header', JSON.stringify(headers));
      assert.throws(() => new X509Certificate(Buffer.from(presented.der, 'base64')), JSON.stringify(headers));
    }
  });

  it("replaces the certificate of a trusted proxy's own TLS handshake with the header's, or with none", async () => {
    const asProxy = { ca: serverCa.certPem, cert: proxyCert.certPem, key: proxyCert.keyPem };
    const forwarded = await rawRequest(tlsUrl, { tls: asProxy, headers: { 'client-cert': byteSequence(device.der) } });
    assert.deepEqual(JSON.parse(forwarded.text), { source: 'header', der: device.der.toString('base64'), chain: [] });
    assert.equal((await rawRequest(tlsUrl, { tls: asProxy })).text, 'none', "the proxy's own certificate is not the client's");
  });

  it('ignores the headers from a peer TESSERA_TRUST_PROXY does not trust, warning once per address', async () => {
    logs.length = 0;
    const headers = { 'client-cert': byteSequence(device.der) };
    assert.equal((await rawRequest(url, { localAddress: '127.0.0.2', headers })).text, 'none');
    assert.equal((await rawRequest(url, { localAddress: '127.0.0.2', headers: { 'client-cert-chain': byteSequence(intermediate.der) } })).text, 'none');
    const direct = await rawRequest(tlsUrl, {
      localAddress: '127.0.0.2',
      tls: { ca: serverCa.certPem, cert: proxyCert.certPem, key: proxyCert.keyPem },
      headers,
    });
    assert.deepEqual(JSON.parse(direct.text), { source: 'tls', der: proxyCert.der.toString('base64'), chain: [] }, 'its own handshake counts');
    await rawRequest(url, { localAddress: '127.0.0.3', headers });
    assert.deepEqual(
      warnings().map(({ msg, address }) => ({ msg, address })),
      ['127.0.0.2', '127.0.0.3'].map((address) => ({
        msg: `ignored the Client-Cert header of a request from ${address}: TESSERA_TRUST_PROXY does not trust this address (logged once per address)`,
        address,
      })),
    );
  });

  it('ignores the headers silently with TESSERA_CLIENT_CERT_HEADER=off, even from a trusted peer', async () => {
    logs.length = 0;
    for (const localAddress of ['127.0.0.1', '127.0.0.4'])
      assert.equal((await rawRequest(offUrl, { localAddress, headers: { 'client-cert': byteSequence(device.der) } })).text, 'none');
    assert.deepEqual(warnings(), []);
  });

  it('remembers a bounded number of warned addresses', () => {
    const lines: string[] = [];
    const warn = ignoredHeaderWarning(createLogger('info', { write: (line: string) => void lines.push(line) }), 2);
    for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.1', '10.0.0.3', '10.0.0.1']) warn(address);
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as { address: string }).address),
      ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1'],
      '10.0.0.1 was forgotten once a third address came',
    );
  });
});

describeEachDialect('the public listener behind a proxy (TESSERA_CLIENT_CERT_HEADER=client-cert) takes 64 KiB of headers', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect, env: { TESSERA_TRUST_PROXY: '127.0.0.1', TESSERA_CLIENT_CERT_HEADER: 'client-cert' } });
  });
  after(() => t.close());

  const headerFromAnyone =
    "TESSERA_CLIENT_CERT_HEADER=client-cert believes the Client-Cert header from any address while TESSERA_TRUST_PROXY is true or a number of hops: set it to the proxy's addresses";
  const warned = (logs: string[]) =>
    logs.map((line) => JSON.parse(line) as { msg: string; trust_proxy?: unknown }).filter((line) => line.msg === headerFromAnyone);

  it('warns at start when TESSERA_TRUST_PROXY would trust any address, not when it names the proxy', async () => {
    assert.deepEqual(warned(t.logs), []);
    for (const trust of ['true', '1']) {
      const anyone = await startTessera({ dialect, env: { TESSERA_TRUST_PROXY: trust, TESSERA_CLIENT_CERT_HEADER: 'client-cert' } });
      await anyone.close();
      assert.deepEqual(
        warned(anyone.logs).map((line) => line.trust_proxy),
        [trust === 'true' ? true : 1],
      );
    }
  });

  it('serves a request with 40 KiB of headers (Node alone refuses over 16 KiB), and answers 431 over 64 KiB', async () => {
    const chain = (kib: number) => ({ 'client-cert-chain': `:${'A'.repeat(kib * 1024)}:` });
    assert.equal((await rawRequest(`${t.publicUrl}/.well-known/jwks.json`, { headers: chain(40) })).status, 200);
    const over = await rawRequest(`${t.publicUrl}/.well-known/jwks.json`, { headers: chain(65) });
    // Headers this long arrive in several reads: the answer then has no body (docs/hardening.md).
    assert.equal(over.status, 431);
    assert.equal((await rawRequest(`${t.publicUrl}/.well-known/jwks.json`, { headers: chain(63) })).status, 200, 'and keeps serving');
  });
});
