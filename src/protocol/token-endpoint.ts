import type { TenantState } from '../domain/read-model/tenant-state.js';
import type { Clock } from '../lib/clock.js';
import type { BruteForceGuard } from './brute-force.js';
import { authenticateClient, CLIENT_AUTH_PARAMETERS, type AuthenticatedClient } from './client-auth/index.js';
import { invalidRequest, OAuthError } from './errors.js';
import type { GrantTypeRegistry, TokenResponse } from './grant-types/registry.js';
import { RequestParams } from './params.js';

export interface TokenRequest {
  tenant: TenantState;
  issuer: string;
  authorization: string | undefined;
  /** Source address of the request (brute-force protection). */
  address: string;
  /** Names of query string parameters: none are allowed (RFC 6749 §2.3.1, §3.2). */
  queryParameters: string[];
  params: RequestParams;
}

export interface TokenOutcome {
  response: TokenResponse;
  client: AuthenticatedClient;
}

/** Keeps only grant_type, client authentication and the parameters the grant declared. */
function strip(params: RequestParams, declared: readonly string[]): RequestParams {
  const keep = new Set<string>(['grant_type', ...CLIENT_AUTH_PARAMETERS, ...declared]);
  return new RequestParams(new Map(params.names().filter((n) => keep.has(n)).map((n) => [n, params.all(n)])));
}

/** The token endpoint (RFC 6749 §3.2): validates, authenticates the client, dispatches to the grant type. */
export async function handleTokenRequest(req: TokenRequest, deps: { grantTypes: GrantTypeRegistry; clock: Clock; guard: BruteForceGuard }): Promise<TokenOutcome> {
  if (req.queryParameters.length > 0) throw invalidRequest('Send parameters in the request body, not in the query string.');
  const grantTypes = req.params.all('grant_type');
  if (grantTypes.length === 0) throw invalidRequest('The grant_type parameter is required.');
  const grantType = deps.grantTypes.get(grantTypes[0]!);
  req.params.assertSingle(new Set(grantType?.repeatable ?? []));
  if (!grantType) throw new OAuthError('unsupported_grant_type', `The grant type ${grantTypes[0]} is not supported.`);
  const params = strip(req.params, grantType.parameters);
  const client = await authenticateClient({
    authorization: req.authorization,
    params,
    tenant: req.tenant,
    realm: req.issuer,
    nowMs: deps.clock.now(),
    address: req.address,
    guard: deps.guard,
  });
  if (!client.entry.client.grantTypes.includes(grantType.name)) {
    throw new OAuthError('unauthorized_client', `The client is not allowed to use the ${grantType.name} grant type.`);
  }
  const response = await grantType.handle({ params, client, tenant: req.tenant, issuer: req.issuer, clock: deps.clock });
  return { response, client };
}
