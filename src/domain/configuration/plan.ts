import { isoTime } from '../../lib/clock.js';
import { sha256Hex } from '../../lib/digest.js';
import { timeOrderedId } from '../../lib/random.js';
import { ADMIN_API_IDENTIFIER } from '../admin-scopes.js';
import { BUILT_IN_API_FIXED, builtInAdminApi } from '../apis/built-in.js';
import type { Api } from '../apis/model.js';
import { normaliseScopes, reservedIdentifierError } from '../apis/rules.js';
import { usesSecret, type Client, type ClientSecret } from '../clients/model.js';
import { clientFieldErrors } from '../clients/rules.js';
import { issueSecret } from '../clients/secrets.js';
import { tlsClientAuthOfMembers } from '../clients/tls-names.js';
import { claimsFieldErrors, storedClaims } from '../claims/rules.js';
import { oversizedTokens } from '../claims/size-check.js';
import type { FieldError } from '../errors.js';
import { firstOverlap, resolveCredentials } from '../federation/credentials.js';
import { issuerSettingErrors, type TokenFiles } from '../federation/issuer-checks.js';
import type { FederatedIssuer, FederatedIssuerKind, FederationAlg } from '../federation/model.js';
import type { Grant } from '../grants/model.js';
import type { ServiceAccount } from '../service-accounts/model.js';
import { clientCaFieldErrors } from '../tenants/client-cas.js';
import { DEFAULT_TOKEN_TTL, type Tenant } from '../tenants/model.js';
import { grantKey, type ChangeAction, type TenantConfig } from './document.js';
import {
  apiForm,
  clientForm,
  desiredApi,
  desiredClient,
  desiredGrant,
  desiredIssuer,
  desiredServiceAccount,
  diffForms,
  grantForm,
  issuerForm,
  serviceAccountForm,
  type ClientForm,
  type TlsNameMember,
} from './forms.js';
import type { TenantState } from './state.js';
import { quotaOfMembers } from '../quotas/model.js';

/** One object of a plan: what happens to it, and the object as it will be stored. */
export interface Planned<T> {
  action: Exclude<ChangeAction, 'delete'>;
  key: string;
  next: T;
  /** For an update: the members that change, and their values before and after. */
  fields?: string[];
  diff?: Record<string, { from: unknown; to: unknown }>;
  /** Exists but was not managed: becomes managed. */
  adopt: boolean;
}

/** A secret for a client the plan creates: generated (`value` shown once) or brought by the caller (`value` null). */
export interface PlannedSecret {
  record: ClientSecret;
  value: string | null;
}

/** What an apply does to one tenant. */
export interface TenantPlan {
  tenantId: string;
  tenant: Planned<Tenant>;
  apis: Planned<Api>[];
  serviceAccounts: Planned<ServiceAccount>[];
  issuers: Planned<FederatedIssuer>[];
  clients: Planned<Client>[];
  grants: Planned<Grant>[];
  secrets: PlannedSecret[];
  /** Grants the document does not name whose scopes an API no longer defines: their scopes as kept. */
  trimmedGrants: { grant: Grant; scopes: string[] }[];
  deletes: { apis: Api[]; serviceAccounts: ServiceAccount[]; issuers: FederatedIssuer[]; clients: Client[]; grants: Grant[] };
}

export interface PlanInput {
  /** The tenant's place in the document (`/tenants/N`). */
  index: number;
  config: TenantConfig;
  state: TenantState;
  prune: boolean;
  nowMs: number;
  /** Secrets the caller brings for clients the apply creates, by client id, with their pointer. */
  provided: ReadonlyMap<string, { secret: string; pointer: string }>;
  tokenFiles: TokenFiles;
}

/** The members a document may give the built-in API. */
const BUILT_IN_MEMBERS = ['identifier', 'access_token_ttl'];

/** Client members that decide who authenticates as the client or what it holds (ClientsService's guarded changes). */
const GUARDED_MEMBERS: readonly string[] = [
  'client_type',
  'token_endpoint_auth_method',
  'jwks',
  'jwks_uri',
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
  'federated_credentials',
  'service_account',
];

/** Whether a planned client's change needs the caller to hold the admin scopes it holds. */
export function guardedChange(p: Planned<Client>): boolean {
  return p.action === 'create' || (p.fields ?? []).some((f) => GUARDED_MEMBERS.includes(f));
}

