import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent, createServer as createHttpsServer, request, type RequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { certificateReader, peerCertificateDer } from '../../src/http/public/peer-certificate.js';
import type { PresentedCertificate } from '../../src/protocol/presented-certificate.js';
import { makeCa, makeClientCert, makeSelfSigned, makeServerCert, type TestCertificate } from '../helpers/test-certificates.js';
import { rawRequest } from '../helpers/raw-http.js';

/** Answers the base64 of the peer certificate's DER, or `none`. */
const echo = (req: IncomingMessage, res: ServerResponse) => res.end(peerCertificateDer(req)?.toString('base64') ?? 'none');

const listen = async (server: ReturnType<typeof createHttpServer> | ReturnType<typeof createHttpsServer>) => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
};

describe('peerCertificateDer', () => {
  let ca: TestCertificate;
  const tlsServer = createHttpsServer({ requestCert: true, rejectUnauthorized: false }, echo);
  const plainServer = createHttpServer(echo);
  let tlsUrl: string;
  let plainUrl: string;

  before(async () => {
    ca = makeCa('Tessera Test CA');
    const cert = makeServerCert(ca, { ip: ['127.0.0.1'] });
    tlsServer.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
    tlsUrl = `https://127.0.0.1:${await listen(tlsServer)}/`;
    plainUrl = `http://127.0.0.1:${await listen(plainServer)}/`;
  });
  after(() => {
    tlsServer.close();
    plainServer.close();
  });

  it('is the DER the client presented, whoever signed it', async () => {
    for (const client of [makeClientCert(ca, { subject: '/CN=device-1' }), makeSelfSigned({ subject: '/CN=device-2' })]) {
      const res = await rawRequest(tlsUrl, { tls: { ca: ca.certPem, cert: client.certPem, key: client.keyPem } });
      assert.equal(res.text, client.der.toString('base64'));
    }
  });

  it('is null without a certificate, or without TLS', async () => {
    assert.equal((await rawRequest(tlsUrl, { tls: { ca: ca.certPem } })).text, 'none');
    assert.equal((await rawRequest(plainUrl)).text, 'none');
  });
});

/** GETs `url` over HTTPS and parses the JSON answer. */
const getJson = (url: string, options: RequestOptions) =>
  new Promise<any>((resolve, reject) => {
    request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    })
      .on('error', reject)
      .end();
  });

describe('certificateReader (TLS handshake)', () => {
  let ca: TestCertificate;
  const reader = certificateReader({ header: 'off', trust: false, ignoredHeader: () => undefined });
  /** How many requests each presented certificate object served. */
  const uses = new Map<PresentedCertificate, number>();
  const server = createHttpsServer({ requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const presented = reader(req);
    if (presented === null) return res.end('none');
    uses.set(presented, (uses.get(presented) ?? 0) + 1);
    const resumed = (req.socket as TLSSocket).isSessionReused();
    res.end(JSON.stringify({ chain: presented.chain.map((der) => der.toString('base64')), source: presented.source, uses: uses.get(presented), resumed }));
  });
  let url: string;

  before(async () => {
    ca = makeCa('Tessera Test CA');
    const cert = makeServerCert(ca, { ip: ['127.0.0.1'] });
    server.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
    url = `https://127.0.0.1:${await listen(server)}/`;
  });
  after(() => server.close());

  it('gives the intermediates the client sent, and one object per connection: keep-alive requests share it', async () => {
    const intermediate = makeCa('Tessera Test Intermediate', { issuer: ca });
    const leaf = makeClientCert(intermediate, { subject: '/CN=device-3' });
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: ca.certPem, cert: leaf.certPem + intermediate.certPem, key: leaf.keyPem });
    const get = (options: RequestOptions) => getJson(url, options);
    const first = await get({ agent });
    assert.equal(first.chain[0], intermediate.der.toString('base64'));
    assert.equal(first.source, 'tls');
    assert.equal(first.uses, 1);
    assert.equal((await get({ agent })).uses, 2, "the second request of the connection shares the first one's certificate and memo");
    agent.destroy();
    const again = await get({ agent: false, ca: ca.certPem, cert: leaf.certPem, key: leaf.keyPem });
    assert.equal(again.uses, 1, 'a new connection reads its own handshake');
    assert.deepEqual(again.chain, [intermediate.der.toString('base64')], 'the intermediates last sent with this certificate');
  });

  it('keeps the intermediates of a resumed TLS session, which OpenSSL does not keep', async () => {
    const intermediate = makeCa('Tessera Test Intermediate', { issuer: ca });
    const leaf = makeClientCert(intermediate, { subject: '/CN=device-4' });
    // No keep-alive: a new connection per request, resuming the first one's session.
    const agent = new Agent({ keepAlive: false, ca: ca.certPem, cert: leaf.certPem + intermediate.certPem, key: leaf.keyPem });
    const get = () => getJson(url, { agent });
    const first = await get();
    const second = await get();
    assert.deepEqual([first.resumed, second.resumed], [false, true]);
    assert.deepEqual(second.chain, [intermediate.der.toString('base64')]);
    agent.destroy();
  });
});
