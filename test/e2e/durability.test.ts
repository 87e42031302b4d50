import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createClient, createOk } from '../helpers/fixtures.js';
import { spawnTessera, type TesseraProcess } from '../helpers/process.js';
import { basic, startTessera } from '../helpers/tessera.js';

describe('restart on the same data directory', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-restart-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps every object, the secrets and the keys; tokens issued before still verify', async () => {
    const env = { TESSERA_PUBLIC_URL: 'https://auth.restart.test', TESSERA_ADMIN_TOKEN: `restart-${randomBytes(16).toString('hex')}` };
    const first = await startTessera({ dataDir, env });
    const sa = await createOk(first, '/service-accounts', { user_name: 'restart-sa' });
    const api = await createOk(first, '/apis', { identifier: 'https://restart.api', scopes: [{ value: 'read' }] });
    await createOk(first, '/grants', { service_account_id: sa.id, api_id: api.id, scopes: ['read'] });
    const client = await createClient(first, { service_account_id: sa.id });
    await createOk(first, '/tenants', { id: 'second', signing_alg: 'ES256' });
    const before = await first.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(client.clientId, client.secret) });
    assert.equal(before.status, 200);
    await first.close();

    const second = await startTessera({ dataDir, env });
    try {
      assert.equal((await second.admin('GET', `/service-accounts/${sa.id}`)).status, 200);
      assert.equal((await second.admin('GET', `/apis/${api.id}`)).status, 200);
      assert.equal((await second.admin('GET', '/grants')).body.items.length, 1);
      assert.equal((await second.admin('GET', '/tenants/second')).body.signing_alg, 'ES256');
      const jwks = createRemoteJWKSet(new URL(`${second.publicUrl}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(before.body.access_token, jwks, { issuer: 'https://auth.restart.test', typ: 'at+jwt' });
      assert.equal(payload.sub, sa.id);
      const afterRestart = await second.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(client.clientId, client.secret) });
      assert.equal(afterRestart.status, 200);
      assert.equal(afterRestart.body.scope, 'read');
    } finally {
      await second.close();
    }
  });
});

/**
 * Sends POST `path` from `writers` concurrent loops (`body` of each loop's i-th request) until
 * `enough` answers were 201, then SIGKILLs the process: the acknowledged answers (their `key`),
 * once the process has died.
 */
async function burstUntilKilled(
  proc: TesseraProcess,
  token: string,
  { path, writers, enough, body, key }: { path: string; writers: number; enough: number; body: (writer: number, i: number) => object; key: string },
): Promise<string[]> {
  const acknowledged: string[] = [];
  let killed = false;
  const writer = async (worker: number) => {
    for (let i = 0; !killed; i++) {
      try {
        const res = await fetch(`${proc.adminUrl}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body(worker, i)),
        });
        if (res.status === 201) acknowledged.push(((await res.json()) as Record<string, string>)[key]!);
      } catch {
        return; // the connection died with the process
      }
      if (acknowledged.length >= enough && !killed) {
        killed = true;
        proc.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  assert.equal(await proc.exited, 'SIGKILL');
  assert.ok(acknowledged.length >= enough);
  return acknowledged;
}

/** Asserts that the SQLite database in `dataDir` passes its integrity check. */
function assertIntact(dataDir: string): void {
  const check = new Database(join(dataDir, 'tessera.db'));
  assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
  check.close();
}

describe('SIGKILL in the middle of a batch of admin writes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-kill-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('restarts with every acknowledged write present and an intact database', async () => {
    const token = `kill-${randomBytes(16).toString('hex')}`;
    const env = { TESSERA_DATABASE_URL: `sqlite:${join(dataDir, 'tessera.db')}`, TESSERA_ADMIN_TOKEN: token };
    const proc = await spawnTessera(env);
    const acknowledged = await burstUntilKilled(proc, token, {
      path: '/service-accounts?reason=batch',
      writers: 4,
      enough: 40,
      body: (worker, i) => ({ user_name: `batch-${worker}-${i}` }),
      key: 'id',
    });
    assertIntact(dataDir);

    const again = await spawnTessera(env);
    try {
      for (const id of acknowledged) {
        const res = await fetch(`${again.adminUrl}/service-accounts/${id}`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(res.status, 200, `acknowledged write ${id} is missing`);
      }
      // Each acknowledged write committed with its audit event.
      const audit = await fetch(`${again.adminUrl}/audit-events?action=service_account.create&limit=200`, { headers: { authorization: `Bearer ${token}` } });
      const ids = new Set(((await audit.json()) as { items: { target_id: string }[] }).items.map((e) => e.target_id));
      for (const id of acknowledged) assert.ok(ids.has(id), `audit event of ${id} is missing`);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });
});

describe('SIGKILL during a burst of concurrent client creations (group-committed on SQLite)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-kill-burst-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('restarts with every acknowledged client present and an intact database', async () => {
    const token = `burst-${randomBytes(16).toString('hex')}`;
    const env = { TESSERA_DATABASE_URL: `sqlite:${join(dataDir, 'tessera.db')}`, TESSERA_ADMIN_TOKEN: token };
    const proc = await spawnTessera(env);
    const created = await burstUntilKilled(proc, token, {
      path: '/clients',
      writers: 32,
      enough: 150,
      body: (writer, i) => ({ client_id: `burst-${writer}-${i}`, audience: ['https://burst.api'], scope: 'read' }),
      key: 'client_id',
    });
    assertIntact(dataDir);

    const again = await spawnTessera(env);
    try {
      const listed = new Set<string>();
      for (let cursor: string | null = ''; cursor !== null;) {
        const res = await fetch(`${again.adminUrl}/clients?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        const page = (await res.json()) as { items: { client_id: string }[]; next_cursor?: string | null };
        for (const item of page.items) listed.add(item.client_id);
        cursor = page.next_cursor ?? null;
      }
      const missing = created.filter((id) => !listed.has(id));
      assert.deepEqual(missing, [], 'acknowledged clients are missing after the restart');
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });
});
