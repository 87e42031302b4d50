import type { AudiencePermission, Permissions } from '../domain/clients/permissions.js';
import { invalidRequest, invalidScope, invalidTarget } from './errors.js';

/** The audiences and scopes a token will carry. */
export interface ResolvedTarget {
  audiences: AudiencePermission[];
  scopes: string[];
}

/** A `resource` value must be an absolute URI without a fragment (RFC 8707 §2). */
export function assertResourceIndicator(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidTarget('The resource parameter must be an absolute URI.');
  }
  if (url.hash !== '' || value.includes('#')) throw invalidTarget('The resource parameter must not contain a fragment.');
}

function allowedOnAll(targets: AudiencePermission[]): string[] {
  const [first, ...rest] = targets;
  return first!.scopes.filter((s) => rest.every((t) => t.scopeSet.has(s)));
}

function checkScopes(targets: AudiencePermission[], requested: string[] | undefined): string[] {
  const allowed = allowedOnAll(targets);
  if (requested === undefined) return allowed;
  const allowedSet = new Set(allowed);
  for (const scope of requested) {
    if (!allowedSet.has(scope)) {
      throw invalidScope(
        targets.length > 1
          ? `The scope ${scope} is not allowed on every requested audience.`
          : `The scope ${scope} is not allowed for this client and audience.`,
      );
    }
  }
  return requested;
}

/**
 * Chooses the token's audiences (RFC 8707 `resource`, or `audience`) and scopes (docs/api.md#audience-resource-and-scope):
 * named targets must all be allowed and every scope allowed on each; with no target, the one
 * audience whose scopes cover the request, else the client's only audience.
 */
export function resolveTarget(permissions: Permissions, requestedTargets: readonly string[], requestedScopes: string[] | undefined): ResolvedTarget {
  if (requestedTargets.length > 0) {
    const targets: AudiencePermission[] = [];
    for (const name of new Set(requestedTargets)) {
      const permission = permissions.get(name);
      if (!permission) throw invalidTarget('The requested audience is not allowed for this client.');
      targets.push(permission);
    }
    return { audiences: targets, scopes: checkScopes(targets, requestedScopes) };
  }
  const all = [...permissions.values()];
  if (requestedScopes !== undefined) {
    const covering = all.filter((p) => requestedScopes.every((s) => p.scopeSet.has(s)));
    if (covering.length === 1) return { audiences: covering, scopes: requestedScopes };
  }
  if (all.length === 1) return { audiences: all, scopes: checkScopes(all, requestedScopes) };
  if (all.length === 0) throw invalidRequest('No audience is allowed for this client.');
  throw invalidRequest('Several audiences are possible for this request; name one with the audience or resource parameter.');
}
