// An API behind mutual TLS that accepts only certificate-bound access tokens (RFC 8705 §3): a
// node:https server that asks every client for its certificate, verifies Tessera's access token
// offline with jose against the issuer's JWKS, and checks that the token's cnf["x5t#S256"] is the
// SHA-256 thumbprint of the certificate the client presented on this very connection.
//
//   GET  /orders   a bound token, presented over TLS with the certificate it is bound to
//   GET  /health   public
//
// Run it directly (see README.md for the environment variables):
//   TLS_CERT=api.pem TLS_KEY=api.key node examples/api-mtls/index.mjs
// or import createApi({ issuer, audience, tls, jwksUri, issuerCa }), which answers an https.Server that is
// not listening yet.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:https';
import { pathToFileURL } from 'node:url';
import { createRemoteJWKSet, customFetch, errors, jwtVerify } from 'jose';

const ORDERS = [{ id: 'ord_1', item: 'tessera', quantity: 3 }];

/** Tessera serves its JWKS with Cache-Control: max-age=60. */
const JWKS_MAX_AGE_MS = 60_000;

/** An error answered to the caller: status, RFC 6750 §3 error code, and the message. */
class HttpError extends Error {
  constructor(status, code, description) {
    super(description);
    this.status = status;
    this.code = code;
  }
}

/** The x5t#S256 thumbprint of a certificate (RFC 8705 §3.1): base64url of the SHA-256 of its DER. */
export function certificateThumbprint(der) {
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * A fetch for jose's JWKS requests that trusts `ca` (PEM) for the issuer's TLS certificate, for an
 * issuer whose certificate comes from a private CA. (Without it, Node's own CAs and
 * NODE_EXTRA_CA_CERTS apply.)
 */
function fetchTrusting(ca) {
  return (url, { headers, signal }) =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: 'GET', headers: Object.fromEntries(headers), ca, signal }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers: res.headers })));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
}

/**
 * A verifier of certificate-bound Tessera access tokens for one API: signature by a key of the
 * issuer's JWKS, `iss`, `aud`, `exp`/`nbf`, header `typ: at+jwt` (RFC 9068 §4), then the binding
 * (RFC 8705 §3): `cnf["x5t#S256"]` must equal the thumbprint of `certificate`, the DER of the
 * certificate the client presented in the TLS handshake. Answers the payload or throws an HttpError.
 */
export function createVerifier({ issuer, audience, jwksUri = `${issuer}/.well-known/jwks.json`, issuerCa }) {
  const jwks = createRemoteJWKSet(new URL(jwksUri), {
    cacheMaxAge: JWKS_MAX_AGE_MS,
    ...(issuerCa ? { [customFetch]: fetchTrusting(issuerCa) } : {}),
  });

  return async function verify(authorization, certificate) {
    // RFC 6750 §3.1: a request with no credentials gets a challenge without an error code.
    if (!authorization) throw new HttpError(401, undefined, 'An access token is required.');
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization);
    if (!match) throw new HttpError(400, 'invalid_request', 'Send the token as Authorization: Bearer <token>.');
    let payload;
    try {
      ({ payload } = await jwtVerify(match[1], jwks, { issuer, audience, typ: 'at+jwt', requiredClaims: ['sub', 'client_id', 'iat', 'jti'] }));
    } catch (err) {
      if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError))
        throw new HttpError(503, 'temporarily_unavailable', 'The signing keys cannot be fetched.');
      throw new HttpError(401, 'invalid_token', 'The access token is not valid.');
    }
    // This API takes certificate-bound tokens only: a bearer token (no cnf) or a DPoP-bound one
    // (cnf.jkt, RFC 9449; Tessera never puts both in one token) is refused.
    const bound = payload.cnf?.['x5t#S256'];
    if (typeof bound !== 'string') throw new HttpError(401, 'invalid_token', 'The access token is not bound to a certificate.');
    if (!certificate) throw new HttpError(401, 'invalid_token', 'The access token is bound to a certificate; present it in the TLS handshake.');
    if (certificateThumbprint(certificate) !== bound)
      throw new HttpError(401, 'invalid_token', 'The access token is bound to another certificate than the one presented.');
    return payload;
  };
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** RFC 6750 §3: WWW-Authenticate: Bearer realm="orders", error="…", error_description="…". */
function sendError(res, err) {
  if (err.status === 503) return send(res, 503, { error: err.code, error_description: err.message }, { 'retry-after': '5' });
  const params = [['realm', 'orders']];
  if (err.code) params.push(['error', err.code], ['error_description', err.message]);
  const challenge = `Bearer ${params.map(([k, v]) => `${k}="${v}"`).join(', ')}`;
  send(res, err.status, { error: err.code ?? 'unauthorized', error_description: err.message }, { 'www-authenticate': challenge });
}

/**
 * The API as an https.Server (not listening).
 *
 * options:
 *   issuer    the tenant's issuer (the tokens' `iss`; the JWKS lives under it)
 *   audience  this API's identifier in Tessera (the tokens' `aud`)
 *   tls       { cert, key }: this API's own certificate and key (PEM)
 *   jwksUri   where the issuer's keys are (default: {issuer}/.well-known/jwks.json)
 *   issuerCa  PEM of the CA of the issuer's TLS certificate, when Node does not trust it already
 */
export function createApi({ issuer, audience, tls, jwksUri, issuerCa }) {
  const verify = createVerifier({ issuer, audience, jwksUri, issuerCa });
  // The client's certificate is requested, not required, and its chain is not checked here: the
  // handshake proves the client holds its private key, and the token, signed by Tessera, says which
  // certificate it is bound to (Tessera checked the certificate when it issued the token).
  const server = createServer({ ...tls, requestCert: true, rejectUnauthorized: false }, async (req, res) => {
    const path = new URL(req.url ?? '/', 'https://api.invalid').pathname;
    if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' });
    if (req.method !== 'GET' || path !== '/orders') return send(res, 404, { error: 'not_found' });
    try {
      // The certificate of this connection's handshake (undefined when the client sent none).
      const certificate = req.socket.getPeerX509Certificate()?.raw;
      const payload = await verify(req.headers.authorization, certificate);
      send(res, 200, { orders: ORDERS, client_id: payload.client_id });
    } catch (err) {
      if (err instanceof HttpError) return sendError(res, err);
      console.error(err);
      send(res, 500, { error: 'server_error' });
    }
  });
  return server;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const issuer = process.env.TESSERA_ISSUER ?? 'https://localhost:4444';
  const audience = process.env.API_AUDIENCE ?? 'https://orders.example.com/';
  const host = process.env.HOST ?? '127.0.0.1';
  const port = Number(process.env.PORT ?? 5002);
  if (!process.env.TLS_CERT || !process.env.TLS_KEY) {
    console.error('TLS_CERT and TLS_KEY must name the PEM files of this API’s certificate and key');
    process.exit(2);
  }
  const tls = { cert: readFileSync(process.env.TLS_CERT), key: readFileSync(process.env.TLS_KEY) };
  const issuerCa = process.env.TESSERA_CA ? readFileSync(process.env.TESSERA_CA) : undefined;
  const jwksUri = process.env.JWKS_URI ?? `${issuer}/.well-known/jwks.json`;
  const server = createApi({ issuer, audience, tls, jwksUri, issuerCa });
  server.listen(port, host, () => {
    const { port: bound } = server.address();
    console.log(JSON.stringify({ msg: 'listening', url: `https://${host}:${bound}`, issuer, audience }));
  });
  process.once('SIGTERM', () => server.close());
  process.once('SIGINT', () => server.close());
}
