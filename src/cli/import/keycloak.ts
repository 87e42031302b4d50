import { X509Certificate } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import type { ApiConfig, ClientConfig, GrantConfig, ProvidedSecret } from '../../domain/configuration/document.js';
import {
  clampTtl,
  clientIdProblem,
  given,
  isCarriableSecret,
  isScopeValue,
  quoted,
  record,
  records,
  tenantDocument,
  tenantIdFrom,
  text,
  texts,
  type Conversion,
  type ConversionOptions,
} from './conversion.js';

/** The clients every Keycloak realm has: Keycloak's own consoles and APIs. */
export const KEYCLOAK_BUILT_IN_CLIENTS = ['account', 'account-console', 'admin-cli', 'broker', 'realm-management', 'security-admin-console'] as const;

/** The client scopes Keycloak creates in every realm: OpenID Connect claims, not permissions. */
const BUILT_IN_SCOPES = new Set([
  'acr',
  'address',
  'basic',
  'email',
  'microprofile-jwt',
  'offline_access',
  'organization',
  'phone',
  'profile',
  'role_list',
  'roles',
  'saml_organization',
  'service_account',
  'web-origins',
]);

/** Realm roles every user gets: nothing to carry over. */
const isDefaultRealmRole = (role: string) => role.startsWith('default-roles-') || role === 'offline_access' || role === 'uma_authorization';

/** What Keycloak's admin console writes in place of a secret in a partial export. */
const MASKED_SECRET = /^\*+$/;

const AUDIENCE_MAPPER = 'oidc-audience-mapper';

/** The audience an `oidc-audience-mapper` of `mappers` adds to access tokens, if any. */
function mappedAudience(mappers: unknown): string | undefined {
  for (const mapper of records(mappers)) {
    if (text(mapper.protocolMapper) !== AUDIENCE_MAPPER) continue;
    const config = record(mapper.config);
    const audience = text(config['included.custom.audience']) || text(config['included.client.audience']);
    if (audience) return audience;
  }
  return undefined;
}

/** The public key of a base64 DER certificate (Keycloak's `jwt.credential.certificate`) as a JWK Set, or undefined when it is not one. */
function certificateJwks(base64: string): JSONWebKeySet | undefined {
  try {
    const cert = new X509Certificate(Buffer.from(base64, 'base64'));
    return { keys: [cert.publicKey.export({ format: 'jwk' })] };
  } catch {
    return undefined;
  }
}

/** Adds `scopes` to the grant of (client, api), creating it. */
function grantScopes(grants: Map<string, GrantConfig>, client: string, api: string, scopes: string[]): void {
  const key = `${client}>${api}`;
  const grant = grants.get(key) ?? { client, api, scopes: [] };
  for (const s of scopes) if (!grant.scopes.includes(s)) grant.scopes.push(s);
  grants.set(key, grant);
}

/** The APIs of a realm: one per client that defines client roles (its clientId is the `aud` Keycloak gives tokens carrying them), one per audience of the custom client scopes. */
function realmApis(realm: Record<string, unknown>, realmName: string, report: string[]): { apis: Map<string, ApiConfig>; scopeApi: Map<string, string> } {
  const apis = new Map<string, ApiConfig>();
  const names = new Map(records(realm.clients).map((c) => [text(c.clientId) ?? '', text(c.name)]));
  const addScope = (identifier: string, name: string, value: string, description: string | undefined) => {
    const api = apis.get(identifier) ?? { identifier, name, scopes: [] };
    if (!isScopeValue(value)) {
      report.push(`API ${quoted(identifier)}: ${quoted(value)} dropped: not a valid scope token (RFC 6749 section 3.3); rename it and grant it by hand.`);
    } else if (!api.scopes?.some((s) => s.value === value)) {
      api.scopes?.push({ value, ...(description ? { description } : {}) });
    }
    apis.set(identifier, api);
  };
  const builtIn = new Set<string>(KEYCLOAK_BUILT_IN_CLIENTS);
  for (const [clientId, roles] of Object.entries(record(record(realm.roles).client))) {
    if (builtIn.has(clientId)) continue;
    for (const role of records(roles)) {
      const value = text(role.name);
      if (value) addScope(clientId, names.get(clientId) || clientId, value, text(role.description));
    }
  }
  const scopeApi = new Map<string, string>();
  for (const scope of records(realm.clientScopes)) {
    const name = text(scope.name);
    if (!name || BUILT_IN_SCOPES.has(name) || (text(scope.protocol) ?? 'openid-connect') !== 'openid-connect') continue;
    const identifier = mappedAudience(scope.protocolMappers) ?? realmName;
    const apiName = identifier === realmName ? text(realm.displayName) || realmName : names.get(identifier) || identifier;
    addScope(identifier, apiName, name, text(scope.description));
    scopeApi.set(name, identifier);
  }
  return { apis, scopeApi };
}

