import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { ConfigDocument } from '../../src/domain/configuration/document.js';
import { describeEachDialect, type TestDialect } from '../helpers/dialects.js';
import { eventually } from '../helpers/eventually.js';
import { adminCall, spawnTessera, stopTessera, type TesseraProcess } from '../helpers/process.js';
import { storeEnv } from '../helpers/tessera.js';

const TENANT = 'bulk';
const API = 'https://bulk.test/';
const CLIENTS = 3000;

/** A large document: a new tenant, an API, a service account, 3,000 clients, each with a grant, and the account's grant. */
const DOCUMENT: ConfigDocument = {
  version: 1,
  tenants: [
    {
      id: TENANT,
      apis: [{ identifier: API, scopes: [{ value: 'read' }, { value: 'write' }] }],
      service_accounts: [{ user_name: 'bulk-sa' }],
      clients: Array.from({ length: CLIENTS }, (_, i) => ({
        client_id: `bulk-${i}`,
        client_name: `bulk client ${i}`,
        ...(i % 2 ? { service_account: 'bulk-sa' } : {}),
      })),
      grants: [
        { service_account: 'bulk-sa', api: API, scopes: ['write'] },
        ...Array.from({ length: CLIENTS }, (_, i) => ({ client: `bulk-${i}`, api: API, scopes: ['read'] })),
      ],
    },
  ],
};

/** The objects the document names: the tenant, the API, the service account, the clients and the grants. */
const OBJECTS = 1 + 1 + 1 + CLIENTS + CLIENTS + 1;

/** An apply on its way: resolves `written` once the whole body is on the wire, `outcome` with the answer or the broken connection. */
interface InFlight {
  readonly written: Promise<void>;
  readonly outcome: Promise<{ status: number } | { failed: string }>;
}

/** Sends the document to `POST /config/apply` over a plain connection. */
function sendApply(proc: TesseraProcess, token: string, body: string): InFlight {
  let written!: () => void;
  const writtenPromise = new Promise<void>((resolve) => (written = resolve));
  const outcome = new Promise<{ status: number } | { failed: string }>((resolve) => {
    const req = request(`${proc.adminUrl}/config/apply?reason=bulk`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('finish', written);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', (err) => resolve({ failed: err.message }));
    });
    req.on('error', (err) => resolve({ failed: err.message }));
    req.end(body);
  });
  return { written: writtenPromise, outcome };
}

/** A look at the store from outside the server, as an operator's second session would have. */
interface StoreProbe {
  /** Whether a session of the server holds a write transaction that has written (SQLite: the write lock; PostgreSQL: a transaction id). */
  writing(): Promise<boolean>;
  /** Whether the tenant's clients are committed (visible to another session). */
  committed(): Promise<boolean>;
  close(): Promise<void>;
}

