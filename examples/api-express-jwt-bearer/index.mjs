// An Express API protected by express-oauth2-jwt-bearer: it verifies Tessera's access tokens
// offline (discovery → JWKS) and checks the scope each route needs.
//
//   GET  /orders   needs scope orders:read
//   POST /orders   needs scope orders:write
//   GET  /health   public
//
// Run it directly (see README.md for the environment variables):
//   node examples/api-express-jwt-bearer/index.mjs
// or import createApi({ issuer, audience }), which answers an http.Server that is not listening yet.

import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { auth, requiredScopes } from 'express-oauth2-jwt-bearer';

/** The orders this example API serves. */
const ORDERS = [{ id: 'ord_1', item: 'tessera', quantity: 3 }];

/**
 * The API as an http.Server (not listening).
 *
 * options:
 *   issuer    the tenant's issuer; its discovery document gives the JWKS address
 *   audience  this API's identifier in Tessera (the tokens' `aud`)
 */
export function createApi({ issuer, audience }) {
  const app = express();
  app.disable('x-powered-by');

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Checks signature (keys from the JWKS named in discovery), iss, aud, exp. strict: the RFC 9068
  // profile too, i.e. header typ "at+jwt" and the claims iat, sub, client_id and jti.
  const checkJwt = auth({ issuerBaseURL: issuer, audience, strict: true });

  app.get('/orders', checkJwt, requiredScopes('orders:read'), (req, res) => {
    res.json({ orders: ORDERS, client_id: req.auth.payload.client_id });
  });

  app.post('/orders', checkJwt, requiredScopes('orders:write'), (req, res) => {
    res.status(201).json({ created: true, client_id: req.auth.payload.client_id });
  });

  // The library's errors carry status (401, 403, 400) and a WWW-Authenticate header (RFC 6750 §3).
  app.use((err, _req, res, _next) => {
    const status = err.status ?? 500;
    if (err.headers) res.set(err.headers);
    if (status >= 500) console.error(err);
    res.status(status).json(status >= 500 ? { error: 'server_error' } : { error: err.code || 'unauthorized', error_description: err.message });
  });

  return createServer(app);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const issuer = process.env.TESSERA_ISSUER ?? 'http://localhost:4444';
  const audience = process.env.API_AUDIENCE ?? 'https://orders.example.com/';
  const host = process.env.HOST ?? '127.0.0.1';
  const port = Number(process.env.PORT ?? 5001);
  const server = createApi({ issuer, audience });
  server.listen(port, host, () => {
    const { port: bound } = server.address();
    console.log(JSON.stringify({ msg: 'listening', url: `http://${host}:${bound}`, issuer, audience }));
  });
  process.once('SIGTERM', () => server.close());
  process.once('SIGINT', () => server.close());
}