/** Why a Keycloak client is not a machine-to-machine client, or undefined when it is one. */
function notMachineToMachine(c: Record<string, unknown>): string | undefined {
  if ((text(c.protocol) ?? 'openid-connect') !== 'openid-connect') return `a ${text(c.protocol)} client: Tessera speaks OAuth 2.0 only`;
  if (c.bearerOnly === true) return 'a bearer-only client only verifies tokens: its roles became an API if it has any';
  if (c.publicClient === true)
    return 'a public client (browser or native login): Tessera serves machine-to-machine clients only; keep it on an OpenID Connect provider';
  if (c.serviceAccountsEnabled !== true) {
    return c.standardFlowEnabled === false
      ? 'service accounts are off: it gets no client_credentials token in Keycloak either'
      : 'a browser client (standard flow, no service account): Tessera serves machine-to-machine clients only; keep it on an OpenID Connect provider';
  }
  return undefined;
}

/** How a confidential Keycloak client authenticates in Tessera: its members, and the secret it keeps if it has one. */
function authentication(c: Record<string, unknown>, name: string, report: string[]): { members: Partial<ClientConfig>; secret?: string } {
  const attributes = record(c.attributes);
  const authenticator = text(c.clientAuthenticatorType) ?? 'client-secret';
  if (authenticator === 'client-jwt') {
    if (attributes['use.jwks.url'] === 'true' && text(attributes['jwks.url']))
      return { members: { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: text(attributes['jwks.url']) ?? null } };
    const jwksString = text(attributes['jwks.string']);
    if (attributes['use.jwks.string'] === 'true' && jwksString) {
      try {
        return { members: { token_endpoint_auth_method: 'private_key_jwt', jwks: JSON.parse(jwksString) as JSONWebKeySet } };
      } catch {
        report.push(`${name}: jwks.string is not JSON: set jwks or jwks_uri before applying.`);
      }
    }
    const jwks = certificateJwks(text(attributes['jwt.credential.certificate']) ?? '');
    if (jwks) return { members: { token_endpoint_auth_method: 'private_key_jwt', jwks } };
    report.push(`${name}: signed JWT client without a JWKS URL or certificate in the export: set jwks or jwks_uri before applying.`);
    return { members: { token_endpoint_auth_method: 'private_key_jwt' } };
  }
  if (authenticator === 'client-x509') {
    const dn = text(attributes['x509.subjectdn']);
    if (!dn) report.push(`${name}: X509 client without a subject DN: set tls_client_auth_subject_dn before applying.`);
    else if (attributes['x509.allow.regex.pattern.comparison'] === 'true') {
      report.push(
        `${name}: Keycloak matches the subject DN as a regular expression, Tessera compares DNs exactly (RFC 4514): check tls_client_auth_subject_dn.`,
      );
    }
    report.push(`${name}: tls_client_auth needs the tenant's tls_client_cas: add the CA certificates of Keycloak's truststore to the tenant.`);
    return { members: { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: dn ?? null } };
  }
  if (authenticator === 'client-secret-jwt') {
    report.push(`${name}: client_secret_jwt is not supported: the client keeps its secret but must send it with client_secret_basic or client_secret_post.`);
  } else if (authenticator !== 'client-secret') {
    report.push(`${name}: client authenticator ${quoted(authenticator)} is not supported: the client authenticates with a secret.`);
  }
  const secret = text(c.secret);
  if (secret && MASKED_SECRET.test(secret)) {
    report.push(`${name}: new client secret: the export hides the secret (an admin console partial export); export with kc.sh export to keep it.`);
    return { members: {} };
  }
  if (!secret || !isCarriableSecret(secret)) {
    report.push(
      `${name}: new client secret: ${secret ? 'the secret is not 16 to 512 printable characters' : 'the export holds no secret'}; apply prints the new one once.`,
    );
    return { members: {} };
  }
  return { members: {}, secret };
}

/**
 * Turns a Keycloak realm export (`kc.sh export --realm R --file F`, or the admin console's partial export) into a configuration
 * document for tenant `tenant` (default: the realm name made a valid tenant id). Confidential clients with service accounts
 * become clients, keeping their secrets (through the secrets file); client roles and custom client scopes become APIs and grants.
 */
