import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminAppDeps } from '../deps.js';
import { isLoopbackHost } from '../../lib/loopback.js';
import { digestsEqual, sha256 } from '../../lib/digest.js';
import { ADMIN_SCOPES, holdsScope, type AdminScope } from '../../domain/admin-scopes.js';
import type { ActorDetail } from '../../domain/errors.js';
import { accessTokenAuthenticator, looksLikeJwt, type AccessTokenAuthenticator, type TokenScheme } from './access-token-principal.js';
import { adminTokenPrincipal } from './admin-token-principal.js';
import { insufficientScope, limitedToTenant, unauthorized } from './challenges.js';
import { tenantOfRoute } from './context.js';

export { ADMIN_TOKEN_ACTOR } from './admin-token-principal.js';
export { CLIENT_ACTOR } from './access-token-principal.js';

/** Who calls the admin API. */
export interface AdminPrincipal {
  /** As recorded in the audit log: `admin-token:{id}`, `client:{client_id}` or `local-operator`. */
  readonly actorId: string;
  /** How the caller authenticated. */
  readonly kind: 'admin-token' | 'access-token' | 'local-operator';
  /** The one tenant this caller may act on, or null for every tenant. */
  readonly tenantId: string | null;
  /** The scopes of `urn:tessera:admin` the caller holds (`admin`: every one). */
  readonly scopes: readonly AdminScope[];
  /** For an access token: the client behind it (and the external identity of a federated client), recorded with each audit event. */
  readonly detail?: ActorDetail;
}

/**
 * The scope a route needs (docs/security.md#admin-scopes): one of `urn:tessera:admin`, or
 * `authenticated` for a route every caller may use (e.g. `GET /whoami`). Routes with
 * `access: 'public'` need none; every other route must declare one (checked as routes register).
 */
export type RouteScope = AdminScope | 'authenticated';

/**
 * Per-route access policy: `public` needs no token, `global` a token not limited to a tenant,
 * `metrics` the same or TESSERA_METRICS_TOKEN.
 */
export type RouteAccess = 'public' | 'global' | 'tenant' | 'metrics';

declare module 'fastify' {
  interface FastifyRequest {
    admin: AdminPrincipal | null;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
    scope?: RouteScope;
  }
}

/** The Host header names this machine's loopback interface (not a rebound DNS name). */
function loopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return isLoopbackHost(name);
}

/**
 * Loopback mode trusts local programs such as curl, never a browser: a web page could reach a
 * loopback port through DNS rebinding or a cross-site form, so requests that carry a non-loopback
 * Host, an Origin or Fetch metadata are refused.
 */
function trustedLoopbackCaller(request: FastifyRequest): boolean {
  return (
    isLoopbackHost(request.socket.remoteAddress ?? '') &&
    loopbackHostHeader(request.headers.host) &&
    request.headers.origin === undefined &&
    request.headers['sec-fetch-site'] === undefined
  );
}

const BEARER = /^Bearer\s+([\x21-\x7e]{1,512})\s*$/i;

/** `Bearer <admin token or access token>` or `DPoP <access token>` (RFC 9449 section 7.1); an access token may be up to 8192 characters. */
const CREDENTIALS = /^(Bearer|DPoP)\s+([\x21-\x7e]{1,8192})\s*$/i;

/** The longest admin token read: a longer Bearer value that is not an access token is refused without a lookup. */
const MAX_ADMIN_TOKEN_LENGTH = 512;

async function principalOf(request: FastifyRequest, deps: AdminAppDeps, accessToken: AccessTokenAuthenticator): Promise<AdminPrincipal> {
  const header = request.headers.authorization;
  if (header === undefined) {
    if (deps.config.adminAuth === 'loopback' && trustedLoopbackCaller(request)) {
      return { actorId: 'local-operator', kind: 'local-operator', tenantId: null, scopes: ['admin'] };
    }
    throw unauthorized('send an admin token: Authorization: Bearer <token> (or start Tessera with TESSERA_ADMIN_AUTH=loopback)');
  }
  const [, schemeName, presented] = CREDENTIALS.exec(header) ?? [];
  if (schemeName === undefined || presented === undefined) throw unauthorized('the Authorization header must be Bearer <admin token or access token>');
  const scheme: TokenScheme = schemeName.toLowerCase() === 'dpop' ? 'dpop' : 'bearer';
  if (looksLikeJwt(presented)) return accessToken(presented, scheme, request);
  if (scheme === 'dpop') throw unauthorized('the access token is not valid', 'invalid_token');
  if (presented.length > MAX_ADMIN_TOKEN_LENGTH) throw unauthorized('the admin token is not valid');
  const tenantId = tenantOfRoute(request);
  const found = await deps.services.adminTokens.authenticate(presented, tenantId);
  if (!found) throw unauthorized('the admin token is not valid');
  if (found.tenantExists) request.tenantSeen = tenantId;
  return adminTokenPrincipal(found.token);
}

/** Whether the request presents TESSERA_METRICS_TOKEN (compared as digests, in constant time). */
function metricsTokenCheck(token: string | undefined): (request: FastifyRequest) => boolean {
  if (token === undefined) return () => false;
  const expected = sha256(token);
  return (request) => {
    const presented = BEARER.exec(request.headers.authorization ?? '')?.[1];
    return presented !== undefined && digestsEqual(sha256(presented), expected);
  };
}

/**
 * Authenticates every admin request by the route's `config.access` policy, then checks that the
 * caller holds the route's `config.scope`. A route that is not public and declares no scope
 * cannot be registered.
 */
export function registerAdminAuth(app: FastifyInstance, deps: AdminAppDeps): void {
  const presentsMetricsToken = metricsTokenCheck(deps.config.metricsToken);
  const accessToken = accessTokenAuthenticator(deps);
  app.decorateRequest('admin', null);
  app.decorateRequest('tenantSeen', null);
  app.addHook('onRoute', (route) => {
    const config = route.config as { access?: RouteAccess; scope?: RouteScope } | undefined;
    if (config?.access === 'public') return;
    const scope = config?.scope;
    if (scope === undefined || (scope !== 'authenticated' && !ADMIN_SCOPES.includes(scope))) {
      throw new Error(`admin route ${String(route.method)} ${route.url} declares no scope (config.scope)`);
    }
  });
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access ?? 'tenant';
    if (access === 'public') return;
    // The scraper's token reads the metrics and nothing else (request.admin stays null).
    if (access === 'metrics' && presentsMetricsToken(request)) return;
    request.admin = await principalOf(request, deps, accessToken);
    if ((access === 'global' || access === 'metrics') && request.admin.tenantId !== null) throw limitedToTenant(request.admin);
    const scope = request.routeOptions.config?.scope;
    if (scope !== undefined && scope !== 'authenticated' && !holdsScope(request.admin.scopes, scope)) throw insufficientScope(scope);
  });
}
