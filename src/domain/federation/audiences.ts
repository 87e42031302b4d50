import type { FederatedIssuer } from './model.js';

/** The `aud` values a federated token may carry at a tenant by default: its issuer identifier and its token endpoint (both paths), as for client assertions (RFC 7523 §3 item 3). */
export function defaultFederatedAudiences(tenantIssuer: string): string[] {
  return [tenantIssuer, `${tenantIssuer}/oauth2/token`, `${tenantIssuer}/oauth/token`];
}

/** The `aud` values the issuer's tokens may carry: its own list, or the tenant's defaults. */
export function effectiveAudiences(issuer: Pick<FederatedIssuer, 'audiences'>, tenantIssuer: string): string[] {
  return issuer.audiences ?? defaultFederatedAudiences(tenantIssuer);
}