const at = (base: string, errors: readonly FieldError[]): FieldError[] => errors.map((e) => ({ pointer: `${base}${e.pointer}`, detail: e.detail }));

/** Compares a desired form with the stored one (if any): create, update (with fields and diff) or unchanged. */
function compare<T>(key: string, current: object | undefined, desired: object, next: T, managed: boolean): Planned<T> {
  if (current === undefined) return { action: 'create', key, next, adopt: false };
  const { fields, diff } = diffForms(current, desired);
  if (fields.length === 0) return { action: 'unchanged', key, next, adopt: !managed };
  return { action: 'update', key, next, fields, diff, adopt: !managed };
}

/** Plans one tenant of a document against its state; answers the plan and every field error found (pointers into the document). */
export function planTenant(input: PlanInput): { plan: TenantPlan; errors: FieldError[] } {
  const { index, config, state, nowMs } = input;
  const base = `/tenants/${index}`;
  const tenantId = config.id;
  const now = isoTime(nowMs);
  const errors: FieldError[] = [];
  const plan: TenantPlan = {
    tenantId,
    tenant: planTenantSettings(config, state, now, errors, base),
    apis: [],
    serviceAccounts: [],
    issuers: [],
    clients: [],
    grants: [],
    secrets: [],
    trimmedGrants: [],
    deletes: { apis: [], serviceAccounts: [], issuers: [], clients: [], grants: [] },
  };

  // APIs, by identifier; the built-in one takes its token lifetime only.
  const storedApis = new Map(state.apis.map((a) => [a.identifier, a]));
  if (state.tenant === undefined) storedApis.set(ADMIN_API_IDENTIFIER, builtInAdminApi(tenantId, nowMs));
  (config.apis ?? []).forEach((c, i) => {
    const stored = storedApis.get(c.identifier);
    if (stored?.builtIn || c.identifier === ADMIN_API_IDENTIFIER) {
      for (const member of Object.keys(c).filter((m) => !BUILT_IN_MEMBERS.includes(m))) {
        errors.push({ pointer: `${base}/apis/${i}/${member}`, detail: BUILT_IN_API_FIXED });
      }
      if (!stored) return;
      const desired = { identifier: c.identifier, access_token_ttl: c.access_token_ttl ?? null };
      const next = { ...stored, accessTokenTtl: desired.access_token_ttl };
      // A new tenant's built-in API is created with it, with the lifetime the document gives.
      const current = state.tenant === undefined ? undefined : { identifier: stored.identifier, access_token_ttl: stored.accessTokenTtl };
      plan.apis.push({ ...touched(compare(c.identifier, current, desired, next, true), now), adopt: false });
      return;
    }
    const form = desiredApi(c);
    const normalised = normaliseScopes(form.scopes);
    errors.push(...at(`${base}/apis/${i}`, [...reservedIdentifierError(c.identifier), ...normalised.errors, ...claimsFieldErrors(c.claims, '/claims')]));
    const next: Api = {
      tenantId,
      id: stored?.id ?? timeOrderedId('api_', nowMs),
      name: form.name,
      identifier: form.identifier,
      scopes: normalised.scopes,
      accessTokenTtl: form.access_token_ttl,
      dpopBoundAccessTokens: form.dpop_bound_access_tokens,
      tokenExchange: form.token_exchange,
      builtIn: false,
      claims: storedClaims(form.claims),
      createdAt: stored?.createdAt ?? now,
      updatedAt: stored?.updatedAt ?? now,
    };
    plan.apis.push(touched(compare(c.identifier, stored && apiForm(stored), form, next, stored !== undefined && state.managed.apis.has(stored.id)), now));
  });
  const namedApis = new Set(plan.apis.map((p) => p.key));
  plan.deletes.apis = input.prune ? state.apis.filter((a) => !a.builtIn && state.managed.apis.has(a.id) && !namedApis.has(a.identifier)) : [];
  const apis = finalObjects(plan.apis, state.apis, plan.deletes.apis, (a) => a.identifier);
  if (state.tenant === undefined && !apis.has(ADMIN_API_IDENTIFIER)) apis.set(ADMIN_API_IDENTIFIER, builtInAdminApi(tenantId, nowMs));

  // Service accounts, by user_name.
  const storedAccounts = new Map(state.serviceAccounts.map((sa) => [sa.userName, sa]));
  (config.service_accounts ?? []).forEach((c, i) => {
    const stored = storedAccounts.get(c.user_name);
    const form = desiredServiceAccount(c);
    errors.push(...at(`${base}/service_accounts/${i}`, claimsFieldErrors(c.claims, '/claims')));
    const next: ServiceAccount = {
      tenantId,
      id: stored?.id ?? timeOrderedId('sa_', nowMs),
      userName: form.user_name,
      displayName: form.display_name,
      active: form.active,
      claims: storedClaims(form.claims),
      createdAt: stored?.createdAt ?? now,
      updatedAt: stored?.updatedAt ?? now,
    };
    const managed = stored !== undefined && state.managed.service_accounts.has(stored.id);
    plan.serviceAccounts.push(touched(compare(c.user_name, stored && serviceAccountForm(stored), form, next, managed), now));
  });
  const namedAccounts = new Set(plan.serviceAccounts.map((p) => p.key));
  plan.deletes.serviceAccounts = input.prune
    ? state.serviceAccounts.filter((sa) => state.managed.service_accounts.has(sa.id) && !namedAccounts.has(sa.userName))
    : [];
  const accounts = finalObjects(plan.serviceAccounts, state.serviceAccounts, plan.deletes.serviceAccounts, (sa) => sa.userName);

  // Federated issuers, by issuer.
  const storedIssuers = new Map(state.issuers.map((i) => [i.issuer, i]));
  (config.federated_issuers ?? []).forEach((c, i) => {
    const stored = storedIssuers.get(c.issuer);
    const form = desiredIssuer(c);
    const next: FederatedIssuer = {
      id: stored?.id ?? timeOrderedId('fi_', nowMs),
      tenantId,
      name: form.name,
      kind: form.kind as FederatedIssuerKind,
      issuer: form.issuer,
      jwks: form.jwks,
      jwksUri: form.jwks_uri,
      discoveryUrl: form.discovery_url,
      audiences: form.audiences,
      maxTokenAge: form.max_token_age,
      requireJti: form.require_jti,
      bearerTokenFile: form.bearer_token_file,
      allowLongerThanAssertion: form.allow_longer_than_assertion,
      algorithms: form.algorithms as FederationAlg[] | null,
      createdAt: stored?.createdAt ?? now,
      updatedAt: stored?.updatedAt ?? now,
    };
    errors.push(...at(`${base}/federated_issuers/${i}`, issuerSettingErrors(next, input.tokenFiles)));
    const managed = stored !== undefined && state.managed.federated_issuers.has(stored.id);
    plan.issuers.push(touched(compare(c.issuer, stored && issuerForm(stored), form, next, managed), now));
  });
  const namedIssuers = new Set(plan.issuers.map((p) => p.key));
  plan.deletes.issuers = input.prune ? state.issuers.filter((i) => state.managed.federated_issuers.has(i.id) && !namedIssuers.has(i.issuer)) : [];
  const issuers = finalObjects(plan.issuers, state.issuers, plan.deletes.issuers, (i) => i.issuer);

  planClients(input, plan, accounts, issuers, errors);
  planGrants(input, plan, apis, accounts, errors);
  errors.push(...tokenSizeErrorsOfPlan(input, plan, apis, accounts));
  return { plan, errors };
}

