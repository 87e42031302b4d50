import type { Selectable } from 'kysely';
import type { ClaimCondition, FederatedCredential } from '../../domain/federation/model.js';
import { sha256Hex } from '../../lib/digest.js';
import type { FederatedCredentialsTable } from '../schema.js';
import { chunks, rowsPerInsert } from './configuration.js';
import type { Executor } from './executor.js';

/** A credential and the client that holds it. */
export interface HeldCredential {
  clientId: string;
  credential: FederatedCredential;
}

/** A credential from its row (or the same members of a JSON object built by the store). */
export function toCredential(row: Pick<Selectable<FederatedCredentialsTable>, 'id' | 'issuer_id' | 'subject' | 'claims'>): FederatedCredential {
  return { id: row.id, issuerId: row.issuer_id, subject: row.subject, claims: JSON.parse(row.claims) as Record<string, ClaimCondition> };
}

/** Credentials grouped by client, each client's in its order. */
function byClient(rows: Selectable<FederatedCredentialsTable>[]): Map<string, FederatedCredential[]> {
  const out = new Map<string, FederatedCredential[]>();
  for (const row of rows.sort((a, b) => Number(a.position) - Number(b.position))) {
    const list = out.get(row.client_id) ?? [];
    list.push(toCredential(row));
    out.set(row.client_id, list);
  }
  return out;
}

/** Federated credentials of clients; `claims` arrive canonical (the domain's canonicalClaims), so equal conditions are equal text. */
export const federatedCredentialsRepo = {
  /** The credentials of these clients, by client id. */
  async ofClients(db: Executor, tenantId: string, clientIds: readonly string[]): Promise<Map<string, FederatedCredential[]>> {
    if (clientIds.length === 0) return new Map();
    const rows = await db.selectFrom('federated_credentials').selectAll().where('tenant_id', '=', tenantId).where('client_id', 'in', clientIds).execute();
    return byClient(rows);
  },
  /** The credentials of the clients whose ids are after `after` (null: from the first) and at most `last`: one query per page of clients. */
  async ofClientRange(db: Executor, tenantId: string, after: string | null, last: string): Promise<Map<string, FederatedCredential[]>> {
    let q = db.selectFrom('federated_credentials').selectAll().where('tenant_id', '=', tenantId).where('client_id', '<=', last);
    if (after !== null) q = q.where('client_id', '>', after);
    return byClient(await q.execute());
  },
  /** Every credential naming the issuer, with its client. */
  async ofIssuer(db: Executor, tenantId: string, issuerId: string): Promise<HeldCredential[]> {
    const rows = await db
      .selectFrom('federated_credentials')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('issuer_id', '=', issuerId)
      .orderBy('client_id')
      .orderBy('position')
      .execute();
    return rows.map((row) => ({ clientId: row.client_id, credential: toCredential(row) }));
  },
  /** Up to `limit` distinct clients holding a credential that names the issuer. */
  async clientsOfIssuer(db: Executor, tenantId: string, issuerId: string, limit: number): Promise<string[]> {
    const rows = await db
      .selectFrom('federated_credentials')
      .select('client_id')
      .distinct()
      .where('tenant_id', '=', tenantId)
      .where('issuer_id', '=', issuerId)
      .orderBy('client_id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.client_id);
  },
  /** Replaces the client's credentials with `credentials`, in that order. */
  async replace(db: Executor, tenantId: string, clientId: string, credentials: readonly FederatedCredential[]): Promise<void> {
    await db.deleteFrom('federated_credentials').where('tenant_id', '=', tenantId).where('client_id', '=', clientId).execute();
    if (credentials.length === 0) return;
    await db
      .insertInto('federated_credentials')
      .values(rows(tenantId, clientId, credentials))
      .execute();
  },
  /**
   * Replaces the credentials of many clients (by client id), many rows a statement: every old one
   * is deleted before any new one is written, so a credential may move from one client to another.
   */
  async replaceMany(db: Executor, tenantId: string, byClient: ReadonlyMap<string, readonly FederatedCredential[]>): Promise<void> {
    for (const part of chunks([...byClient.keys()], 5000)) {
      await db.deleteFrom('federated_credentials').where('tenant_id', '=', tenantId).where('client_id', 'in', part).execute();
    }
    const all = [...byClient].flatMap(([clientId, credentials]) => rows(tenantId, clientId, credentials));
    for (const part of chunks(all, rowsPerInsert(8))) await db.insertInto('federated_credentials').values(part).execute();
  },
};

function rows(tenantId: string, clientId: string, credentials: readonly FederatedCredential[]) {
  return credentials.map((c, position) => {
    const claims = JSON.stringify(c.claims);
    return {
      tenant_id: tenantId,
      id: c.id,
      client_id: clientId,
      issuer_id: c.issuerId,
      subject: c.subject,
      claims,
      digest: sha256Hex(JSON.stringify([c.subject, claims])),
      position,
    };
  });
}