async function storeProbe(dialect: TestDialect, databaseUrl: string): Promise<StoreProbe> {
  if (dialect === 'sqlite') {
    const db = new Database(databaseUrl.slice('sqlite:'.length), { timeout: 0 });
    return {
      writing: async () => {
        try {
          db.exec('BEGIN IMMEDIATE');
          db.exec('ROLLBACK');
          return false;
        } catch (err) {
          if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
          throw err;
        }
      },
      committed: async () => (db.prepare('select count(*) as n from clients where tenant_id = ?').get(TENANT) as { n: number }).n > 0,
      close: async () => void db.close(),
    };
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return {
    writing: async () =>
      (
        await client.query(
          'select count(*)::int as n from pg_stat_activity where datname = current_database() and backend_xid is not null and pid <> pg_backend_pid()',
        )
      ).rows[0].n > 0,
    committed: async () => (await client.query('select count(*)::int as n from clients where tenant_id = $1', [TENANT])).rows[0].n > 0,
    close: () => client.end(),
  };
}

/** The moments the server is killed at, each after the request has been written. */
const MOMENTS: readonly { name: string; reached: (probe: StoreProbe) => Promise<unknown>; answerPossible: boolean; committed?: true }[] = [
  { name: 'as soon as the request is written', reached: async () => undefined, answerPossible: false },
  {
    name: "once the apply's transaction has written",
    reached: (probe) => eventually('the apply writes', () => probe.writing(), { withinMs: 60_000, intervalMs: 5 }),
    answerPossible: false,
  },
  {
    name: 'once the apply has committed (its answer may or may not be on its way)',
    reached: (probe) => eventually('the apply commits', () => probe.committed(), { withinMs: 120_000, intervalMs: 5 }),
    answerPossible: true,
    committed: true,
  },
];

/** Every item of a paged admin list (GET …?limit=200, following next_cursor). */
async function countAll(proc: TesseraProcess, token: string, path: string): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page = await adminCall(proc, token, 'GET', `${path}${separator}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(page.status, 200, `${path}: ${JSON.stringify(page.body)}`);
    count += page.body.items.length;
    cursor = page.body.next_cursor;
  } while (cursor !== null);
  return count;
}

/** What the store holds of the document and of its apply's audit events; all zeros when the tenant does not exist. */
async function present(proc: TesseraProcess, token: string) {
  const tenant = await adminCall(proc, token, 'GET', `/tenants/${TENANT}`);
  assert.ok(tenant.status === 200 || tenant.status === 404, JSON.stringify(tenant.body));
  const under = `/tenants/${TENANT}`;
  const exists = tenant.status === 200;
  const count = async (path: string) => (exists ? countAll(proc, token, `${under}${path}`) : 0);
  return {
    tenant: exists ? 1 : 0,
    apis: exists ? (await countAll(proc, token, `${under}/apis`)) - 1 : 0, // the built-in urn:tessera:admin is not the document's
    serviceAccounts: await count('/service-accounts'),
    clients: await count('/clients'),
    grants: await count('/grants'),
    clientEvents: await count('/audit-events?action=client.create'),
    grantEvents: await count('/audit-events?action=grant.create'),
    applyEvents: await countAll(proc, token, '/audit-events?action=config.apply'),
  };
}

const NONE = { tenant: 0, apis: 0, serviceAccounts: 0, clients: 0, grants: 0, clientEvents: 0, grantEvents: 0, applyEvents: 0 };
const ALL = { tenant: 1, apis: 1, serviceAccounts: 1, clients: CLIENTS, grants: CLIENTS + 1, clientEvents: CLIENTS, grantEvents: CLIENTS + 1, applyEvents: 1 };

describeEachDialect('SIGKILL in the middle of a large apply: after restart, all of it or none of it', (dialect) => {
  const body = JSON.stringify(DOCUMENT);

  for (const moment of MOMENTS) {
    it(`killed ${moment.name}; a plain apply afterwards succeeds`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tessera-apply-kill-'));
      const token = `apply-kill-${randomBytes(16).toString('hex')}`;
      const store = await storeEnv(dialect, dataDir);
      const env = { ...store, TESSERA_ADMIN_TOKEN: token };
      const proc = await spawnTessera(env);
      // Opened once the server has made the store (a SQLite file opened first would be made by the probe).
      const probe = await storeProbe(dialect, store.TESSERA_DATABASE_URL!);
      try {
        const inFlight = sendApply(proc, token, body);
        await inFlight.written;
        await moment.reached(probe);
        proc.child.kill('SIGKILL');
        assert.equal(await proc.exited, 'SIGKILL');
        const outcome = await inFlight.outcome;
        if (!moment.answerPossible) assert.ok('failed' in outcome, `the apply was answered before the kill: ${JSON.stringify(outcome)}`);
        if (dialect === 'sqlite') {
          const check = new Database(join(dataDir, 'tessera.db'));
          assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
          check.close();
        }

        const again = await spawnTessera(env);
        try {
          const found = await present(again, token);
          assert.ok(
            JSON.stringify(found) === JSON.stringify(NONE) || JSON.stringify(found) === JSON.stringify(ALL),
            `part of the apply survived: ${JSON.stringify(found)}`,
          );
          // A commit another session has seen survives the kill.
          if (moment.committed) assert.deepEqual(found, ALL);
          const reapplied = await adminCall(again, token, 'POST', '/config/apply?reason=again', DOCUMENT);
          assert.equal(reapplied.status, 200, JSON.stringify(reapplied.body));
          const actions = new Set(reapplied.body.changes.map((c: { action: string }) => c.action));
          assert.deepEqual([...actions], [found.tenant === 1 ? 'unchanged' : 'create']);
          assert.equal(reapplied.body.changes.length, OBJECTS);
          assert.equal(reapplied.body.secrets.length, found.tenant === 1 ? 0 : CLIENTS);
          const settled = await present(again, token);
          assert.deepEqual(settled, { ...ALL, applyEvents: settled.applyEvents });
          assert.ok(settled.applyEvents > found.applyEvents || found.tenant === 1, 'the apply that created everything is audited');
        } finally {
          await stopTessera(again);
        }
      } finally {
        await probe.close();
        if (proc.child.exitCode === null && proc.child.signalCode === null) await stopTessera(proc);
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  }
});
