import type { AdminScope } from '../../domain/admin-scopes.js';
import type { AdminPrincipal } from './auth.js';
import { Problem } from './problem.js';

/** 401 with RFC 6750 §3 `WWW-Authenticate`; `invalid_token` when a token was presented and refused. */
export function unauthorized(detail: string, error?: 'invalid_token'): Problem {
  const challenge = error === undefined ? 'Bearer realm="tessera-admin"' : `Bearer realm="tessera-admin", error="${error}"`;
  return new Problem(401, 'Unauthorized', detail, undefined, { 'www-authenticate': challenge });
}

/** 403 for a caller without the route's scope: RFC 6750 §3.1 `insufficient_scope`, and `required_scope` in the problem. */
export function insufficientScope(required: AdminScope): Problem {
  return new Problem(
    403,
    'Forbidden',
    `this call needs the scope ${required} (or admin)`,
    undefined,
    {
      'www-authenticate': `Bearer realm="tessera-admin", error="insufficient_scope", scope="${required}"`,
    },
    { required_scope: required },
  );
}

/** 403 for a tenant-limited caller outside its tenant, saying which kind of token it is ("this access token is limited to tenant acme"). */
export function limitedToTenant(caller: Pick<AdminPrincipal, 'kind' | 'tenantId'>): Problem {
  const what = caller.kind === 'access-token' ? 'access token' : 'admin token';
  return new Problem(403, 'Forbidden', `this ${what} is limited to tenant ${String(caller.tenantId)}`);
}
