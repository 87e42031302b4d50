import assert from 'node:assert/strict';
import type { Server } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { importExample, jsonLines, listen, runExample, waitListening } from '../helpers/examples.js';
import { startMtlsTessera, type MtlsTessera } from '../helpers/mtls.js';
import { rawRequest } from '../helpers/raw-http.js';
import { basic, decodeJwt } from '../helpers/tessera.js';
import { makeClientCert, makeServerCert, type TestCertificate } from '../helpers/test-certificates.js';

// examples/api-mtls, an API behind mutual TLS that takes certificate-bound tokens (RFC 8705 §3),
// against a real Tessera over TLS: a device gets a bound token with tls_client_auth, and the API
// accepts it only over a connection where the device presents the same certificate. The example
// is imported in-process and also run with `node`. One store: what is tested is the protocol.

/** What examples/api-mtls exports. */
interface MtlsApiExample {
  createApi(options: { issuer: string; audience: string; tls: { cert: string; key: string }; jwksUri?: string; issuerCa?: string }): Server;
  certificateThumbprint(der: Buffer): string;
}

const api = await importExample<MtlsApiExample>('api-mtls');

const ORDERS = 'https://orders.example.com/';
const DEVICE_DN = 'CN=device-1,O=Acme';

/** The API's answer: status, the WWW-Authenticate header, the JSON body. */
async function callOrders(url: string, caPem: string, authorization: string | undefined, client?: TestCertificate) {
  const result = await rawRequest(`${url}/orders`, {
    headers: authorization ? { authorization } : {},
    tls: { ca: caPem, ...(client ? { cert: client.certPem, key: client.keyPem } : {}) },
  });
  return { status: result.status, challenge: result.headers.get('www-authenticate'), body: result.body };
}

/** The 401 answer of the example for a token it refuses (RFC 6750 §3). */
const refused = (description: string) => ({
  status: 401,
  challenge: `Bearer realm="orders", error="invalid_token", error_description="${description}"`,
  body: { error: 'invalid_token', error_description: description },
});

describe('examples/api-mtls: an API that checks certificate-bound tokens', () => {
  let m: MtlsTessera;
  let device: TestCertificate;
  let otherDevice: TestCertificate;
  let apiCert: TestCertificate;
  let bound: string;
  let bearer: string;
  let issuer: string;
  let jwksUri: string;
  let running: { url: string; close: () => Promise<void> };

  before(async () => {
    m = await startMtlsTessera();
    device = makeClientCert(m.clientCa, { subject: '/O=Acme/CN=device-1' });
    otherDevice = makeClientCert(m.clientCa, { subject: '/O=Acme/CN=device-1' });
    apiCert = makeServerCert(m.serverCa, { ip: ['127.0.0.1'] });
    const created = await m.t.admin('POST', '/clients', {
      client_id: 'device-1',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: DEVICE_DN,
      tls_client_certificate_bound_access_tokens: true,
      audience: [ORDERS],
    });
    assert.equal(created.status, 201, created.text);
    const token = await m.form('/oauth2/token', { grant_type: 'client_credentials', client_id: 'device-1' }, { client: device });
    assert.equal(token.status, 200, token.text);
    bound = token.body.access_token;
    const secretClient = await m.t.admin('POST', '/clients', { client_id: 'job', audience: [ORDERS] });
    assert.equal(secretClient.status, 201, secretClient.text);
    const plain = await m.form(
      '/oauth2/token',
      { grant_type: 'client_credentials' },
      { headers: { authorization: basic('job', secretClient.body.client_secret) } },
    );
    assert.equal(plain.status, 200, plain.text);
    bearer = plain.body.access_token;
    // The tokens' issuer is the tenant's (TESSERA_PUBLIC_URL); its keys are served on the TLS listener.
    issuer = decodeJwt(bound).payload.iss;
    jwksUri = `${m.t.publicUrl}/.well-known/jwks.json`;
    const server = api.createApi({ issuer, audience: ORDERS, tls: { cert: apiCert.certPem, key: apiCert.keyPem }, jwksUri, issuerCa: m.serverCa.certPem });
    const listening = await listen(server);
    running = { url: listening.url.replace(/^http:/, 'https:'), close: listening.close };
  });
  after(async () => {
    await running?.close();
    await m?.close();
  });

  it("accepts the bound token over a connection that presents the token's certificate", async () => {
    assert.deepEqual(decodeJwt(bound).payload.cnf, { 'x5t#S256': api.certificateThumbprint(device.der) });
    assert.deepEqual(await callOrders(running.url, m.serverCa.certPem, `Bearer ${bound}`, device), {
      status: 200,
      challenge: null,
      body: { orders: [{ id: 'ord_1', item: 'tessera', quantity: 3 }], client_id: 'device-1' },
    });
  });

  it('refuses the bound token with another certificate of the same subject and CA', async () => {
    assert.deepEqual(
      await callOrders(running.url, m.serverCa.certPem, `Bearer ${bound}`, otherDevice),
      refused('The access token is bound to another certificate than the one presented.'),
    );
  });

  it('refuses the bound token on a connection without a client certificate', async () => {
    assert.deepEqual(
      await callOrders(running.url, m.serverCa.certPem, `Bearer ${bound}`),
      refused('The access token is bound to a certificate; present it in the TLS handshake.'),
    );
  });

  it('refuses a bearer token (no cnf), even with a client certificate', async () => {
    assert.equal(decodeJwt(bearer).payload.cnf, undefined);
    assert.deepEqual(await callOrders(running.url, m.serverCa.certPem, `Bearer ${bearer}`, device), refused('The access token is not bound to a certificate.'));
  });

  it('refuses a token whose signature does not verify, and challenges a request without one', async () => {
    const [header, payload] = bound.split('.');
    assert.deepEqual(
      await callOrders(running.url, m.serverCa.certPem, `Bearer ${header}.${payload}.${'A'.repeat(86)}`, device),
      refused('The access token is not valid.'),
    );
    assert.deepEqual(await callOrders(running.url, m.serverCa.certPem, undefined, device), {
      status: 401,
      challenge: 'Bearer realm="orders"',
      body: { error: 'unauthorized', error_description: 'An access token is required.' },
    });
  });

  it('runs as a program (node examples/api-mtls/index.mjs) and accepts the bound token', async () => {
    const files = m.files(apiCert, 'api');
    const proc = runExample('api-mtls', {
      TESSERA_ISSUER: issuer,
      JWKS_URI: jwksUri,
      TESSERA_CA: m.serverCaPath,
      API_AUDIENCE: ORDERS,
      TLS_CERT: files.certPath,
      TLS_KEY: files.keyPath,
      PORT: '0',
    });
    try {
      const url = await waitListening(proc);
      assert.deepEqual(jsonLines(proc.stdout)[0], { msg: 'listening', url, issuer, audience: ORDERS });
      const ok = await callOrders(url, m.serverCa.certPem, `Bearer ${bound}`, device);
      assert.equal(ok.status, 200);
      assert.deepEqual(
        await callOrders(url, m.serverCa.certPem, `Bearer ${bound}`, otherDevice),
        refused('The access token is bound to another certificate than the one presented.'),
      );
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });
});
