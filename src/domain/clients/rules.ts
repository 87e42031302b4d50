import { SCOPE_TOKEN } from '../apis/model.js';
import type { FieldError } from '../errors.js';
import { jwksFieldErrors, jwksUriProblem } from './keys.js';
import { isConfidential, type Client } from './model.js';

/** Grant types a client may register: client_credentials, and the JWT bearer grant (RFC 7523 §2.1) a federated token is exchanged with. */
export const REGISTRABLE_GRANT_TYPES = ['client_credentials', 'urn:ietf:params:oauth:grant-type:jwt-bearer'] as const;

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
    if (c.tokenEndpointAuthMethod !== null) {
      errors.push({ pointer: '/token_endpoint_auth_method', detail: `a ${c.clientType} client is public and has no secret` });
    }
    if (c.federatedCredentials.length > 0) {
      errors.push({ pointer: '/federated_credentials', detail: `a ${c.clientType} client is public and does not authenticate` });
    }
  }
  errors.push(...keyFieldErrors(c));
  for (const token of c.scope.split(' ').filter(Boolean)) {
    if (!SCOPE_TOKEN.test(token)) errors.push({ pointer: '/scope', detail: `invalid scope token ${JSON.stringify(token)}` });
  }
  if (new Set(c.audience).size !== c.audience.length) errors.push({ pointer: '/audience', detail: 'audience values must be distinct' });
  return errors;
}

/** private_key_jwt (RFC 7523 §2.2) needs exactly one of `jwks` and `jwks_uri`; other methods use neither. */
function keyFieldErrors(c: Client): FieldError[] {
  const errors: FieldError[] = [];
  if (c.tokenEndpointAuthMethod === 'private_key_jwt') {
    if ((c.jwks === null) === (c.jwksUri === null)) {
      errors.push({ pointer: '/jwks', detail: 'private_key_jwt needs exactly one of jwks and jwks_uri' });
    }
  } else if (c.jwks !== null || c.jwksUri !== null) {
    errors.push({
      pointer: c.jwks !== null ? '/jwks' : '/jwks_uri',
      detail: 'jwks and jwks_uri are used only with token_endpoint_auth_method private_key_jwt',
    });
  }
  if (c.jwks !== null) errors.push(...jwksFieldErrors(c.jwks));
  if (c.jwksUri !== null) {
    const problem = jwksUriProblem(c.jwksUri);
    if (problem) errors.push({ pointer: '/jwks_uri', detail: problem });
  }
  return errors;
}
