import { isoTime } from '../../lib/clock.js';
import { sha256Hex } from '../../lib/digest.js';
import { deriveKey, hmacSha256Hex } from '../../lib/keyed-digest.js';
import { randomToken, timeOrderedId } from '../../lib/random.js';
import { adminTokensRepo, type PresentedDigests } from '../../storage/repositories/admin-tokens.js';
import type { Executor } from '../../storage/repositories/executor.js';
import type { Page, PageRequest } from '../../storage/repositories/paging.js';
import { tenantsRepo } from '../../storage/repositories/tenants.js';
import { refuseEscalation, wouldHold, refuseWiderTenant, type AdminReach } from '../admin-reach.js';
import { isAdminScope, type AdminScope } from '../admin-scopes.js';
import { transactAudited, type AuditRecorder } from '../audit/record.js';
import type { DomainContext } from '../context.js';
import { InvalidError, NotFoundError, type Actor, type FieldError } from '../errors.js';
import type { AdminToken } from './model.js';

/** Prefix of generated admin tokens, so that secret scanners can recognise a leaked one. */
export const ADMIN_TOKEN_PREFIX = 'tsr_at_';
export const MIN_ADMIN_TOKEN_LENGTH = 32;
/** Bounds of `expires_in`, in seconds: a minute to a year. */
export const ADMIN_TOKEN_EXPIRES_IN = { min: 60, max: 31_536_000 } as const;
/** How many scopes one admin token may hold. */
export const MAX_ADMIN_TOKEN_SCOPES = 30;
/** The scopes of a token created without `scopes`, and of TESSERA_ADMIN_TOKEN's record. */
export const DEFAULT_ADMIN_TOKEN_SCOPES: readonly AdminScope[] = ['admin'];
/** The name of the record of TESSERA_ADMIN_TOKEN. */
export const ENVIRONMENT_TOKEN_NAME = 'bootstrap (TESSERA_ADMIN_TOKEN)';
/** HKDF label of the key that digests operator-chosen tokens: a subkey of TESSERA_SECRET, never the key-encryption key itself. */
const CHOSEN_DIGEST_INFO = 'tessera admin-token digest v1';

/** What the bootstrap did to the record of TESSERA_ADMIN_TOKEN. */
export type EnvironmentTokenChange = 'created' | 'replaced' | 'unchanged' | 'removed' | 'absent';

export class AdminTokensService {
  /** Keys the digests of chosen values (RFC 2104 HMAC-SHA256). */
  private readonly chosenDigestKey: Buffer;

  constructor(private readonly ctx: DomainContext) {
    this.chosenDigestKey = deriveKey(ctx.kek, CHOSEN_DIGEST_INFO);
  }

  /**
   * The unexpired token a bearer value names (looked up by its digest of either kind), and whether
   * tenant `tenantId` exists, in one round trip: an admin request acting on a tenant needs both
   * before it acts. Undefined when the value names no unexpired token.
   */
  async authenticate(value: string, tenantId: string): Promise<{ token: AdminToken; tenantExists: boolean } | undefined> {
    const found = await adminTokensRepo.findByDigestsWithTenant(this.ctx.db, this.digestsOf(value), tenantId);
    return found && !this.#expired(found.token) ? found : undefined;
  }

