import { CLIENT_ASSERTION_TYPES } from './client-auth/federated.js';
import { CLIENT_ASSERTION_ALGS } from './client-auth/private-key-jwt.js';
import { DPOP_SIGNING_ALGS } from './dpop.js';

/** Client authentication methods of the token, introspection and revocation endpoints alike (one listener: no mtls_endpoint_aliases, RFC 8705 §5). */
const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'];

/** Authorization server metadata (RFC 8414 §2) of one issuer. */
export function authorizationServerMetadata(input: { issuer: string; grantTypes: string[]; signingAlg: string }): Record<string, unknown> {
  const { issuer } = input;
  return {
    issuer,
    token_endpoint: `${issuer}/oauth2/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    grant_types_supported: input.grantTypes,
    token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    introspection_endpoint: `${issuer}/oauth2/introspect`,
    introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    revocation_endpoint: `${issuer}/oauth2/revoke`,
    revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    // An extension member: RFC 7523 §2.2 jwt-bearer and draft-ietf-oauth-spiffe-client-auth's jwt-spiffe (federated issuers' tokens).
    client_assertion_types_supported: [...CLIENT_ASSERTION_TYPES],
    introspection_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    revocation_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGS],
    response_types_supported: [],
    scopes_supported: [],
    access_token_signing_alg_values_supported: [input.signingAlg],
    dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGS],
    // RFC 8705 §3.3.
    tls_client_certificate_bound_access_tokens: true,
  };
}
