import type { FastifySchema, RouteOptions } from 'fastify';
import { ADMIN_SCOPE_DESCRIPTIONS } from '../../domain/admin-scopes.js';
import type { RouteScope } from './auth.js';

/**
 * The two ways to call the admin API, as OpenAPI 3 security schemes: an access token of
 * `urn:tessera:admin` obtained with client credentials at `tokenUrl` (the default tenant's token
 * endpoint), with every admin scope; or an admin token as a bearer token (RFC 6750).
 */
export function adminSecuritySchemes(tokenUrl: string) {
  return {
    oauth2: {
      type: 'oauth2' as const,
      description: 'A Tessera access token whose aud includes urn:tessera:admin (DPoP- and certificate-bound tokens need their proof).',
      flows: { clientCredentials: { tokenUrl, scopes: { ...ADMIN_SCOPE_DESCRIPTIONS } } },
    },
    adminToken: { type: 'http' as const, scheme: 'bearer', description: 'An admin token (tsr_at_...), limited to the scopes it was created with.' },
  };
}

/** The OpenAPI `security` of an operation whose route declares `scope`: that scope of oauth2, or an admin token holding it. */
export function operationSecurity(scope: RouteScope): Record<string, string[]>[] {
  return [{ oauth2: scope === 'authenticated' ? [] : [scope] }, { adminToken: [] }];
}

/** @fastify/swagger's `transform`: each operation's `security` from its route's `config.scope` (public routes are hidden). */
export function withRouteSecurity({ schema, url, route }: { schema: FastifySchema; url: string; route: RouteOptions }): { schema: FastifySchema; url: string } {
  const scope = (route.config as { scope?: RouteScope } | undefined)?.scope;
  return { schema: scope === undefined ? schema : { ...schema, security: operationSecurity(scope) }, url };
}
