import type { FieldError } from '../errors.js';
import { grantKey, type ConfigDocument } from './document.js';

/**
 * One error per object whose natural key an earlier object of the same list (at `list`) already
 * has, pointing at the later one's `member` (the object itself for a grant).
 */
function repeated<T>(items: readonly T[] | undefined, key: (item: T) => string, list: string, member: string | null, what: string): FieldError[] {
  const first = new Map<string, number>();
  const errors: FieldError[] = [];
  (items ?? []).forEach((item, i) => {
    const k = key(item);
    const earlier = first.get(k);
    if (earlier === undefined) first.set(k, i);
    else
      errors.push({ pointer: `${list}/${i}${member === null ? '' : `/${member}`}`, detail: `${what} ${JSON.stringify(k)} is already at ${list}/${earlier}` });
  });
  return errors;
}

/** The document's repeated natural keys: tenant ids, and within a tenant API identifiers, user_names, client ids, issuers and grants. */
export function duplicateErrors(document: ConfigDocument): FieldError[] {
  const errors = repeated(document.tenants, (t) => t.id, '/tenants', 'id', 'tenant');
  document.tenants.forEach((t, n) => {
    const base = `/tenants/${n}`;
    errors.push(
      ...repeated(t.apis, (a) => a.identifier, `${base}/apis`, 'identifier', 'API'),
      ...repeated(t.service_accounts, (sa) => sa.user_name, `${base}/service_accounts`, 'user_name', 'service account'),
      ...repeated(t.clients, (c) => c.client_id, `${base}/clients`, 'client_id', 'client'),
      ...repeated(t.federated_issuers, (f) => f.issuer, `${base}/federated_issuers`, 'issuer', 'federated issuer'),
      ...repeated(t.grants, grantKey, `${base}/grants`, null, 'grant'),
    );
  });
  return errors;
}