/** An update gets a new updatedAt. */
function touched<T extends { updatedAt: string }>(p: Planned<T>, now: string): Planned<T> {
  return p.action === 'update' ? { ...p, next: { ...p.next, updatedAt: now } } : p;
}

/** The objects of a kind after the plan, by natural key: the planned ones, and the stored ones neither named nor deleted. */
function finalObjects<T>(planned: readonly Planned<T>[], stored: readonly T[], deleted: readonly T[], key: (t: T) => string): Map<string, T> {
  const gone = new Set(deleted.map(key));
  const out = new Map<string, T>();
  for (const t of stored) if (!gone.has(key(t))) out.set(key(t), t);
  for (const p of planned) out.set(p.key, p.next);
  return out;
}

/** The tenant: created with POST /tenants' defaults, or its settings the document gives changed (omitted ones are left as they are). */
function planTenantSettings(config: TenantConfig, state: TenantState, now: string, errors: FieldError[], base: string): Planned<Tenant> {
  const stored = state.tenant;
  const next: Tenant = {
    id: config.id,
    name: config.name ?? stored?.name ?? config.id,
    signingAlg: config.signing_alg ?? stored?.signingAlg ?? 'RS256',
    accessTokenTtl: config.access_token_ttl ?? stored?.accessTokenTtl ?? DEFAULT_TOKEN_TTL,
    tlsClientCas: config.tls_client_cas ?? stored?.tlsClientCas ?? [],
    createdAt: stored?.createdAt ?? now,
    updatedAt: stored?.updatedAt ?? now,
  };
  if (config.tls_client_cas !== undefined) errors.push(...at(base, clientCaFieldErrors(config.tls_client_cas)));
  const form = (t: Tenant) => ({ name: t.name, signing_alg: t.signingAlg, access_token_ttl: t.accessTokenTtl, tls_client_cas: t.tlsClientCas });
  return touched(compare(config.id, stored && form(stored), form(next), next, true), now);
}

