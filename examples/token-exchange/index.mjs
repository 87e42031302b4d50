// A chain of services with token exchange (RFC 8693), using only fetch and jose:
//
//   A  --token for B-->  B  --exchanged token for C-->  C  --exchanged token for E-->  E
//
// A gets a token with client_credentials and calls B. B verifies it, exchanges it at Tessera for a
// token for C (A's subject, B as actor) and calls C. C does the same for E. E answers what it saw:
// the subject A and the whole chain in `act`. Each answer nests the one from downstream.
//
// Run it directly (see README.md for the environment variables):
//   node examples/token-exchange/index.mjs
// or import createService, getToken and exchangeToken.

import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

/** The token exchange grant and the token type of an access token (RFC 8693 §2.1, §3). */
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

/** POSTs a form to the issuer's token endpoint with HTTP Basic; answers the JSON or throws with Tessera's error. */
async function tokenRequest(issuer, clientId, clientSecret, form) {
  const response = await fetch(`${issuer}/oauth2/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form),
  });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`token request of ${clientId}: ${body.error}: ${body.error_description}`);
  return body;
}

/** A client_credentials token (RFC 6749 §4.4) for `audience`: what service A sends to B. */
export async function getToken({ issuer, clientId, clientSecret, audience }) {
  return (await tokenRequest(issuer, clientId, clientSecret, { grant_type: 'client_credentials', audience })).access_token;
}

/** Exchanges `subjectToken` for a token for `audience` (RFC 8693 §2.1), acting as `clientId`; `scope` narrows it. */
export async function exchangeToken({ issuer, clientId, clientSecret, subjectToken, audience, scope }) {
  const form = { grant_type: TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, audience };
  if (scope) form.scope = scope;
  return (await tokenRequest(issuer, clientId, clientSecret, form)).access_token;
}

/**
 * One service of the chain: `GET /work` takes a Tessera access token for `audience`, verified
 * offline with jose (signature against the issuer's JWKS, iss, aud, exp, typ at+jwt). With `next`
 * ({url, audience, scope?}) it exchanges the token as `clientId` and calls `next.url` with the
 * new token. Answers `{service, saw: {sub, client_id, scope, act}, downstream}`; an http.Server
 * that is not listening yet.
 */
export function createService({ name, issuer, audience, clientId, clientSecret, next }) {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  const answer = (res, status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  return createServer(async (req, res) => {
    if (req.method !== 'GET' || req.url !== '/work') return answer(res, 404, { error: 'not_found' });
    const token = /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    let payload;
    try {
      if (!token) throw new errors.JWTInvalid('no bearer token');
      ({ payload } = await jwtVerify(token, jwks, { issuer, audience, typ: 'at+jwt' }));
    } catch {
      res.setHeader('www-authenticate', `Bearer realm="${name}", error="invalid_token"`);
      return answer(res, 401, { error: 'invalid_token' });
    }
    const saw = { sub: payload.sub, client_id: payload.client_id, scope: payload.scope, act: payload.act };
    if (!next) return answer(res, 200, { service: name, saw });
    try {
      const exchanged = await exchangeToken({ issuer, clientId, clientSecret, subjectToken: token, audience: next.audience, scope: next.scope });
      const downstream = await fetch(next.url, { headers: { authorization: `Bearer ${exchanged}` } });
      return answer(res, 200, { service: name, saw, downstream: await downstream.json() });
    } catch (err) {
      return answer(res, 502, { error: 'downstream_failed', detail: err.message });
    }
  });
}

/** Listens on an ephemeral port of 127.0.0.1; answers the base URL. */
function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

/** Starts E, C and B, calls B as A, prints the answer as one JSON line, and stops them. */
async function main() {
  const issuer = process.env.TESSERA_ISSUER ?? 'http://localhost:4444';
  const env = (name) => {
    const value = process.env[name];
    if (!value) throw new Error(`set ${name}`);
    return value;
  };
  const audiences = { b: 'https://b.example.com/', c: 'https://c.example.com/', e: 'https://e.example.com/' };
  const servers = [];
  const start = async (options) => {
    const server = createService({ issuer, ...options });
    servers.push(server);
    return `${await listen(server)}/work`;
  };
  try {
    const e = await start({ name: 'E', audience: audiences.e });
    const c = await start({ name: 'C', audience: audiences.c, clientId: 'svc-c', clientSecret: env('SVC_C_SECRET'), next: { url: e, audience: audiences.e } });
    const b = await start({
      name: 'B',
      audience: audiences.b,
      clientId: 'svc-b',
      clientSecret: env('SVC_B_SECRET'),
      next: { url: c, audience: audiences.c, scope: 'orders:read' },
    });
    const token = await getToken({ issuer, clientId: 'svc-a', clientSecret: env('SVC_A_SECRET'), audience: audiences.b });
    const response = await fetch(b, { headers: { authorization: `Bearer ${token}` } });
    console.log(JSON.stringify({ msg: 'chain', status: response.status, answer: await response.json() }));
    process.exitCode = response.status === 200 ? 0 : 1;
  } finally {
    for (const server of servers) server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err.message);
    process.exitCode = 1;
  });
}
