import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminAppDeps } from '../deps.js';
import { isLoopbackHost } from '../../lib/loopback.js';
import { digestsEqual, sha256 } from '../../lib/digest.js';
import { Problem } from './problem.js';

/** The prefix of an admin token's actor id in the audit log: `admin-token:{id}`. */
export const ADMIN_TOKEN_ACTOR = 'admin-token:';

/** Who calls the admin API. */
export interface AdminPrincipal {
  /** As recorded in the audit log: `admin-token:{id}` or `local-operator`. */
  readonly actorId: string;
  /** The one tenant this caller may act on, or null for every tenant. */
  readonly tenantId: string | null;
}

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
  }
}

function unauthorized(detail: string): Problem {
  return new Problem(401, 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer realm="tessera-admin"' });
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

async function principalOf(request: FastifyRequest, deps: AdminAppDeps): Promise<AdminPrincipal> {
  const header = request.headers.authorization;
  if (header === undefined) {
    if (deps.config.adminAuth === 'loopback' && trustedLoopbackCaller(request)) {
      return { actorId: 'local-operator', tenantId: null };
    }
    throw unauthorized('send an admin token: Authorization: Bearer <token> (or start Tessera with TESSERA_ADMIN_AUTH=loopback)');
  }
  const presented = BEARER.exec(header)?.[1];
  if (presented === undefined) throw unauthorized('the Authorization header must be Bearer <admin token>');
  const token = await deps.services.adminTokens.authenticate(presented);
  if (!token) throw unauthorized('the admin token is not valid');
  return { actorId: `${ADMIN_TOKEN_ACTOR}${token.id}`, tenantId: token.tenantId };
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

/** Authenticates every admin request by the route's `config.access` policy. */
export function registerAdminAuth(app: FastifyInstance, deps: AdminAppDeps): void {
  const presentsMetricsToken = metricsTokenCheck(deps.config.metricsToken);
  app.decorateRequest('admin', null);
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config?.access ?? 'tenant';
    if (access === 'public') return;
    // The scraper's token reads the metrics and nothing else (request.admin stays null).
    if (access === 'metrics' && presentsMetricsToken(request)) return;
    request.admin = await principalOf(request, deps);
    if ((access === 'global' || access === 'metrics') && request.admin.tenantId !== null) {
      throw new Problem(403, 'Forbidden', `this admin token is limited to tenant ${request.admin.tenantId}`);
    }
  });
}
