import { ADMIN_API_IDENTIFIER } from '../admin-scopes.js';
import type { ApiConfig, ClientConfig, FederatedIssuerConfig, GrantConfig, ServiceAccountConfig, TenantConfig } from './document.js';
import { grantKey } from './document.js';
import {
  apiForm,
  clientForm,
  desiredApi,
  desiredClient,
  desiredIssuer,
  desiredServiceAccount,
  grantForm,
  issuerForm,
  serviceAccountForm,
  withoutDefaults,
} from './forms.js';
import type { TenantState } from './state.js';

/** Sorts by a string key, code unit order (the same on every machine). */
function sortedBy<T>(items: readonly T[], key: (t: T) => string): T[] {
  return [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * A tenant as a document: every setting, its objects sorted by natural key, members at their
 * create default left out, lists that are empty left out, never a secret; the built-in API only
 * when its token lifetime is set.
 */
export function exportTenant(state: TenantState): TenantConfig {
  const tenant = state.tenant;
  if (!tenant) throw new Error('exportTenant: no tenant');
  const userNames = new Map(state.serviceAccounts.map((sa) => [sa.id, sa.userName]));
  const issuerNames = new Map(state.issuers.map((i) => [i.id, i.issuer]));
  const identifiers = new Map(state.apis.map((a) => [a.id, a.identifier]));

  const apis: ApiConfig[] = sortedBy(state.apis, (a) => a.identifier).flatMap((a) => {
    if (a.builtIn) return a.accessTokenTtl === null ? [] : [{ identifier: ADMIN_API_IDENTIFIER, access_token_ttl: a.accessTokenTtl }];
    const form = apiForm(a);
    const api = withoutDefaults(form, desiredApi({ identifier: a.identifier }), ['identifier']) as ApiConfig;
    if (api.scopes) api.scopes = api.scopes.map((s) => (s.description === '' ? { value: s.value } : s));
    return [api];
  });
  const serviceAccounts: ServiceAccountConfig[] = sortedBy(state.serviceAccounts, (sa) => sa.userName).map(
    (sa) => withoutDefaults(serviceAccountForm(sa), desiredServiceAccount({ user_name: sa.userName }), ['user_name']) as ServiceAccountConfig,
  );
  const clients: ClientConfig[] = sortedBy(state.clients, (c) => c.clientId).map((c) => {
    const form = clientForm(c, userNames, issuerNames);
    const client = withoutDefaults(form, desiredClient({ client_id: c.clientId, client_type: c.clientType }), ['client_id']) as ClientConfig;
    if (c.clientType === desiredClient({ client_id: c.clientId }).client_type) delete client.client_type;
    if (client.federated_credentials) {
      client.federated_credentials = client.federated_credentials.map((f) =>
        Object.keys(f.claims ?? {}).length === 0 ? { issuer: f.issuer, subject: f.subject } : f,
      );
    }
    return client;
  });
  const grants: GrantConfig[] = sortedBy(
    state.grants.map((g) => grantForm(g, userNames, identifiers)),
    grantKey,
  );
  const issuers: FederatedIssuerConfig[] = sortedBy(state.issuers, (i) => i.issuer).map(
    (i) => withoutDefaults(issuerForm(i), desiredIssuer({ issuer: i.issuer }), ['issuer']) as FederatedIssuerConfig,
  );
  return {
    id: tenant.id,
    name: tenant.name,
    signing_alg: tenant.signingAlg,
    access_token_ttl: tenant.accessTokenTtl,
    ...(tenant.tlsClientCas.length > 0 ? { tls_client_cas: tenant.tlsClientCas } : {}),
    ...(apis.length > 0 ? { apis } : {}),
    ...(serviceAccounts.length > 0 ? { service_accounts: serviceAccounts } : {}),
    ...(clients.length > 0 ? { clients } : {}),
    ...(grants.length > 0 ? { grants } : {}),
    ...(issuers.length > 0 ? { federated_issuers: issuers } : {}),
  };
}
