import type { TenantState } from '../domain/read-model/tenant-state.js';
import type { BruteForceGuard } from './brute-force.js';
import { authenticateClient, type AuthenticatedClient, type ClientAuthDeps } from './client-auth/index.js';
import { invalidRequest } from './errors.js';
import { assertNoQueryParameters, type RequestParams } from './params.js';
import type { PresentedCertificate } from './presented-certificate.js';

/** A request to an endpoint where a client authenticates as at the token endpoint (introspection, revocation). */
export interface ClientEndpointRequest {
  tenant: TenantState;
  issuer: string;
  authorization: string | undefined;
  /** Source address of the request (brute-force protection). */
  address: string;
  /** Names of query string parameters: none are allowed (RFC 6749 §2.3.1). */
  queryParameters: string[];
  params: RequestParams;
  /** The client certificate of the request (RFC 8705 §2), or null. */
  certificate: PresentedCertificate | null;
}

/**
 * The common front of RFC 7662 §2.1 and RFC 7009 §2.1 requests: parameters in the body only, each
 * at most once, and client authentication by the token endpoint's rules (RFC 6749 §2.3), with its
 * one public invalid_client.
 */
export async function authenticateEndpointClient(
  req: ClientEndpointRequest,
  nowMs: number,
  deps: { clientAuth: ClientAuthDeps; guard: BruteForceGuard },
): Promise<AuthenticatedClient> {
  assertNoQueryParameters(req.queryParameters);
  req.params.assertSingle([]);
  return authenticateClient(
    {
      authorization: req.authorization,
      params: req.params,
      tenant: req.tenant,
      realm: req.issuer,
      nowMs,
      address: req.address,
      guard: deps.guard,
      certificate: req.certificate,
    },
    deps.clientAuth,
  );
}

/** The required `token` parameter of RFC 7662 §2.1 and RFC 7009 §2.1. */
export function tokenParameter(params: RequestParams): string {
  const token = params.get('token');
  if (token === undefined) throw invalidRequest('The token parameter is required.');
  return token;
}
