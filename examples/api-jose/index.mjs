// An API protected with jose alone: it verifies Tessera's access tokens offline against the
// issuer's JWKS, checks the scope each route needs, and (optionally) honours Tessera's
// revocation feed, polled in the background with its ETag.
//
//   GET  /orders   needs scope orders:read
//   POST /orders   needs scope orders:write
//   GET  /health   public
//
// Run it directly (see README.md for the environment variables):
//   node examples/api-jose/index.mjs
// or import createApi({ issuer, audience, revocationFeed }), which answers an http.Server that is
// not listening yet; it polls the feed while it listens.

import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';

const ORDERS = [{ id: 'ord_1', item: 'tessera', quantity: 3 }];

/** Tessera serves its JWKS with Cache-Control: max-age=60. */
const JWKS_MAX_AGE_MS = 60_000;

/** Tessera's feed allows shared caches to keep it this long (Cache-Control: max-age=15); polling faster gains nothing. */
const DEFAULT_FEED_INTERVAL_MS = 15_000;

/** An error answered to the caller: status, RFC 6750 §3 error code, and the WWW-Authenticate header. */
class HttpError extends Error {
  constructor(status, code, description, extra = {}) {
    super(description);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

/**
 * Tessera's revocation feed (GET {issuer}/oauth2/revoked): the revoked jtis of unexpired tokens
 * and the per-client cut-offs. `refresh()` fetches it with If-None-Match (a 304 costs nothing);
 * `start()` polls every `intervalMs`. When a poll fails the last feed stays in force; until the
 * first one has been read, `isRevoked` tries to read it and throws if it cannot (the API then
 * answers 503 rather than accept a token it cannot check).
 */
export function createRevocationFeed({ issuer, intervalMs = DEFAULT_FEED_INTERVAL_MS, fetch = globalThis.fetch, onError = console.error }) {
  const url = `${issuer}/oauth2/revoked`;
  let revoked = new Set();
  let cutoffs = new Map();
  let etag;
  let loaded = false;
  let timer;

  async function refresh() {
    const response = await fetch(url, { headers: etag ? { 'if-none-match': etag } : {} });
    if (response.status === 304) return;
    if (response.status !== 200) throw new Error(`revocation feed: ${url} answered ${response.status}`);
    const body = await response.json();
    if (body.issuer !== issuer || !Array.isArray(body.revoked) || !Array.isArray(body.cutoffs))
      throw new Error(`revocation feed: ${url} is not ${issuer}'s feed`);
    revoked = new Set(body.revoked.map((entry) => entry.jti));
    cutoffs = new Map(body.cutoffs.map((entry) => [entry.client_id, entry.cutoff]));
    etag = response.headers.get('etag') ?? undefined;
    loaded = true;
  }

  return {
    refresh,
    start() {
      if (timer) return;
      refresh().catch(onError);
      timer = setInterval(() => refresh().catch(onError), intervalMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    /** True when the feed revokes this (verified) token: its jti, or its client's cut-off at or after its iat. */
    async isRevoked(payload) {
      if (!loaded) await refresh();
      const cutoff = cutoffs.get(payload.client_id);
      return revoked.has(payload.jti) || (cutoff !== undefined && payload.iat <= cutoff);
    },
  };
}

/**
 * A verifier of Tessera access tokens for one API: signature by a key of the issuer's JWKS (its
 * `kid` and `alg`), `iss`, `aud`, `exp`/`nbf`, header `typ: at+jwt` (RFC 9068 §4), the claims
 * Tessera always sets, and, with a feed, not revoked. Answers the payload or throws an HttpError.
 */
export function createVerifier({ issuer, audience, feed }) {
  // Fetched on first use and again when a token names an unknown kid (a new key). Kept 60 s, as
  // Tessera's Cache-Control says, so a key withdrawn from the JWKS (leaked) stops verifying within
  // a minute; jose's default would keep it 10 minutes.
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`), { cacheMaxAge: JWKS_MAX_AGE_MS });

  return async function verify(authorization) {
    // RFC 6750 §3.1: a request with no credentials gets a challenge without an error code.
    if (!authorization) throw new HttpError(401, undefined, 'An access token is required.');
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization);
    if (!match) throw new HttpError(400, 'invalid_request', 'Send the token as Authorization: Bearer <token>.');
    let payload;
    try {
      ({ payload } = await jwtVerify(match[1], jwks, {
        issuer,
        audience,
        typ: 'at+jwt',
        requiredClaims: ['sub', 'client_id', 'iat', 'jti'],
      }));
    } catch (err) {
      if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError))
        throw new HttpError(503, 'temporarily_unavailable', 'The signing keys cannot be fetched.');
      throw new HttpError(401, 'invalid_token', 'The access token is not valid.');
    }
    // A DPoP-bound token (RFC 9449) is worthless without its proof; this API does not take proofs.
    if (payload.cnf !== undefined) throw new HttpError(401, 'invalid_token', 'The access token is bound to a key; this API accepts bearer tokens only.');
    if (feed) {
      let revoked;
      try {
        revoked = await feed.isRevoked(payload);
      } catch {
        throw new HttpError(503, 'temporarily_unavailable', 'The revocation feed cannot be read.');
      }
      if (revoked) throw new HttpError(401, 'invalid_token', 'The access token has been revoked.');
    }
    return payload;
  };
}

/** Throws 403 insufficient_scope unless the token's `scope` claim holds `scope`. */
function requireScope(payload, scope) {
  const granted = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  if (!granted.includes(scope)) throw new HttpError(403, 'insufficient_scope', `The scope ${scope} is required.`, { scope });
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** RFC 6750 §3: WWW-Authenticate: Bearer realm="orders", error="…", error_description="…", scope="…". */
function sendError(res, err) {
  if (err.status === 503) return send(res, 503, { error: err.code, error_description: err.message }, { 'retry-after': '5' });
  const params = [['realm', 'orders']];
  if (err.code) params.push(['error', err.code], ['error_description', err.message]);
  if (err.extra.scope) params.push(['scope', err.extra.scope]);
  const challenge = `Bearer ${params.map(([k, v]) => `${k}="${v}"`).join(', ')}`;
  send(res, err.status, err.code ? { error: err.code, error_description: err.message } : { error: 'unauthorized', error_description: err.message }, {
    'www-authenticate': challenge,
  });
}

/**
 * The API as an http.Server (not listening).
 *
 * options:
 *   issuer          the tenant's issuer (the tokens' `iss`; the JWKS and the feed live under it)
 *   audience        this API's identifier in Tessera (the tokens' `aud`)
 *   revocationFeed  false to ignore revocations, or { intervalMs } (default: on, every 15 s)
 */
export function createApi({ issuer, audience, revocationFeed = {} }) {
  const feed = revocationFeed === false ? undefined : createRevocationFeed({ issuer, ...revocationFeed });
  const verify = createVerifier({ issuer, audience, feed });

  const routes = {
    'GET /orders': { scope: 'orders:read', handle: (payload) => [200, { orders: ORDERS, client_id: payload.client_id }] },
    'POST /orders': { scope: 'orders:write', handle: (payload) => [201, { created: true, client_id: payload.client_id }] },
  };

  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://api.invalid').pathname;
    if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'ok' });
    const route = routes[`${req.method} ${path}`];
    if (!route) return send(res, 404, { error: 'not_found' });
    try {
      const payload = await verify(req.headers.authorization);
      requireScope(payload, route.scope);
      const [status, body] = route.handle(payload);
      send(res, status, body);
    } catch (err) {
      if (err instanceof HttpError) return sendError(res, err);
      console.error(err);
      send(res, 500, { error: 'server_error' });
    }
  });
  if (feed) {
    server.on('listening', () => feed.start());
    server.on('close', () => feed.stop());
  }
  return server;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const issuer = process.env.TESSERA_ISSUER ?? 'http://localhost:4444';
  const audience = process.env.API_AUDIENCE ?? 'https://orders.example.com/';
  const host = process.env.HOST ?? '127.0.0.1';
  const port = Number(process.env.PORT ?? 5001);
  const feedSetting = process.env.REVOCATION_FEED ?? 'on';
  const revocationFeed = feedSetting === 'off' ? false : { intervalMs: Number(process.env.REVOCATION_FEED_INTERVAL ?? 15) * 1000 };
  const server = createApi({ issuer, audience, revocationFeed });
  server.listen(port, host, () => {
    const { port: bound } = server.address();
    console.log(JSON.stringify({ msg: 'listening', url: `http://${host}:${bound}`, issuer, audience, revocation_feed: feedSetting !== 'off' }));
  });
  process.once('SIGTERM', () => server.close());
  process.once('SIGINT', () => server.close());
}