/** Clients, by client_id: their rules, service accounts and federated credentials resolved; secrets for the created ones. */
function planClients(input: PlanInput, plan: TenantPlan, accounts: Map<string, ServiceAccount>, issuers: Map<string, FederatedIssuer>, errors: FieldError[]) {
  const { config, state, nowMs, index } = input;
  const now = isoTime(nowMs);
  const userNames = new Map(state.serviceAccounts.map((sa) => [sa.id, sa.userName]));
  const issuerNames = new Map(state.issuers.map((i) => [i.id, i.issuer]));
  const storedClients = new Map(state.clients.map((c) => [c.clientId, c]));
  const issuerList = [...issuers.values()];
  (config.clients ?? []).forEach((c, i) => {
    const base = `/tenants/${index}/clients/${i}`;
    const stored = storedClients.get(c.client_id);
    const form: ClientForm = desiredClient(c);
    const tls = tlsClientAuthOfMembers((member) => form[member as TlsNameMember]);
    const account = form.service_account === null ? null : accounts.get(form.service_account);
    if (account === undefined)
      errors.push({ pointer: `${base}/service_account`, detail: `no service account ${JSON.stringify(form.service_account)} in this tenant` });
    const resolved = resolveCredentials(form.federated_credentials, issuerList, stored?.federatedCredentials ?? [], () => timeOrderedId('fc_', nowMs));
    const next: Client = {
      tenantId: input.config.id,
      clientId: form.client_id,
      clientName: form.client_name,
      clientType: form.client_type,
      grantTypes: form.grant_types,
      responseTypes: form.response_types,
      audience: form.audience,
      scope: form.scope,
      tokenEndpointAuthMethod: form.token_endpoint_auth_method,
      jwks: form.jwks,
      jwksUri: form.jwks_uri,
      serviceAccountId: account?.id ?? null,
      accessTokenTtl: form.access_token_ttl,
      active: form.active,
      dpopBoundAccessTokens: form.dpop_bound_access_tokens,
      tlsClientAuth: tls.name ?? null,
      tlsClientCertificateBoundAccessTokens: form.tls_client_certificate_bound_access_tokens,
      tokenQuota: form.token_quota && quotaOfMembers(form.token_quota),
      federatedCredentials: resolved.credentials,
      claims: storedClaims(form.claims),
      claimMappings: form.claim_mappings,
      createdAt: stored?.createdAt ?? now,
      updatedAt: stored?.updatedAt ?? now,
      secrets: stored?.secrets ?? [],
    };
    errors.push(...at(base, [...tls.errors, ...clientFieldErrors(next), ...resolved.errors, ...claimsFieldErrors(c.claims, '/claims')]));
    const managed = stored !== undefined && state.managed.clients.has(stored.clientId);
    const planned = touched(compare(c.client_id, stored && clientForm(stored, userNames, issuerNames), form, next, managed), now);
    plan.clients.push(planned);
    const provided = input.provided.get(c.client_id);
    if (planned.action === 'create' && usesSecret(next)) {
      if (provided) {
        const record = { ...issueSecret(next.clientId, nowMs).record, digest: sha256Hex(provided.secret) };
        plan.secrets.push({ record, value: null });
      } else plan.secrets.push(issueSecret(next.clientId, nowMs));
    } else if (planned.action === 'create' && provided) {
      errors.push({ pointer: provided.pointer, detail: `client ${JSON.stringify(c.client_id)} does not authenticate with a secret` });
    }
  });
  const named = new Set(plan.clients.map((p) => p.key));
  plan.deletes.clients = input.prune ? state.clients.filter((c) => state.managed.clients.has(c.clientId) && !named.has(c.clientId)) : [];
  const clients = finalObjects(plan.clients, state.clients, plan.deletes.clients, (c) => c.clientId);
  // A token names one client: no credential of a changed client may match the tokens another client's matches.
  const held = [...clients.values()].flatMap((c) => c.federatedCredentials.map((credential) => ({ clientId: c.clientId, credential })));
  plan.clients.forEach((p, i) => {
    if (p.action === 'unchanged' || p.next.federatedCredentials.length === 0) return;
    const overlap = firstOverlap(
      p.next.federatedCredentials,
      held.filter((h) => h.clientId !== p.next.clientId),
    );
    if (overlap) {
      errors.push({
        pointer: `/tenants/${index}/clients/${i}/federated_credentials/${overlap.index}`,
        detail: `could match the same tokens as a federated credential of client ${JSON.stringify(overlap.clientId)}; a token must name one client`,
      });
    }
  });
  refuseDanglingDeletes(plan, clients, errors, index);
}

