import { SCOPE_TOKEN } from '../apis/model.js';
import { claimMappingsFieldErrors } from '../claims/rules.js';
import type { FieldError } from '../errors.js';
import { quotaFieldErrors } from '../quotas/model.js';
import { x5cFieldErrors } from './certificates.js';
import { jwksFieldErrors, jwksUriProblem } from './keys.js';
import { isConfidential, TLS_CLIENT_AUTH_FIELDS, type Client, type TokenEndpointAuthMethod } from './model.js';
import { tlsClientAuthMember, tlsClientAuthProblem } from './tls-names.js';

/**
 * Grant types a client may register: client_credentials, the JWT bearer grant (RFC 7523 §2.1) a
 * federated token is exchanged with, and token exchange (RFC 8693 §2.1).
 */
export const REGISTRABLE_GRANT_TYPES = [
  'client_credentials',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange',
] as const;

/** The field errors of a client's metadata, empty when it is consistent. */
export function clientFieldErrors(c: Client): FieldError[] {
  const errors: FieldError[] = [];
  c.grantTypes.forEach((g, i) => {
    if (!(REGISTRABLE_GRANT_TYPES as readonly string[]).includes(g)) {
      errors.push({ pointer: `/grant_types/${i}`, detail: `unsupported grant type ${JSON.stringify(g)}; supported: ${REGISTRABLE_GRANT_TYPES.join(', ')}` });
    }
  });
  if (!isConfidential(c.clientType)) {
    if (c.grantTypes.includes('client_credentials')) {
      errors.push({ pointer: '/grant_types', detail: `a ${c.clientType} client is public and may not use client_credentials` });
    }
    if (c.grantTypes.includes('urn:ietf:params:oauth:grant-type:token-exchange')) {
      errors.push({ pointer: '/grant_types', detail: `a ${c.clientType} client is public and may not exchange tokens` });
    }
    if (c.tokenEndpointAuthMethod !== null) {
      errors.push({ pointer: '/token_endpoint_auth_method', detail: `a ${c.clientType} client is public and has no secret` });
    }
    if (c.federatedCredentials.length > 0) {
      errors.push({ pointer: '/federated_credentials', detail: `a ${c.clientType} client is public and does not authenticate` });
    }
  }
  errors.push(...keyFieldErrors(c), ...tlsFieldErrors(c), ...quotaFieldErrors(c.tokenQuota));
  for (const token of c.scope.split(' ').filter(Boolean)) {
    if (!SCOPE_TOKEN.test(token)) errors.push({ pointer: '/scope', detail: `invalid scope token ${JSON.stringify(token)}` });
  }
  if (new Set(c.audience).size !== c.audience.length) errors.push({ pointer: '/audience', detail: 'audience values must be distinct' });
  errors.push(...claimMappingsFieldErrors(c.claimMappings, c.tokenEndpointAuthMethod, '/claim_mappings'));
  return errors;
}

/** The methods that authenticate with the client's registered keys: private_key_jwt (RFC 7523 §2.2) and self_signed_tls_client_auth (RFC 8705 §2.2). */
const KEY_METHODS: readonly (TokenEndpointAuthMethod | null)[] = ['private_key_jwt', 'self_signed_tls_client_auth'];

/** The methods of KEY_METHODS need exactly one of `jwks` and `jwks_uri`; other methods use neither. */
function keyFieldErrors(c: Client): FieldError[] {
  const errors: FieldError[] = [];
  if (KEY_METHODS.includes(c.tokenEndpointAuthMethod)) {
    if ((c.jwks === null) === (c.jwksUri === null)) {
      errors.push({ pointer: '/jwks', detail: `${String(c.tokenEndpointAuthMethod)} needs exactly one of jwks and jwks_uri` });
    }
  } else if (c.jwks !== null || c.jwksUri !== null) {
    errors.push({
      pointer: c.jwks !== null ? '/jwks' : '/jwks_uri',
      detail: 'jwks and jwks_uri are used only with token_endpoint_auth_method private_key_jwt or self_signed_tls_client_auth',
    });
  }
  if (c.jwks !== null) {
    const keyErrors = jwksFieldErrors(c.jwks);
    errors.push(...(keyErrors.length > 0 ? keyErrors : x5cFieldErrors(c.jwks)));
  }
  if (c.jwksUri !== null) {
    const problem = jwksUriProblem(c.jwksUri);
    if (problem) errors.push({ pointer: '/jwks_uri', detail: problem });
  }
  return errors;
}

/**
 * tls_client_auth (RFC 8705 §2.1) names exactly one subject or SAN field, which no other method has; a token is bound to
 * a certificate (RFC 8705 §3) or a DPoP key (RFC 9449), not both, and only a confidential client's.
 */
function tlsFieldErrors(c: Client): FieldError[] {
  const errors: FieldError[] = [];
  if (c.tokenEndpointAuthMethod === 'tls_client_auth') {
    if (c.tlsClientAuth === null) {
      const names = TLS_CLIENT_AUTH_FIELDS.map(tlsClientAuthMember).join(', ');
      errors.push({ pointer: '/token_endpoint_auth_method', detail: `tls_client_auth needs exactly one of ${names}` });
    }
  } else if (c.tlsClientAuth !== null) {
    const member = tlsClientAuthMember(c.tlsClientAuth.field);
    errors.push({ pointer: `/${member}`, detail: `${member} is used only with token_endpoint_auth_method tls_client_auth` });
  }
  if (c.tlsClientAuth !== null) {
    const problem = tlsClientAuthProblem(c.tlsClientAuth);
    if (problem) errors.push({ pointer: `/${tlsClientAuthMember(c.tlsClientAuth.field)}`, detail: problem });
  }
  if (c.tlsClientCertificateBoundAccessTokens) {
    const pointer = '/tls_client_certificate_bound_access_tokens';
    if (!isConfidential(c.clientType)) errors.push({ pointer, detail: `a ${c.clientType} client is public and does not authenticate` });
    if (c.dpopBoundAccessTokens) {
      errors.push({ pointer, detail: 'a token is bound to a certificate or to a DPoP key, not both: dpop_bound_access_tokens is also true' });
    }
  }
  return errors;
}
