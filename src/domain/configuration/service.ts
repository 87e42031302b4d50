import { tenantsRepo } from '../../storage/repositories/tenants.js';
import { configurationRepo } from '../../storage/repositories/configuration.js';
import { refuseEscalation, wouldHold, type AdminReach } from '../admin-reach.js';
import { ADMIN_API_IDENTIFIER } from '../admin-scopes.js';
import { transactAudited } from '../audit/record.js';
import { adminScopesFrom } from '../clients/admin-scopes-held.js';
import { jwksUriProblem } from '../clients/keys.js';
import type { DomainContext } from '../context.js';
import type { DocumentFetcher } from '../document-fetcher.js';
import { ForbiddenError, InvalidError, NotFoundError, type Actor, type FieldError } from '../errors.js';
import { issuerUrlRefusals, refuseIssuerConflicts, type TokenFiles } from '../federation/issuer-checks.js';
import { federatedIssuersRepo } from '../../storage/repositories/federated-issuers.js';
import type { Issuers } from '../tenants/issuers.js';
import { refuseCertificateTrustEscalation } from '../tenants/certificate-trust-escalation.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { grantKey, type ApplyOptions, type ApplyResult, type ConfigDocument, type CreatedSecret, type TenantConfig } from './document.js';
import { duplicateErrors } from './duplicates.js';
import { exportTenant } from './export.js';
import { grantForm } from './forms.js';
import { guardedChange, planTenant, type TenantPlan } from './plan.js';
import { auditEvents, reportPlan } from './report.js';
import { loadTenantState, type TenantState } from './state.js';
import { writePlan } from './write.js';

/** A tenant's plan with the state it was made against. */
interface Planned {
  plan: TenantPlan;
  state: TenantState;
}

/**
 * Tessera as code (DESIGN §13, docs/gitops.md): plans and applies configuration documents, and
 * exports the current state as one.
 */
export class ConfigurationService {
  constructor(
    private readonly ctx: DomainContext,
    /** Checks every URL a document registers as its fetches will be (docs/hardening.md, "Outbound fetches"). */
    private readonly documents: DocumentFetcher,
    /** The tenants' issuer identifiers (federated issuers' default audiences). */
    private readonly issuers: Issuers,
    /** The token files an operator lets kubernetes issuers send. */
    private readonly tokenFiles: TokenFiles = { paths: [], settingName: 'the token file list' },
  ) {}