/** Prune may not delete a service account or an issuer that objects kept still name. */
function refuseDanglingDeletes(plan: TenantPlan, clients: Map<string, Client>, errors: FieldError[], index: number) {
  for (const sa of plan.deletes.serviceAccounts) {
    const users = [...clients.values()].filter((c) => c.serviceAccountId === sa.id).map((c) => JSON.stringify(c.clientId));
    if (users.length > 0) {
      errors.push({
        pointer: `/tenants/${index}`,
        detail: `prune would delete service account ${JSON.stringify(sa.userName)}, which clients ${users.slice(0, 5).join(', ')} act for`,
      });
    }
  }
  for (const issuer of plan.deletes.issuers) {
    const users = [...clients.values()].filter((c) => c.federatedCredentials.some((f) => f.issuerId === issuer.id)).map((c) => JSON.stringify(c.clientId));
    if (users.length > 0) {
      errors.push({
        pointer: `/tenants/${index}`,
        detail: `prune would delete federated issuer ${JSON.stringify(issuer.issuer)}, which federated credentials of clients ${users.slice(0, 5).join(', ')} name`,
      });
    }
  }
}

/** Grants, by (subject, api): subjects and APIs resolved, scopes the API defines. */
function planGrants(input: PlanInput, plan: TenantPlan, apis: Map<string, Api>, accounts: Map<string, ServiceAccount>, errors: FieldError[]) {
  const { config, state, nowMs, index } = input;
  const now = isoTime(nowMs);
  const deletedClients = new Set(plan.deletes.clients.map((c) => c.clientId));
  const clientIds = new Set([...state.clients.map((c) => c.clientId).filter((id) => !deletedClients.has(id)), ...plan.clients.map((p) => p.key)]);
  const userNames = new Map(state.serviceAccounts.map((sa) => [sa.id, sa.userName]));
  const identifiers = new Map(state.apis.map((a) => [a.id, a.identifier]));
  const stored = new Map(state.grants.map((g) => [grantKey(grantForm(g, userNames, identifiers)), g]));
  (config.grants ?? []).forEach((c, i) => {
    const base = `/tenants/${index}/grants/${i}`;
    if ((c.client === undefined) === (c.service_account === undefined)) {
      errors.push({ pointer: base, detail: 'give exactly one of client and service_account' });
      return;
    }
    const form = desiredGrant(c);
    const key = grantKey(form);
    const api = apis.get(form.api);
    const account = form.service_account === undefined ? undefined : accounts.get(form.service_account);
    if (!api) errors.push({ pointer: `${base}/api`, detail: `no API ${JSON.stringify(form.api)} in this tenant` });
    if (form.client !== undefined && !clientIds.has(form.client)) {
      errors.push({ pointer: `${base}/client`, detail: `no client ${JSON.stringify(form.client)} in this tenant` });
    }
    if (form.service_account !== undefined && !account) {
      errors.push({ pointer: `${base}/service_account`, detail: `no service account ${JSON.stringify(form.service_account)} in this tenant` });
    }
    if (!api) return;
    const defined = new Set(api.scopes.map((s) => s.value));
    c.scopes.forEach((s, j) => {
      if (!defined.has(s)) errors.push({ pointer: `${base}/scopes/${j}`, detail: `the API does not define scope ${JSON.stringify(s)}` });
    });
    const current = stored.get(key);
    const next: Grant = {
      tenantId: config.id,
      id: current?.id ?? timeOrderedId('grt_', nowMs),
      clientId: form.client ?? null,
      serviceAccountId: account?.id ?? null,
      apiId: api.id,
      scopes: form.scopes,
      createdAt: current?.createdAt ?? now,
    };
    const managed = current !== undefined && state.managed.grants.has(current.id);
    plan.grants.push(compare(key, current && grantForm(current, userNames, identifiers), form, next, managed));
  });
  const named = new Set(plan.grants.map((p) => p.next.id));
  const deletedApis = new Set(plan.deletes.apis.map((a) => a.id));
  const deletedAccounts = new Set(plan.deletes.serviceAccounts.map((sa) => sa.id));
  // Grants that go with a deleted client, service account or API are deleted by the store itself.
  const remaining = state.grants.filter(
    (g) =>
      !named.has(g.id) &&
      !deletedApis.has(g.apiId) &&
      !(g.clientId !== null && deletedClients.has(g.clientId)) &&
      !(g.serviceAccountId !== null && deletedAccounts.has(g.serviceAccountId)),
  );
  plan.deletes.grants = input.prune ? remaining.filter((g) => state.managed.grants.has(g.id)) : [];
  // As an API update does: scopes an API no longer defines leave the grants the document does not name.
  const prunedGrants = new Set(plan.deletes.grants.map((g) => g.id));
  const byId = new Map([...apis.values()].map((a) => [a.id, a]));
  for (const grant of remaining) {
    const api = byId.get(grant.apiId);
    if (!api || prunedGrants.has(grant.id)) continue;
    const defined = new Set(api.scopes.map((s) => s.value));
    const kept = grant.scopes.filter((s) => defined.has(s));
    if (kept.length !== grant.scopes.length) plan.trimmedGrants.push({ grant, scopes: kept });
  }
}