export function convertKeycloak(source: unknown, options: ConversionOptions = {}): Conversion {
  const realm = record(source);
  const realmName = text(realm.realm);
  if (!realmName || !Array.isArray(realm.clients)) throw new TypeError('a Keycloak realm export is a JSON object with "realm" and "clients"');
  const tenant = options.tenant ?? tenantIdFrom(realmName);
  const report: string[] = [];
  const { apis, scopeApi } = realmApis(realm, realmName, report);
  const clients: ClientConfig[] = [];
  const secrets: ProvidedSecret[] = [];
  const grants = new Map<string, GrantConfig>();
  const builtIn = new Set<string>(KEYCLOAK_BUILT_IN_CLIENTS);
  const users = Array.isArray(realm.users) ? records(realm.users) : undefined;
  const skippedBuiltIns: string[] = [];
  for (const c of records(realm.clients)) {
    const id = text(c.clientId);
    if (id !== undefined && builtIn.has(id)) {
      skippedBuiltIns.push(id);
      continue;
    }
    const name = `client ${quoted(id ?? '')}`;
    const idProblem = clientIdProblem(id);
    const why = idProblem ?? notMachineToMachine(c);
    if (id === undefined || why !== undefined) {
      report.push(`${name}: skipped: ${why ?? 'it has no client id'}.`);
      continue;
    }
    const flows = [
      ...(c.standardFlowEnabled === true ? ['standard flow'] : []),
      ...(c.implicitFlowEnabled === true ? ['implicit flow'] : []),
      ...(c.directAccessGrantsEnabled === true ? ['direct access grants'] : []),
    ];
    if (flows.length > 0) report.push(`${name}: ${flows.join(', ')} dropped: Tessera serves client_credentials only.`);
    const { members, secret } = authentication(c, name, report);
    const client: ClientConfig = { client_id: id, ...given('client_name', text(c.name)), ...members };
    const lifespan = Number(text(record(c.attributes)['access.token.lifespan']) ?? NaN);
    if (Number.isFinite(lifespan) && lifespan > 0) {
      const { ttl, clamped } = clampTtl(lifespan);
      client.access_token_ttl = ttl;
      if (clamped) report.push(`${name}: access token lifespan ${lifespan} s set to ${ttl} s: Tessera's lifetimes are 60 to 86400 seconds.`);
    }
    if (c.enabled === false) client.active = false;
    if (secret !== undefined) secrets.push({ tenant, client_id: id, client_secret: secret });
    clients.push(client);

    for (const scope of [...texts(c.defaultClientScopes), ...texts(c.optionalClientScopes)]) {
      const api = scopeApi.get(scope);
      if (api !== undefined && apis.get(api)?.scopes?.some((s) => s.value === scope)) grantScopes(grants, id, api, [scope]);
    }
    const mappers = records(c.protocolMappers).filter((m) => text(m.protocolMapper) !== AUDIENCE_MAPPER);
    if (mappers.length > 0) {
      report.push(`${name}: protocol mappers ${mappers.map((m) => quoted(text(m.name) ?? '')).join(', ')} not carried over: Tessera adds no custom claims.`);
    }
    const audience = mappedAudience(c.protocolMappers);
    if (audience !== undefined && !apis.has(audience)) {
      report.push(`${name}: audience mapper ${quoted(audience)} not carried over: Tessera's aud is the API of a grant; create that API and grant it.`);
    }
    const account = users?.find((u) => text(u.serviceAccountClientId) === id);
    if (users === undefined || account === undefined) {
      report.push(
        `${name}: its service account's roles are not in the export: export the users with the realm (kc.sh export --users realm_file) or grant by hand.`,
      );
      continue;
    }
    for (const [roleClient, roles] of Object.entries(record(account.clientRoles))) {
      const api = apis.get(roleClient);
      const granted = texts(roles).filter((r) => api?.scopes?.some((s) => s.value === r));
      if (granted.length > 0) grantScopes(grants, id, roleClient, granted);
      const others = texts(roles).filter((r) => !granted.includes(r));
      if (others.length > 0) {
        report.push(
          `${name}: roles ${others.map(quoted).join(', ')} of ${quoted(roleClient)} not carried over: ${builtIn.has(roleClient) ? "Keycloak's own API; Tessera's admin API has admin tokens" : 'not valid scopes'}.`,
        );
      }
    }
    const realmRoles = texts(account.realmRoles).filter((r) => !isDefaultRealmRole(r));
    if (realmRoles.length > 0) {
      report.push(
        `${name}: realm roles ${realmRoles.map(quoted).join(', ')} not carried over: Tessera's permissions are scopes of an API; define them as scopes and grant them.`,
      );
    }
  }
  if (skippedBuiltIns.length > 0) report.push(`Keycloak's own clients ${skippedBuiltIns.join(', ')}: skipped.`);
  const lifespan = typeof realm.accessTokenLifespan === 'number' ? clampTtl(realm.accessTokenLifespan) : undefined;
  if (lifespan?.clamped === true) {
    report.push(
      `realm ${quoted(realmName)}: access token lifespan ${String(realm.accessTokenLifespan)} s set to ${lifespan.ttl} s: Tessera's lifetimes are 60 to 86400 seconds.`,
    );
  }
  const accessTokenLifespan = lifespan?.ttl;
  const tenantConfig = {
    id: tenant,
    ...(text(realm.displayName) || realmName ? { name: text(realm.displayName) || realmName } : {}),
    ...(accessTokenLifespan !== undefined ? { access_token_ttl: accessTokenLifespan } : {}),
  };
  return { document: tenantDocument(tenantConfig, [...apis.values()], clients, [...grants.values()]), secrets, report };
}
