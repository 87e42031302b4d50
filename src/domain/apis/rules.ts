import type { FieldError } from '../errors.js';
import { RESERVED_IDENTIFIER_PREFIX } from './built-in.js';
import { SCOPE_TOKEN, type ApiScope } from './model.js';

/** An API's scopes as stored (description '' when absent), with the field errors of their values (RFC 6749 §3.3 scope tokens, no repeats). */
export function normaliseScopes(input: readonly { value: string; description?: string | undefined }[] | undefined): {
  scopes: ApiScope[];
  errors: FieldError[];
} {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const scopes: ApiScope[] = [];
  (input ?? []).forEach((s, i) => {
    if (!SCOPE_TOKEN.test(s.value)) errors.push({ pointer: `/scopes/${i}/value`, detail: `invalid scope token ${JSON.stringify(s.value)}` });
    else if (seen.has(s.value)) errors.push({ pointer: `/scopes/${i}/value`, detail: `duplicate scope ${JSON.stringify(s.value)}` });
    seen.add(s.value);
    scopes.push({ value: s.value, description: s.description ?? '' });
  });
  return { scopes, errors };
}

/** An identifier under `urn:tessera:` belongs to Tessera's own APIs. */
export function reservedIdentifierError(identifier: string | undefined): FieldError[] {
  if (identifier === undefined || !identifier.startsWith(RESERVED_IDENTIFIER_PREFIX)) return [];
  return [{ pointer: '/identifier', detail: `identifiers starting ${RESERVED_IDENTIFIER_PREFIX} are reserved for Tessera` }];
}