/**
 * The clients whose tokens could exceed the size bound once the plan is applied (docs/claims.md#token-size):
 * checked over the tenant as the plan leaves it, only when it has claims; the error points at the
 * client in the document, else at the tenant.
 */
function tokenSizeErrorsOfPlan(input: PlanInput, plan: TenantPlan, apis: Map<string, Api>, accounts: Map<string, ServiceAccount>): FieldError[] {
  const clients = finalObjects(plan.clients, input.state.clients, plan.deletes.clients, (c) => c.clientId);
  const anyClaims =
    [...apis.values()].some((a) => a.claims !== null) ||
    [...accounts.values()].some((sa) => sa.claims !== null) ||
    [...clients.values()].some((c) => c.claims !== null || c.claimMappings !== null);
  if (!anyClaims) return [];
  // Grants the plan deletes or trims are counted as they were: an upper bound still.
  const deleted = new Set(plan.deletes.grants.map((g) => g.id));
  const named = new Set(plan.grants.map((p) => p.next.id));
  const grants = [...input.state.grants.filter((g) => !deleted.has(g.id) && !named.has(g.id)), ...plan.grants.map((p) => p.next)];
  const found = oversizedTokens(clients.values(), {
    apisById: new Map([...apis.values()].map((a) => [a.id, a])),
    accountsById: new Map([...accounts.values()].map((sa) => [sa.id, sa])),
    grants,
  });
  if (found === null) return [];
  const index = (input.config.clients ?? []).findIndex((c) => c.client_id === found.clientId);
  const pointer = index < 0 ? `/tenants/${input.index}` : `/tenants/${input.index}/clients/${index}/claims`;
  return [{ pointer, detail: found.detail }];
}
