import type { ApiConfig, ClientConfig, GrantConfig, ProvidedSecret } from '../../domain/configuration/document.js';
import {
  CLIENT_CREDENTIALS,
  clampTtl,
  clientIdProblem,
  given,
  isCarriableSecret,
  isScopeValue,
  quoted,
  record,
  records,
  tenantDocument,
  text,
  texts,
  type Conversion,
  type ConversionOptions,
} from './conversion.js';

/** An Auth0 Deploy CLI export, as its directory or YAML format holds it (Management API shapes). */
export interface Auth0Export {
  clients: unknown[];
  resourceServers: unknown[];
  clientGrants: unknown[];
}

/** Auth0's own APIs (the Management API `https://TENANT.auth0.com/api/v2/`, My Account `…/me/`): no equivalent in Tessera. */
const AUTH0_OWN_API = /^https:\/\/[^/]+\.auth0\.com\//;

/** Auth0 application types Tessera has no client for, as Auth0's dashboard names them. */
const APP_TYPES: Record<string, string> = {
  spa: 'a single-page application',
  native: 'a native application',
  regular_web: 'a regular web application',
  resource_server: 'a resource server client (token exchange)',
};

/** The APIs of the export, keyed by identifier; Auth0's own are reported and left out. */
function auth0Apis(servers: Record<string, unknown>[], report: string[]): Map<string, ApiConfig> {
  const apis = new Map<string, ApiConfig>();
  for (const server of servers) {
    const identifier = text(server.identifier);
    const name = `API ${quoted(identifier ?? text(server.name) ?? '')}`;
    if (!identifier) {
      report.push(`${name}: skipped: it has no identifier.`);
      continue;
    }
    if (AUTH0_OWN_API.test(identifier) || server.is_system === true) {
      report.push(`${name}: skipped: Auth0's own API; Tessera's admin API (urn:tessera:admin) takes its place.`);
      continue;
    }
    const api: ApiConfig = { identifier, ...given('name', text(server.name)), scopes: [] };
    for (const scope of records(server.scopes)) {
      const value = text(scope.value) ?? '';
      if (!isScopeValue(value)) report.push(`${name}: scope ${quoted(value)} dropped: not a valid scope token (RFC 6749 section 3.3).`);
      else api.scopes?.push({ value, ...given('description', text(scope.description)) });
    }
    if (api.scopes?.length === 0) delete api.scopes;
    if (typeof server.token_lifetime === 'number') {
      const { ttl, clamped } = clampTtl(server.token_lifetime);
      api.access_token_ttl = ttl;
      if (clamped) report.push(`${name}: token_lifetime ${server.token_lifetime} s set to ${ttl} s: Tessera's lifetimes are 60 to 86400 seconds.`);
    }
    if (text(server.signing_alg) === 'HS256')
      report.push(`${name}: HS256 not carried over: Tessera signs with the tenant's asymmetric key; verify with its JWKS.`);
    if (server.enforce_policies === true) report.push(`${name}: RBAC (enforce_policies) not carried over: Tessera's tokens carry scope, no permissions claim.`);
    apis.set(identifier, api);
  }
  return apis;
}

/**
 * Turns an Auth0 Deploy CLI export (clients, resource servers, client grants) into a configuration document for one tenant
 * (`default` unless `tenant` is given). Machine-to-machine applications become clients (new secrets: exports hold none),
 * resource servers APIs, client grants grants.
 */
export function convertAuth0(source: Auth0Export, options: ConversionOptions = {}): Conversion {
  const tenant = options.tenant ?? 'default';
  const report: string[] = [];
  const apis = auth0Apis(records(source.resourceServers), report);
  const clients: ClientConfig[] = [];
  const secrets: ProvidedSecret[] = [];
  /** Client grants name a client by its name (the Deploy CLI replaces ids with names), or by its id. */
  const clientIdOf = new Map<string, string>();
  for (const app of records(source.clients)) {
    const appName = text(app.name) ?? '';
    const id = text(app.client_id) ?? appName;
    const name = `client ${quoted(id)}${appName && appName !== id ? ` (${appName})` : ''}`;
    const appType = text(app.app_type);
    if (appType !== 'non_interactive') {
      const what = (appType && APP_TYPES[appType]) ?? `application type ${quoted(appType ?? '(none)')}`;
      report.push(`${name}: skipped: ${what}; Tessera serves machine-to-machine applications only.`);
      continue;
    }
    const idProblem = clientIdProblem(id);
    if (idProblem !== undefined) {
      report.push(`${name}: skipped: ${idProblem}.`);
      continue;
    }
    const grantTypes = Array.isArray(app.grant_types) ? texts(app.grant_types) : [CLIENT_CREDENTIALS];
    if (!grantTypes.includes(CLIENT_CREDENTIALS)) {
      report.push(`${name}: skipped: client_credentials is not among its grant types.`);
      continue;
    }
    const dropped = grantTypes.filter((g) => g !== CLIENT_CREDENTIALS);
    if (dropped.length > 0) report.push(`${name}: grant types ${dropped.join(', ')} dropped: Tessera serves client_credentials only.`);
    if (app.client_id === undefined) {
      report.push(`${name}: the export has no client_id (export with AUTH0_EXPORT_IDENTIFIERS=true to keep it): the client id is the application's name.`);
    }
    const client: ClientConfig = { client_id: id, ...(appName && appName !== id ? { client_name: appName } : {}) };
    const method = text(app.token_endpoint_auth_method);
    if (method === 'client_secret_basic' || method === 'client_secret_post') client.token_endpoint_auth_method = method;
    if (record(app.client_authentication_methods).private_key_jwt !== undefined) {
      report.push(`${name}: Private Key JWT credentials are not in the export: the client gets a secret; register its keys (jwks) to use private_key_jwt.`);
    }
    const secret = text(app.client_secret);
    if (secret && isCarriableSecret(secret)) secrets.push({ tenant, client_id: id, client_secret: secret });
    else report.push(`${name}: new client secret: Auth0 exports hold no secrets; apply prints the new one once, hand it to the client's owner.`);
    clients.push(client);
    clientIdOf.set(id, id);
    if (appName) clientIdOf.set(appName, id);
  }
  const grants = new Map<string, GrantConfig>();
  for (const g of records(source.clientGrants)) {
    const ref = text(g.client_id) ?? '';
    const audience = text(g.audience) ?? '';
    const name = `client grant ${quoted(ref)} > ${quoted(audience)}`;
    const client = clientIdOf.get(ref);
    const api = apis.get(audience);
    if (client === undefined || api === undefined) {
      const why =
        client === undefined ? 'its application was not imported' : AUTH0_OWN_API.test(audience) ? "it is for Auth0's own API" : 'its API is not in the export';
      report.push(`${name}: skipped: ${why}.`);
      continue;
    }
    const defined = new Set(api.scopes?.map((s) => s.value));
    const scopes = texts(g.scope);
    const unknown = scopes.filter((s) => !defined.has(s));
    if (unknown.length > 0) report.push(`${name}: scopes ${unknown.map(quoted).join(', ')} dropped: the API does not define them.`);
    const kept = [...new Set(scopes.filter((s) => defined.has(s)))];
    const key = `${client}>${audience}`;
    const existing = grants.get(key);
    grants.set(key, { client, api: audience, scopes: [...new Set([...(existing?.scopes ?? []), ...kept])] });
  }
  return { document: tenantDocument({ id: tenant }, [...apis.values()], clients, [...grants.values()]), secrets, report };
}
