import type { Selectable } from 'kysely';
import type { AdminToken, AdminTokenDigestKind, AdminTokenSource } from '../../domain/admin-tokens/model.js';
import type { AdminTokensTable } from '../schema.js';
import type { Executor } from './executor.js';
import { toPage, type Page, type PageRequest } from './paging.js';

function toAdminToken(row: Selectable<AdminTokensTable>): AdminToken {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    digest: row.digest,
    digestKind: row.digest_kind as AdminTokenDigestKind,
    source: row.source as AdminTokenSource,
    scopes: JSON.parse(row.scopes) as AdminToken['scopes'],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/** The digests of one presented value, one per kind: a row matches only the digest of its own kind. */
export type PresentedDigests = Record<AdminTokenDigestKind, string>;

/**
 * Admin tokens are installation-wide (a token may be limited to a tenant, or to none), so the
 * digest is unique on its own: it is how a presented token is found.
 */
export const adminTokensRepo = {
  /**
   * The token one of the digests names (a row matches only the digest of its own kind), with
   * whether tenant `tenantId` exists, in one statement: an admin request needs both before it
   * acts, and they were two round trips on PostgreSQL. Built as a select (not raw SQL), so that
   * SQLite runs it on its reader connection instead of waiting behind the writer's commits.
   */
  async findByDigestsWithTenant(db: Executor, digests: PresentedDigests, tenantId: string): Promise<{ token: AdminToken; tenantExists: boolean } | undefined> {
    const row = await db
      .selectFrom('admin_tokens')
      .selectAll('admin_tokens')
      .select((eb) => eb.exists(eb.selectFrom('tenants').select('id').where('id', '=', tenantId)).as('tenant_exists'))
      .where((eb) =>
        eb.or([
          eb.and([eb('digest_kind', '=', 'sha256'), eb('digest', '=', digests.sha256)]),
          eb.and([eb('digest_kind', '=', 'hmac-sha256'), eb('digest', '=', digests['hmac-sha256'])]),
        ]),
      )
      .executeTakeFirst();
    // SQLite answers EXISTS as 0 or 1, PostgreSQL as a boolean.
    return row && { token: toAdminToken(row), tenantExists: Boolean(row.tenant_exists) };
  },
  async get(db: Executor, id: string): Promise<AdminToken | undefined> {
    const row = await db.selectFrom('admin_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toAdminToken(row);
  },
  /** The names of the tokens among `ids` that exist, by id. */
  async namesByIds(db: Executor, ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await db
      .selectFrom('admin_tokens')
      .select(['id', 'name'])
      .where('id', 'in', [...ids])
      .execute();
    return new Map(rows.map((r) => [r.id, r.name]));
  },
  /** The tokens of one source, oldest first. */
  async listBySource(db: Executor, source: NonNullable<AdminTokenSource>): Promise<AdminToken[]> {
    const rows = await db.selectFrom('admin_tokens').selectAll().where('source', '=', source).orderBy('id').execute();
    return rows.map(toAdminToken);
  },
  async list(db: Executor, page: PageRequest, tenantId?: string): Promise<Page<AdminToken>> {
    let q = db
      .selectFrom('admin_tokens')
      .selectAll()
      .orderBy('id')
      .limit(page.limit + 1);
    if (page.after) q = q.where('id', '>', page.after);
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    return toPage(await q.execute(), page.limit, (r) => r.id, toAdminToken);
  },
  async count(db: Executor): Promise<number> {
    const r = await db
      .selectFrom('admin_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  },
  async insert(db: Executor, t: AdminToken): Promise<void> {
    await db
      .insertInto('admin_tokens')
      .values({
        id: t.id,
        tenant_id: t.tenantId,
        name: t.name,
        digest: t.digest,
        digest_kind: t.digestKind,
        source: t.source,
        scopes: JSON.stringify(t.scopes),
        created_at: t.createdAt,
        expires_at: t.expiresAt,
      })
      .execute();
  },
  /** Gives a token a new digest (the environment's token when its value or TESSERA_SECRET changed). */
  async replaceDigest(db: Executor, id: string, digest: string, digestKind: AdminTokenDigestKind): Promise<void> {
    await db.updateTable('admin_tokens').set({ digest, digest_kind: digestKind }).where('id', '=', id).execute();
  },
  async delete(db: Executor, id: string): Promise<boolean> {
    const r = await db.deleteFrom('admin_tokens').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};
