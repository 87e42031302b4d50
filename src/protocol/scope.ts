import { SCOPE_TOKEN, splitScope } from '../domain/apis/model.js';
import { invalidScope } from './errors.js';

/** Parses the `scope` parameter: space-delimited scope-tokens (RFC 6749 §3.3); undefined when absent. */
export function parseScopeParameter(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const scopes = splitScope(value);
  for (const s of scopes) {
    if (!SCOPE_TOKEN.test(s)) throw invalidScope('The scope parameter is malformed.');
  }
  return scopes.length > 0 ? scopes : undefined;
}