  /** An expired token authenticates nothing, whenever it is presented. */
  #expired(token: AdminToken): boolean {
    return token.expiresAt !== null && Date.parse(token.expiresAt) <= this.ctx.clock.now();
  }

  /** The names of the tokens among `ids` that still exist, by id (one query, for a page of audit events). */
  namesOf(ids: readonly string[]): Promise<Map<string, string>> {
    return adminTokensRepo.namesByIds(this.ctx.db, ids);
  }

  list(page: PageRequest, tenantId?: string): Promise<Page<AdminToken>> {
    return adminTokensRepo.list(this.ctx.db, page, tenantId);
  }

  /**
   * Generates a token (256 random bits); its value is returned here only and stored as a SHA-256
   * digest. It can hold no more than `reach`: no scope the caller lacks, no wider tenant.
   */
  async create(
    actor: Actor,
    input: { name: string; tenantId?: string | null | undefined; scopes?: readonly string[] | undefined; expiresIn?: number | undefined },
    reach: AdminReach,
  ): Promise<{ token: AdminToken; value: string }> {
    const { expiresIn } = input;
    const errors = scopeErrors(input.scopes);
    if (expiresIn !== undefined && !(Number.isInteger(expiresIn) && expiresIn >= ADMIN_TOKEN_EXPIRES_IN.min && expiresIn <= ADMIN_TOKEN_EXPIRES_IN.max)) {
      errors.push({ pointer: '/expires_in', detail: `must be a whole number of seconds from ${ADMIN_TOKEN_EXPIRES_IN.min} to ${ADMIN_TOKEN_EXPIRES_IN.max}` });
    }
    if (errors.length > 0) throw new InvalidError('the admin token is not valid', errors);
    const scopes = (input.scopes ?? DEFAULT_ADMIN_TOKEN_SCOPES).filter(isAdminScope);
    refuseWiderTenant(reach, input.tenantId ?? null, 'an admin token');
    refuseEscalation(reach, scopes, wouldHold('the admin token'));
    const value = `${ADMIN_TOKEN_PREFIX}${randomToken(32)}`;
    const nowMs = this.ctx.clock.now();
    const token: AdminToken = {
      id: timeOrderedId('at_', nowMs),
      tenantId: input.tenantId ?? null,
      name: input.name,
      digest: sha256Hex(value),
      digestKind: 'sha256',
      source: null,
      scopes,
      createdAt: isoTime(nowMs),
      expiresAt: expiresIn === undefined ? null : isoTime(nowMs + expiresIn * 1000),
    };
    await transactAudited(this.ctx, async (trx, audit) => {
      if (token.tenantId !== null && !(await tenantsRepo.get(trx, token.tenantId))) {
        throw new InvalidError(`no tenant ${JSON.stringify(token.tenantId)}`, [{ pointer: '/tenant', detail: 'no such tenant' }]);
      }
      await adminTokensRepo.insert(trx, token);
      await recordCreated(audit, actor, token);
    });
    return { token, value };
  }

  /**
   * Makes the one record of TESSERA_ADMIN_TOKEN hold `value`'s keyed digest: created when there
   * is none (also after a deletion through the API), its digest replaced when the value (or
   * TESSERA_SECRET) changed, so that an earlier value stops working. Any further record of the
   * environment (left by releases that added one per value) is deleted. Every change is audited.
   */
  async followEnvironment(actor: Actor, value: string): Promise<EnvironmentTokenChange> {
    const digest = hmacSha256Hex(this.chosenDigestKey, value);
    return transactAudited(this.ctx, async (trx, audit) => {
      const records = await adminTokensRepo.listBySource(trx, 'environment');
      const plain = sha256Hex(value);
      const kept =
        records.find((t) => t.digestKind === 'hmac-sha256' && t.digest === digest) ??
        records.find((t) => t.digestKind === 'sha256' && t.digest === plain) ??
        records[0];
      for (const stale of records) if (stale !== kept) await deleteAudited(trx, audit, actor, stale);
      if (kept === undefined) {
        const nowMs = this.ctx.clock.now();
        const token: AdminToken = {
          id: timeOrderedId('at_', nowMs),
          tenantId: null,
          name: ENVIRONMENT_TOKEN_NAME,
          digest,
          digestKind: 'hmac-sha256',
          source: 'environment',
          scopes: [...DEFAULT_ADMIN_TOKEN_SCOPES],
          createdAt: isoTime(nowMs),
          expiresAt: null,
        };
        await adminTokensRepo.insert(trx, token);
        await recordCreated(audit, actor, token);
        return 'created';
      }
      if (kept.digestKind === 'hmac-sha256' && kept.digest === digest) return 'unchanged';
      await adminTokensRepo.replaceDigest(trx, kept.id, digest, 'hmac-sha256');
      await audit.record({
        tenantId: null,
        actor,
        action: 'admin_token.update',
        targetType: 'admin_token',
        targetId: kept.id,
        details: { name: kept.name, change: 'the value of TESSERA_ADMIN_TOKEN (or TESSERA_SECRET) changed: the earlier value no longer works' },
      });
      return 'replaced';
    });
  }

  /** Deletes the record of TESSERA_ADMIN_TOKEN (the variable is no longer set), audited. */
  async forgetEnvironment(actor: Actor): Promise<EnvironmentTokenChange> {
    return transactAudited(this.ctx, async (trx, audit) => {
      const records = await adminTokensRepo.listBySource(trx, 'environment');
      for (const record of records) await deleteAudited(trx, audit, actor, record);
      return records.length > 0 ? 'removed' : 'absent';
    });
  }

  async delete(actor: Actor, id: string, limitTo?: string): Promise<void> {
    await transactAudited(this.ctx, async (trx, audit) => {
      const token = await adminTokensRepo.get(trx, id);
      if (!token || (limitTo !== undefined && token.tenantId !== limitTo)) throw new NotFoundError('admin token', id);
      await deleteAudited(trx, audit, actor, token);
    });
  }

  /** The digests a presented value would have, one per kind. */
  private digestsOf(value: string): PresentedDigests {
    return { sha256: sha256Hex(value), 'hmac-sha256': hmacSha256Hex(this.chosenDigestKey, value) };
  }
}

/** What is wrong with requested scopes: 1 to 30 distinct scopes of `urn:tessera:admin` (absent: the default). */
function scopeErrors(scopes: readonly string[] | undefined): FieldError[] {
  if (scopes === undefined) return [];
  if (scopes.length < 1 || scopes.length > MAX_ADMIN_TOKEN_SCOPES) {
    return [{ pointer: '/scopes', detail: `must hold 1 to ${MAX_ADMIN_TOKEN_SCOPES} scopes of urn:tessera:admin` }];
  }
  const errors: FieldError[] = [];
  scopes.forEach((scope, i) => {
    if (!isAdminScope(scope)) errors.push({ pointer: `/scopes/${i}`, detail: `unknown scope ${JSON.stringify(scope)}: see GET /apis (urn:tessera:admin)` });
    else if (scopes.indexOf(scope) !== i) errors.push({ pointer: `/scopes/${i}`, detail: `duplicate scope ${JSON.stringify(scope)}` });
  });
  return errors;
}

async function recordCreated(audit: AuditRecorder, actor: Actor, token: AdminToken): Promise<void> {
  await audit.record({
    tenantId: token.tenantId,
    actor,
    action: 'admin_token.create',
    targetType: 'admin_token',
    targetId: token.id,
    details: { name: token.name, tenant: token.tenantId, scopes: token.scopes, ...(token.expiresAt !== null ? { expires_at: token.expiresAt } : {}) },
  });
}

async function deleteAudited(trx: Executor, audit: AuditRecorder, actor: Actor, token: AdminToken): Promise<void> {
  await adminTokensRepo.delete(trx, token.id);
  await audit.record({
    tenantId: token.tenantId,
    actor,
    action: 'admin_token.delete',
    targetType: 'admin_token',
    targetId: token.id,
    details: { name: token.name },
  });
}
