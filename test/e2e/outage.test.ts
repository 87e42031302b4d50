import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { manualClock } from '../helpers/admin.js';
import { DIALECTS } from '../helpers/dialects.js';
import { eventually } from '../helpers/eventually.js';
import { createClient } from '../helpers/fixtures.js';
import { spawnTesseras, stopTessera, type TesseraProcess } from '../helpers/process.js';
import { startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { basic, startTessera, type TestTessera } from '../helpers/tessera.js';

const skip = DIALECTS.includes('postgres') ? false : 'PostgreSQL is not in TESSERA_TEST_DIALECTS';

const UNAVAILABLE = { error: 'temporarily_unavailable', error_description: 'The authorization server is temporarily unavailable; retry later.' };

async function tokenStatus(publicUrl: string, clientId: string, secret: string): Promise<{ status: number; body: any; retryAfter: string | null }> {
  const res = await fetch(`${publicUrl}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return { status: res.status, body: await res.json(), retryAfter: res.headers.get('retry-after') };
}

async function adminCall(adminUrl: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

const ready = async (adminUrl: string) => (await fetch(`${adminUrl}/health/ready`)).status;

describe('[postgres] database outage under load, two processes', { skip, timeout: 120_000 }, () => {
  const adminToken = `outage-${randomBytes(16).toString('hex')}`;
  let server: PostgresServer;
  let procs: TesseraProcess[] = [];
  let client: { id: string; secret: string };

  before(async () => {
    server = await startPostgres();
    const env = { TESSERA_DATABASE_URL: await server.createDatabase(), TESSERA_SECRET: randomBytes(32).toString('hex'), TESSERA_ADMIN_TOKEN: adminToken };
    procs = await spawnTesseras(2, env);
    const created = await adminCall(procs[0]!.adminUrl, adminToken, 'POST', '/clients', { audience: ['https://outage.api/'] });
    assert.equal(created.status, 201);
    client = { id: created.body.client_id, secret: created.body.client_secret };
    await eventually('both processes know the client', async () => (await tokenStatus(procs[1]!.publicUrl, client.id, client.secret)).status === 200, {
      withinMs: 1_000,
    });
  });
  after(async () => {
    await Promise.all(procs.map(stopTessera));
    server?.destroy();
  });

  it('keeps serving known clients, answers 503 for the rest, and recovers without a restart once the database is back', async (t) => {
    // Requests flow through both processes for the whole test.
    const statuses: number[] = [];
    let flowing = true;
    const load = (async () => {
      while (flowing) {
        for (const p of procs) statuses.push((await tokenStatus(p.publicUrl, client.id, client.secret)).status);
      }
    })();

    await server.stop();
    const beforeOutage = statuses.length;
    for (const p of procs) await eventually('ready reports 503', async () => (await ready(p.adminUrl)) === 503, { withinMs: 3_000 });

    for (const p of procs) {
      assert.equal((await tokenStatus(p.publicUrl, client.id, client.secret)).status, 200, 'a client in memory still gets tokens');
      const ghost = await tokenStatus(p.publicUrl, 'ghost-client', 'whatever');
      assert.equal(ghost.status, 503, 'a client not in memory may exist: retry later');
      assert.deepEqual(ghost.body, UNAVAILABLE);
      assert.equal(ghost.retryAfter, '5');
      const wrong = await tokenStatus(p.publicUrl, client.id, 'wrong-secret');
      assert.deepEqual([wrong.status, wrong.body], [503, UNAVAILABLE], 'a wrong secret gets the same answer: an outage does not tell which clients exist');
      assert.equal((await fetch(`${p.publicUrl}/.well-known/jwks.json`)).status, 200, 'the JWKS is served from memory');

      for (const [method, body] of [
        ['GET', undefined],
        ['POST', { client_name: 'during the outage' }],
      ] as const) {
        const res = await adminCall(p.adminUrl, adminToken, method, '/clients', body);
        assert.equal(res.status, 503, `admin ${method}`);
        assert.match(res.type ?? '', /^application\/problem\+json/);
        assert.equal(res.retryAfter, '5');
        assert.deepEqual(res.body, {
          type: 'urn:tessera:problem:unavailable',
          title: 'Service Unavailable',
          status: 503,
          detail: 'the database is unavailable; retry shortly',
          instance: '/clients',
        });
      }
    }

    await server.start();
    const recovered = await eventually(
      'every request succeeds again',
      async () => {
        for (const p of procs) {
          if ((await ready(p.adminUrl)) !== 200) return false;
          if ((await adminCall(p.adminUrl, adminToken, 'GET', '/clients')).status !== 200) return false;
        }
        return true;
      },
      { withinMs: 5_000, intervalMs: 50 },
    );
    assert.ok(recovered <= 5_000);
    const duringOutage = statuses.length - beforeOutage;
    flowing = false;
    await load;
    t.diagnostic(`recovered ${Math.round(recovered)} ms after the database started; ${duringOutage} token requests while it was down`);
    assert.ok(duringOutage > 10, 'requests flowed during the outage');

    assert.ok(statuses.length > 0);
    assert.deepEqual([...new Set(statuses)], [200], 'the known client was served throughout');
    for (const p of procs) assert.equal(p.child.exitCode, null, 'no process stopped');
    for (const p of procs) {
      assert.equal((await tokenStatus(p.publicUrl, 'ghost-client', 'whatever')).status, 401, 'unknown clients are unknown again');
      assert.equal((await tokenStatus(p.publicUrl, client.id, 'wrong-secret')).status, 401);
    }

    // The feed listens again: a change through one process reaches the other.
    const fresh = await adminCall(procs[0]!.adminUrl, adminToken, 'POST', '/clients', { audience: ['https://outage.api/'] });
    assert.equal(fresh.status, 201);
    await eventually(
      'the other process knows the new client',
      async () => (await tokenStatus(procs[1]!.publicUrl, fresh.body.client_id, fresh.body.client_secret)).status === 200,
      {
        withinMs: 1_000,
      },
    );
    const all = await adminCall(procs[1]!.adminUrl, adminToken, 'GET', '/clients?limit=200');
    assert.ok(!all.body.items.some((c: any) => c.client_name === 'during the outage'), 'the write refused during the outage left nothing');
  });
});

describe('[postgres] outage grace (TESSERA_OUTAGE_GRACE, injected clock)', { skip, timeout: 60_000 }, () => {
  const clock = manualClock('2026-11-05T00:00:00.000Z');
  let server: PostgresServer;
  let t: TestTessera;
  let client: { clientId: string; secret: string };
  before(async () => {
    server = await startPostgres();
    t = await startTessera({ dialect: 'postgres', clock, env: { TESSERA_DATABASE_URL: await server.createDatabase(), TESSERA_OUTAGE_GRACE: '60' } });
    client = await createClient(t, { audience: ['https://grace.api/'] });
  });
  after(async () => {
    await t?.close();
    server?.destroy();
  });

  it('serves known clients for the grace period only, then nobody until the database is back', async () => {
    await server.stop();
    await eventually('the outage is noticed', async () => !t.server.deps.storeHealth.available, { withinMs: 3_000 });
    assert.equal(t.server.deps.storeHealth.downSinceMs, clock.now());
    clock.advance(59_000);
    assert.equal((await tokenStatus(t.publicUrl, client.clientId, client.secret)).status, 200, 'within the grace');
    clock.advance(1_000);
    const late = await tokenStatus(t.publicUrl, client.clientId, client.secret);
    assert.equal(late.status, 503, 'the grace is over');
    assert.deepEqual(late.body, UNAVAILABLE);
    assert.equal(late.retryAfter, '5');
    assert.match(t.logs.join(''), /the database is unavailable/);

    await server.start();
    await eventually('the database is back', async () => t.server.deps.storeHealth.available, { withinMs: 5_000 });
    assert.equal(t.server.deps.storeHealth.downSinceMs, null);
    assert.equal((await tokenStatus(t.publicUrl, client.clientId, client.secret)).status, 200);
    assert.match(t.logs.join(''), /the database is available again/);
  });
});