  /**
   * Plans the document against the current state and, unless `dryRun`, applies the plan in one
   * transaction: all of it or nothing (InvalidError with pointers into the document). A caller
   * limited to one tenant (`reach`) may name only that tenant.
   */
  async apply(actor: Actor, document: ConfigDocument, options: ApplyOptions, reach: AdminReach): Promise<ApplyResult> {
    for (const tenant of document.tenants) {
      if (reach.tenantId !== null && tenant.id !== reach.tenantId) {
        throw new ForbiddenError(`a caller limited to tenant ${reach.tenantId} cannot apply a document that names tenant ${tenant.id}`);
      }
    }
    const provided = providedSecrets(options);
    const early = [...duplicateErrors(document), ...provided.errors];
    if (early.length > 0) throw new InvalidError('the configuration document is not valid', early);
    // Outbound URLs are checked where they lead (DNS) before the transaction opens, against a first plan.
    const draft = await Promise.all(document.tenants.map(async (config, index) => this.#plan(this.ctx.db, config, index, options, provided.byTenant)));
    const refusals = await this.#urlRefusals(draft.map((d) => d.plan));
    let lines: ReturnType<typeof reportPlan> = [];
    let planned: (Planned & { errors: FieldError[] })[] = [];
    await transactAudited(this.ctx, async (trx, audit) => {
      await configurationRepo.lock(trx);
      planned = [];
      for (const [index, config] of document.tenants.entries()) planned.push(await this.#plan(trx, config, index, options, provided.byTenant));
      const errors = [...planned.flatMap((p) => p.errors), ...refusals];
      if (errors.length > 0) throw new InvalidError('the configuration document is not valid', errors);
      for (const p of planned) await this.#refuseEscalation(trx, p, reach);
      await this.#refuseIssuerConflicts(trx, planned);
      lines = planned.flatMap((p) => reportPlan(p.plan, keysOfGrants(p.state)));
      if (options.dryRun) return;
      for (const p of planned) await writePlan(this.ctx, trx, p.plan);
      await audit.recordMany(auditEvents(actor, lines, options.prune));
    });
    const changes = lines.map((l) => l.change);
    if (options.dryRun) return { applied: false, changes, secrets: [] };
    for (const { plan } of planned) {
      const changed = lines.some((l) => l.change.tenant === plan.tenantId && l.change.action !== 'unchanged') || plan.trimmedGrants.length > 0;
      if (!changed) continue;
      await this.ctx.changes.publish({ kind: 'configuration', tenantId: plan.tenantId });
      for (const issuer of [...plan.issuers.filter((i) => i.action === 'update').map((i) => i.next), ...plan.deletes.issuers]) {
        await this.ctx.changes.publish({ kind: 'federated-issuer', tenantId: plan.tenantId, issuerId: issuer.id });
      }
    }
    const secrets: CreatedSecret[] = planned.flatMap(({ plan }) =>
      plan.secrets.flatMap((s) => (s.value === null ? [] : [{ tenant: plan.tenantId, client_id: s.record.clientId, client_secret: s.value }])),
    );
    return { applied: true, changes, secrets };
  }

  /** The current state of the tenants named (null: every tenant the caller reaches) as a document; applying it changes nothing. */
  async export(tenantIds: readonly string[] | null, reach: AdminReach): Promise<ConfigDocument> {
    for (const id of tenantIds ?? []) {
      if (reach.tenantId !== null && id !== reach.tenantId) throw new ForbiddenError(`a caller limited to tenant ${reach.tenantId} cannot export tenant ${id}`);
    }
    const ids = tenantIds ?? (reach.tenantId !== null ? [reach.tenantId] : await tenantsRepo.listIds(this.ctx.db));
    const tenants: TenantConfig[] = [];
    for (const id of ids) {
      const state = await loadTenantState(this.ctx.db, id);
      if (!state.tenant) throw new NotFoundError('tenant', id);
      tenants.push(exportTenant(state));
    }
    return { version: 1, tenants };
  }

  async #plan(
    db: Executor,
    config: TenantConfig,
    index: number,
    options: ApplyOptions,
    provided: ReadonlyMap<string, Map<string, { secret: string; pointer: string }>>,
  ): Promise<Planned & { errors: FieldError[] }> {
    const state = await loadTenantState(db, config.id);
    const { plan, errors } = planTenant({
      index,
      config,
      state,
      prune: options.prune,
      nowMs: this.ctx.clock.now(),
      provided: provided.get(config.id) ?? new Map(),
      tokenFiles: this.tokenFiles,
    });
    return { plan, state, errors };
  }

  /** A created or changed issuer must not collide with another tenant's registration of the same `issuer` (409). */
  async #refuseIssuerConflicts(trx: Executor, planned: readonly Planned[]): Promise<void> {
    const changed = planned.flatMap(({ plan }) => plan.issuers.filter((p) => p.action !== 'unchanged').map((p) => p.next));
    if (changed.length === 0) return;
    await federatedIssuersRepo.lockRegistrations(trx);
    for (const issuer of changed) await refuseIssuerConflicts(trx, issuer, (tenantId) => this.issuers.issuerOf(tenantId));
  }

  /** Where new or changed outbound URLs (clients' jwks_uri, issuers' key and discovery URLs) may not lead, as field errors. */
  async #urlRefusals(plans: readonly TenantPlan[]): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    for (const [n, plan] of plans.entries()) {
      for (const [i, p] of plan.clients.entries()) {
        const uri = p.next.jwksUri;
        if (uri === null || jwksUriProblem(uri) !== null || !(p.action === 'create' || p.fields?.includes('jwks_uri'))) continue;
        const refusal = await this.documents.refusal(uri);
        if (refusal !== null) errors.push({ pointer: `/tenants/${n}/clients/${i}/jwks_uri`, detail: refusal });
      }
      for (const [i, p] of plan.issuers.entries()) {
        if (p.action === 'unchanged') continue;
        const found = await issuerUrlRefusals(p.next, this.documents, new Set());
        errors.push(...found.map((e) => ({ pointer: `/tenants/${n}/federated_issuers/${i}${e.pointer}`, detail: e.detail })));
      }
    }
    return errors;
  }

  /**
   * What the caller does not hold, it may not hand out (docs/api.md#escalation): scopes of
   * urn:tessera:admin in grants, clients that would hold such scopes when their credentials or
   * lists change, and CAs added to a tenant whose certificate clients hold them.
   */
  async #refuseEscalation(trx: Executor, { plan, state }: Planned, reach: AdminReach): Promise<void> {
    const adminApi = plan.apis.find((p) => p.next.builtIn)?.next ?? state.apis.find((a) => a.identifier === ADMIN_API_IDENTIFIER);
    if (!adminApi) return;
    for (const p of plan.grants) {
      if (p.action !== 'unchanged' && p.next.apiId === adminApi.id) refuseEscalation(reach, p.next.scopes, wouldHold(`a grant on ${ADMIN_API_IDENTIFIER}`));
    }
    const named = new Set(plan.grants.map((p) => p.next.id));
    const deleted = new Set(plan.deletes.grants.map((g) => g.id));
    const adminGrants = [...state.grants.filter((g) => !named.has(g.id) && !deleted.has(g.id)), ...plan.grants.map((p) => p.next)].filter(
      (g) => g.apiId === adminApi.id,
    );
    for (const p of plan.clients) {
      if (guardedChange(p)) refuseEscalation(reach, adminScopesFrom(p.next, adminApi, adminGrants), wouldHold(`client ${JSON.stringify(p.next.clientId)}`));
    }
    if (state.tenant && plan.tenant.fields?.includes('tls_client_cas')) {
      await refuseCertificateTrustEscalation(trx, plan.tenantId, state.tenant.tlsClientCas, plan.tenant.next.tlsClientCas, reach);
    }
  }
}

/** The secrets the caller brings, by tenant and client id, with their pointers; a pair given twice is an error. */
function providedSecrets(options: ApplyOptions) {
  const byTenant = new Map<string, Map<string, { secret: string; pointer: string }>>();
  const errors: FieldError[] = [];
  options.clientSecrets.forEach((s, i) => {
    const pointer = `/client_secrets/${i}`;
    const clients = byTenant.get(s.tenant) ?? new Map<string, { secret: string; pointer: string }>();
    if (clients.has(s.client_id)) errors.push({ pointer, detail: `repeats the secret of client ${JSON.stringify(s.client_id)} of tenant ${s.tenant}` });
    clients.set(s.client_id, { secret: s.client_secret, pointer });
    byTenant.set(s.tenant, clients);
  });
  return { byTenant, errors };
}

/** The plan key of each stored grant of a tenant, by grant id. */
function keysOfGrants(state: TenantState): (grantId: string) => string {
  const userNames = new Map(state.serviceAccounts.map((sa) => [sa.id, sa.userName]));
  const identifiers = new Map(state.apis.map((a) => [a.id, a.identifier]));
  const keys = new Map(state.grants.map((g) => [g.id, grantKey(grantForm(g, userNames, identifiers))]));
  return (id) => keys.get(id) ?? id;
}
