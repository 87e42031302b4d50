import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { createClient, createOk } from '../helpers/fixtures.js';
import { spawnTessera } from '../helpers/process.js';
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

describe('SIGKILL in the middle of a batch of admin writes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-kill-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('restarts with every acknowledged write present and an intact database', async () => {
    const token = `kill-${randomBytes(16).toString('hex')}`;
    const env = { TESSERA_DATABASE_URL: `sqlite:${join(dataDir, 'tessera.db')}`, TESSERA_ADMIN_TOKEN: token };
    const proc = await spawnTessera(env);
    const acknowledged: string[] = [];
    let killed = false;
    const writer = async (worker: number) => {
      for (let i = 0; !killed; i++) {
        try {
          const res = await fetch(`${proc.adminUrl}/service-accounts?reason=batch`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ user_name: `batch-${worker}-${i}` }),
          });
          if (res.status === 201) acknowledged.push(((await res.json()) as { id: string }).id);
        } catch {
          return; // the connection died with the process
        }
        if (acknowledged.length >= 40 && !killed) {
          killed = true;
          proc.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all([0, 1, 2, 3].map(writer));
    assert.equal(await proc.exited, 'SIGKILL');
    assert.ok(acknowledged.length >= 40);

    const check = new Database(join(dataDir, 'tessera.db'));
    assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
    check.close();

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
