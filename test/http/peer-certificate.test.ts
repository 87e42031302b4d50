import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { peerCertificateDer } from '../../src/http/public/peer-certificate.js';
import { makeCa, makeClientCert, makeSelfSignedClientCert, makeServerCert, removeCertificates, type TestCa } from '../helpers/certificates.js';
import { rawRequest } from '../helpers/raw-http.js';

/** Answers the base64 of the peer certificate's DER, or `none`. */
const echo = (req: IncomingMessage, res: ServerResponse) => res.end(peerCertificateDer(req)?.toString('base64') ?? 'none');

const listen = async (server: ReturnType<typeof createHttpServer>) => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
};

describe('peerCertificateDer', () => {
  let ca: TestCa;
  const tlsServer = createHttpsServer({ requestCert: true, rejectUnauthorized: false }, echo);
  const plainServer = createHttpServer(echo);
  let tlsUrl: string;
  let plainUrl: string;

  before(async () => {
    ca = makeCa();
    const cert = makeServerCert(ca, { ip: ['127.0.0.1'] });
    tlsServer.setSecureContext({ cert: cert.cert, key: cert.key });
    tlsUrl = `https://127.0.0.1:${await listen(tlsServer)}/`;
    plainUrl = `http://127.0.0.1:${await listen(plainServer)}/`;
  });
  after(() => {
    tlsServer.close();
    plainServer.close();
    removeCertificates(ca);
  });

  it('is the DER the client presented, whoever signed it', async () => {
    const selfSigned = makeSelfSignedClientCert({ subject: '/CN=device-2' });
    for (const client of [makeClientCert(ca, { subject: '/CN=device-1' }), selfSigned]) {
      const res = await rawRequest(tlsUrl, { tls: { ca: ca.cert, cert: client.cert, key: client.key } });
      assert.equal(res.text, client.der.toString('base64'));
    }
    removeCertificates(selfSigned);
  });

  it('is null without a certificate, or without TLS', async () => {
    assert.equal((await rawRequest(tlsUrl, { tls: { ca: ca.cert } })).text, 'none');
    assert.equal((await rawRequest(plainUrl)).text, 'none');
  });
});
