// A service that gets access tokens from Tessera with openid-client (v6), keeps each one until
// shortly before it expires, and calls an API with it. It also shows token introspection
// (RFC 7662) and revocation (RFC 7009) through openid-client.
//
// Run it directly (see README.md for the environment variables):
//   node examples/service-openid-client/index.mjs
// or import its building blocks: createTokenSource, callApi.

import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import * as oidc from 'openid-client';

/** A cached token is renewed this many seconds before `expires_in` runs out, or at 10% of its lifetime if that is sooner. */
const DEFAULT_EARLY_RENEWAL_SECONDS = 30;

/** Longest wait honoured from a Retry-After header (429 lockout, 503 outage), in seconds. */
const MAX_RETRY_AFTER_SECONDS = 30;

/** http: is refused by openid-client; these hosts are this machine, where a local Tessera runs without TLS. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * True when `issuer` is plain http on this machine (`npm start` on a laptop, a test). openid-client
 * refuses http: everywhere unless told otherwise with its `allowInsecureRequests` option; this
 * example allows it for loopback only, so a production issuer must be https.
 */
export function isLocalHttp(issuer) {
  const url = new URL(issuer);
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

/**
 * Gets client_credentials tokens for one client and one audience, and caches them.
 *
 * options:
 *   issuer        the tenant's issuer (TESSERA_PUBLIC_URL, or …/t/{tenant}); discovery starts there
 *   clientId, clientSecret
 *   audience      optional: the API identifier (`audience` parameter); Tessera picks one if omitted
 *   scope         optional: space-separated scopes; all the client may get if omitted
 *   earlyRenewalSeconds  renew this long before expiry (default 30; at most 10% of the lifetime)
 *   now           clock in milliseconds (default Date.now), for tests
 *   fetch         optional fetch implementation handed to openid-client (customFetch)
 *
 * Answers { getToken(), invalidate(), introspect(token), revoke(token), configuration() }.
 */
export function createTokenSource(options) {
  const { issuer, clientId, clientSecret, audience, scope } = options;
  const earlyRenewalSeconds = options.earlyRenewalSeconds ?? DEFAULT_EARLY_RENEWAL_SECONDS;
  const now = options.now ?? Date.now;
  const discoveryOptions = {
    ...(isLocalHttp(issuer) ? { execute: [oidc.allowInsecureRequests] } : {}),
    ...(options.fetch ? { [oidc.customFetch]: options.fetch } : {}),
  };

  /** The discovered server metadata and client settings; discovered once, again after a failure. */
  let configurationPromise;
  function configuration() {
    configurationPromise ??= oidc.discovery(new URL(issuer), clientId, clientSecret, oidc.ClientSecretBasic(clientSecret), discoveryOptions).catch((err) => {
      configurationPromise = undefined;
      throw err;
    });
    return configurationPromise;
  }

  /** { accessToken, renewAt, expiresAt } in ms, or undefined. */
  let cached;
  /** The request under way, shared by concurrent callers (one token request at a time). */
  let pending;

  async function requestToken() {
    const config = await configuration();
    const parameters = {};
    if (audience) parameters.audience = audience;
    if (scope) parameters.scope = scope;
    for (let attempt = 0; ; attempt++) {
      const requestedAt = now();
      try {
        const response = await oidc.clientCredentialsGrant(config, parameters);
        const lifetime = response.expires_in ?? 0;
        const early = Math.min(earlyRenewalSeconds, lifetime / 10);
        return {
          accessToken: response.access_token,
          scope: response.scope,
          // Counted from before the request: the server's clock started no earlier.
          renewAt: requestedAt + (lifetime - early) * 1000,
          expiresAt: requestedAt + lifetime * 1000,
        };
      } catch (err) {
        const wait = retryAfterSeconds(err);
        if (wait === undefined || attempt >= 2) throw err;
        await sleep(wait * 1000);
      }
    }
  }

  async function getToken() {
    const at = now();
    if (cached && at < cached.renewAt) return cached.accessToken;
    pending ??= requestToken()
      .then((fresh) => {
        cached = fresh;
        return fresh.accessToken;
      })
      .catch((err) => {
        // Tessera is briefly unavailable: a token that has not expired yet is still good.
        if (cached && now() < cached.expiresAt) return cached.accessToken;
        throw err;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  }

  return {
    getToken,
    /** Forget the cached token (e.g. after an API answered 401 to it). */
    invalidate() {
      cached = undefined;
    },
    /** RFC 7662: what Tessera says of `token` ({ active, scope, client_id, sub, aud, exp, … }). */
    async introspect(token) {
      return oidc.tokenIntrospection(await configuration(), token);
    },
    /** RFC 7009: revoke one of this client's own tokens. */
    async revoke(token) {
      if (cached?.accessToken === token) cached = undefined;
      await oidc.tokenRevocation(await configuration(), token);
    },
    configuration,
  };
}

/**
 * The seconds to wait before trying again after a 429 (lockout) or 503 (outage) answer, from its
 * Retry-After header; undefined for any other error (invalid_client, invalid_scope, … are final)
 * and for a wait longer than MAX_RETRY_AFTER_SECONDS (better to fail now and let the caller decide).
 */
export function retryAfterSeconds(err) {
  if (!(err instanceof oidc.ResponseBodyError) || (err.status !== 429 && err.status !== 503)) return undefined;
  const header = err.response.headers.get('retry-after');
  const seconds = header === null ? 1 : Number(header);
  return Number.isInteger(seconds) && seconds >= 0 && seconds <= MAX_RETRY_AFTER_SECONDS ? seconds : undefined;
}

/**
 * One line for an error of openid-client. With client_secret_basic, a failed authentication is a
 * 401 with `WWW-Authenticate: Basic` (RFC 6749 §5.2), which openid-client throws as a
 * WWWAuthenticateChallengeError; its body still holds the OAuth error.
 */
export async function describeError(err) {
  if (err instanceof oidc.WWWAuthenticateChallengeError) {
    const body = await err.response.json().catch(() => ({}));
    return `${err.status} ${body.error ?? 'unauthorized'}: ${body.error_description ?? ''}`;
  }
  if (err instanceof oidc.ResponseBodyError) return `${err.status} ${err.error}: ${err.error_description ?? ''}`;
  return err.cause?.code ? `${err.message} (${err.cause.code})` : err.message;
}

/**
 * Calls `url` with a bearer token from `tokens`. A 401 means the API no longer accepts the
 * token (revoked, signing key withdrawn): get a new one, once, and try again.
 */
export async function callApi(tokens, url, init = {}) {
  for (let attempt = 0; ; attempt++) {
    const token = await tokens.getToken();
    const response = await fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
    if (response.status !== 401 || attempt > 0) return response;
    tokens.invalidate();
  }
}

/** The example program: token, API call, introspection, revocation, introspection again. */
async function main(env) {
  const required = (name) => {
    const value = env[name];
    if (!value) throw new Error(`set ${name} (see examples/service-openid-client/README.md)`);
    return value;
  };
  const issuer = env.TESSERA_ISSUER ?? 'http://localhost:4444';
  const apiUrl = env.API_URL ?? 'http://127.0.0.1:5001/orders';
  const tokens = createTokenSource({
    issuer,
    clientId: required('CLIENT_ID'),
    clientSecret: required('CLIENT_SECRET'),
    audience: env.API_AUDIENCE,
    scope: env.SCOPE,
  });
  const print = (step, value) => console.log(JSON.stringify({ step, ...value }));

  const token = await tokens.getToken();
  const again = await tokens.getToken();
  print('token', { issuer, cached: again === token, claims: JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) });

  try {
    const response = await callApi(tokens, apiUrl);
    const text = await response.text();
    print('api', {
      url: apiUrl,
      status: response.status,
      body: response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text,
    });
  } catch (err) {
    print('api', { url: apiUrl, error: await describeError(err) });
  }

  print('introspect', { result: await tokens.introspect(token) });
  await tokens.revoke(token);
  print('revoke', { revoked: true });
  print('introspect after revoke', { result: await tokens.introspect(token) });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.env).catch(async (err) => {
    console.error(await describeError(err));
    process.exitCode = 1;
  });
}
