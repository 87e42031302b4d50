import { SCOPE_TOKEN } from '../apis/model.js';
import type { FieldError } from '../errors.js';
import { isConfidential, type Client } from './model.js';

/** Grant types a client may register today (more arrive with their handlers). */
export const REGISTRABLE_GRANT_TYPES = ['client_credentials'] as const;

/** The field errors of a client's metadata, empty when it is consistent. */
export function clientFieldErrors(c: Client): FieldError[] {
  const errors: FieldError[] = [];
  c.grantTypes.forEach((g, i) => {
    if (!(REGISTRABLE_GRANT_TYPES as readonly string[]).includes(g)) {
      errors.push({ pointer: `/grant_types/${i}`, detail: `unsupported grant type ${JSON.stringify(g)}; supported: client_credentials` });
    }
  });
  if (!isConfidential(c.clientType)) {
    if (c.grantTypes.includes('client_credentials')) {
      errors.push({ pointer: '/grant_types', detail: `a ${c.clientType} client is public and may not use client_credentials` });
    }
    if (c.tokenEndpointAuthMethod !== null) {
      errors.push({ pointer: '/token_endpoint_auth_method', detail: `a ${c.clientType} client is public and has no secret` });
    }
  }
  for (const token of c.scope.split(' ').filter(Boolean)) {
    if (!SCOPE_TOKEN.test(token)) errors.push({ pointer: '/scope', detail: `invalid scope token ${JSON.stringify(token)}` });
  }
  if (new Set(c.audience).size !== c.audience.length) errors.push({ pointer: '/audience', detail: 'audience values must be distinct' });
  return errors;
}
