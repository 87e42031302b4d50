import { federatedIssuerOf, unverifiedClaims, verifyFederatedToken, type FederationDeps } from '../client-auth/federated.js';
import { assertionAudiences } from '../client-auth/private-key-jwt.js';
import { invalidRequest, OAuthError } from '../errors.js';
import { ACCESS_TOKEN_PARAMETERS, accessTokenResponse } from './access-token-response.js';
import type { GrantType } from './registry.js';

/** The grant type of RFC 7523 §2.1: a JWT as the authorization grant. */
export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** The one public answer to every refused assertion of the grant. */
function invalidAssertion(detail: string): OAuthError {
  return new OAuthError('invalid_grant', 'The assertion is not valid.', { detail });
}

/**
 * The JWT bearer grant (RFC 7523 §2.1 and §3) with a federated issuer's token as `assertion`:
 * the token is issued to the one client whose federated credential the verified token matches,
 * with or without client authentication (when authenticated, the client must be that one; when
 * not, `client_id` if sent must name it). Only federated issuers' tokens are accepted. Scope,
 * audience and resource as for client_credentials; the token's `exp` never exceeds the
 * assertion's unless its issuer allows longer (RFC 7521 §4.1).
 */
export function jwtBearer(federation: FederationDeps): GrantType {
  return {
    name: JWT_BEARER_GRANT_TYPE,
    parameters: ['assertion', ...ACCESS_TOKEN_PARAMETERS],
    repeatable: ['audience', 'resource'],
    async clientOfGrant({ params, tenant, issuer, nowMs, authenticated, identified }) {
      const assertion = params.get('assertion');
      if (assertion === undefined) throw invalidRequest('The assertion parameter is required.');
      const clientId = authenticated ? authenticated.entry.client.clientId : params.get('client_id');
      const claims = unverifiedClaims(assertion);
      const input = {
        token: assertion,
        claims,
        tenant,
        defaultAudiences: assertionAudiences(issuer),
        nowMs,
        clientId,
        via: 'jwt_bearer_grant' as const,
        identified,
        fail: invalidAssertion,
      };
      const { entry, identity } = await verifyFederatedToken(input, federatedIssuerOf(tenant, claims), federation);
      return authenticated ? { ...authenticated, federated: identity } : { entry, method: 'federated', secretId: null, federated: identity };
    },
    handle: accessTokenResponse,
  };
}
