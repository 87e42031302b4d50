import type { FieldError } from '../errors.js';
import { grantKey, type ConfigDocument } from './document.js';

/** One error per object whose natural key an earlier object of the same list already has (pointing at the later one). */
function repeated<T>(items: readonly T[] | undefined, key: (item: T) => string, pointer: (i: number) => string, what: string): FieldError[] {
  const first = new Map<string, number>();
  const errors: FieldError[] = [];
  (items ?? []).forEach((item, i) => {
    const k = key(item);
    const earlier = first.get(k);
    if (earlier === undefined) first.set(k, i);
    else errors.push({ pointer: pointer(i), detail: `repeats the ${what} ${JSON.stringify(k)} of ${pointer(earlier)}` });
  });
  return errors;
}

/** The document's repeated natural keys: tenant ids, and within a tenant API identifiers, user_names, client ids, issuers and grants. */
export function duplicateErrors(document: ConfigDocument): FieldError[] {
  const errors = repeated(
    document.tenants,
    (t) => t.id,
    (i) => `/tenants/${i}/id`,
    'tenant id',
  );
  document.tenants.forEach((t, n) => {
    const base = `/tenants/${n}`;
    errors.push(
      ...repeated(
        t.apis,
        (a) => a.identifier,
        (i) => `${base}/apis/${i}/identifier`,
        'identifier',
      ),
      ...repeated(
        t.service_accounts,
        (sa) => sa.user_name,
        (i) => `${base}/service_accounts/${i}/user_name`,
        'user_name',
      ),
      ...repeated(
        t.clients,
        (c) => c.client_id,
        (i) => `${base}/clients/${i}/client_id`,
        'client_id',
      ),
      ...repeated(
        t.federated_issuers,
        (f) => f.issuer,
        (i) => `${base}/federated_issuers/${i}/issuer`,
        'issuer',
      ),
      ...repeated(t.grants, grantKey, (i) => `${base}/grants/${i}`, 'grant'),
    );
  });
  return errors;
}
