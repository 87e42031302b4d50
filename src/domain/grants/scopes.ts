import type { Api } from '../apis/model.js';
import type { FieldError } from '../errors.js';

/** The field errors of the `scopes` of a grant that `api` does not define, pointed at `{at}/{i}`. */
export function undefinedScopeErrors(api: Api, scopes: readonly string[], at = '/scopes'): FieldError[] {
  const defined = new Set(api.scopes.map((s) => s.value));
  return scopes.flatMap((s, i) => (defined.has(s) ? [] : [{ pointer: `${at}/${i}`, detail: `the API does not define scope ${JSON.stringify(s)}` }]));
}
