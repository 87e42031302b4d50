import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { MIGRATION_NAMES } from '../../src/storage/migrations/index.js';
import { DIALECTS } from '../helpers/dialects.js';
import { eventually } from '../helpers/eventually.js';
import { adminCall as call, spawnTessera, spawnTesseras, stopTessera, type TesseraProcess } from '../helpers/process.js';
import { sharedPostgres } from '../helpers/postgres.js';
import { basic, decodeJwt } from '../helpers/tessera.js';

const skip = DIALECTS.includes('postgres') ? false : 'PostgreSQL is not in TESSERA_TEST_DIALECTS';

/**
 * A change made through any process takes effect in every other as soon as its notification
 * arrives (docs/configuration.md#several-processes: typically within a second). The tests wait for that to be seen,
 * and print how long it took; this only bounds a failure, on a machine however loaded.
 */
const CHANGE_WAIT_MS = 20_000;

async function tokenFrom(proc: TesseraProcess, clientId: string, secret: string, params: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${proc.publicUrl}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: basic(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }).toString(),
  });
  return { status: res.status, body: await res.json() };
}

async function jwksKids(proc: TesseraProcess): Promise<string[]> {
  const res = await fetch(`${proc.publicUrl}/.well-known/jwks.json`);
  return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
}

describe('[postgres] two processes on one database', { skip, timeout: 120_000 }, () => {
  const adminToken = `multi-${randomBytes(16).toString('hex')}`;
  let a: TesseraProcess;
  let b: TesseraProcess;
  before(async () => {
    const url = await (await sharedPostgres()).createDatabase();
    const env = { TESSERA_DATABASE_URL: url, TESSERA_SECRET: randomBytes(32).toString('hex'), TESSERA_ADMIN_TOKEN: adminToken };
    a = await spawnTessera(env);
    b = await spawnTessera(env);
  });
  after(async () => {
    await Promise.all([a, b].filter(Boolean).map(stopTessera));
  });

  it('a client created through A gets a token from B; disabled through B, A refuses it', async (t) => {
    const created = await call(a, adminToken, 'POST', '/clients', { audience: ['https://multi.api/'], scope: 'read' });
    assert.equal(created.status, 201);
    const { client_id: id, client_secret: secret } = created.body;
    await eventually('B issues a token to the client created through A', async () => (await tokenFrom(b, id, secret)).status === 200, {
      withinMs: CHANGE_WAIT_MS,
    });
    assert.equal((await tokenFrom(a, id, secret)).status, 200);

    assert.equal((await call(b, adminToken, 'PATCH', `/clients/${id}`, { active: false })).status, 200);
    const ms = await eventually('A refuses the client disabled through B', async () => (await tokenFrom(a, id, secret)).status === 401, {
      withinMs: CHANGE_WAIT_MS,
    });
    t.diagnostic(`A refused the disabled client ${Math.round(ms)} ms after B answered the change`);
    assert.deepEqual((await tokenFrom(a, id, secret)).body, { error: 'invalid_client', error_description: 'Client authentication failed.' });
  });

  it('a secret removed through A stops working on B', async () => {
    const {
      client_id: id,
      client_secret: first,
      client_secrets: secrets,
    } = (await call(a, adminToken, 'POST', '/clients', { audience: ['https://multi.api/'] })).body;
    const second = (await call(a, adminToken, 'POST', `/clients/${id}/secrets`)).body.client_secret as string;
    await eventually('B knows the second secret', async () => (await tokenFrom(b, id, second)).status === 200, { withinMs: CHANGE_WAIT_MS });
    assert.equal((await tokenFrom(b, id, first)).status, 200);
    assert.equal((await call(a, adminToken, 'DELETE', `/clients/${id}/secrets/${secrets[0].id}`)).status, 204);
    await eventually('B refuses the removed secret', async () => (await tokenFrom(b, id, first)).status === 401, { withinMs: CHANGE_WAIT_MS });
    assert.equal((await tokenFrom(b, id, second)).status, 200, 'the other secret still works');
  });

  it('a grant revoked through B is gone from the tokens A issues', async () => {
    const api = (await call(a, adminToken, 'POST', '/apis', { identifier: 'https://orders.multi/', scopes: [{ value: 'orders:read' }] })).body;
    const { client_id: id, client_secret: secret } = (await call(a, adminToken, 'POST', '/clients', {})).body;
    const grant = (await call(a, adminToken, 'POST', '/grants', { client_id: id, api_id: api.id, scopes: ['orders:read'] })).body;
    const target = { audience: 'https://orders.multi/' };
    await eventually('B issues tokens under the grant made through A', async () => (await tokenFrom(b, id, secret, target)).status === 200, {
      withinMs: CHANGE_WAIT_MS,
    });
    assert.equal((await call(b, adminToken, 'DELETE', `/grants/${grant.id}`)).status, 204);
    await eventually('A no longer issues under the revoked grant', async () => (await tokenFrom(a, id, secret, target)).status === 400, {
      withinMs: CHANGE_WAIT_MS,
    });
    assert.equal((await tokenFrom(a, id, secret, target)).body.error, 'invalid_target');
  });

  it("a fresh key rotated on A (emergency) is in B's JWKS, and signs B's tokens", async (t) => {
    const { client_id: id, client_secret: secret } = (await call(a, adminToken, 'POST', '/clients', { audience: ['https://multi.api/'] })).body;
    const rotated = await call(a, adminToken, 'POST', '/keys/rotate?emergency=true');
    assert.equal(rotated.status, 201);
    const kid = rotated.body.kid as string;
    const ms = await eventually("B's JWKS shows the new key", async () => (await jwksKids(b)).includes(kid), { withinMs: CHANGE_WAIT_MS });
    t.diagnostic(`B published the new key ${Math.round(ms)} ms after A answered the rotation`);
    await eventually(
      'B signs with the new key',
      async () => {
        const res = await tokenFrom(b, id, secret);
        return res.status === 200 && decodeJwt(res.body.access_token).header.kid === kid;
      },
      { withinMs: CHANGE_WAIT_MS },
    );
  });

  it("a token revoked on A is inactive in B's introspection, and in B's revocation feed", async () => {
    const { client_id: id, client_secret: secret } = (await call(a, adminToken, 'POST', '/clients', { audience: ['https://multi.api/'] })).body;
    const issued = await tokenFrom(a, id, secret);
    assert.equal(issued.status, 200);
    const form = (proc: TesseraProcess, path: string) =>
      fetch(`${proc.publicUrl}${path}`, {
        method: 'POST',
        headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: issued.body.access_token }).toString(),
      });
    // The client was created through A a moment ago: B knows it once the change has reached it.
    await eventually(
      'B introspects the token as active',
      async () => {
        return ((await (await form(b, '/oauth2/introspect')).json()) as { active?: boolean }).active === true;
      },
      { withinMs: CHANGE_WAIT_MS },
    );
    assert.equal((await form(a, '/oauth2/revoke')).status, 200);
    const { jti } = decodeJwt(issued.body.access_token).payload as { jti: string };
    await eventually(
      'B introspects the revoked token as inactive',
      async () => {
        return ((await (await form(b, '/oauth2/introspect')).json()) as { active: boolean }).active === false;
      },
      { withinMs: CHANGE_WAIT_MS },
    );
    const feed = (await (await fetch(`${b.publicUrl}/oauth2/revoked`)).json()) as { revoked: { jti: string }[] };
    assert.ok(
      feed.revoked.some((r) => r.jti === jti),
      "B's feed lists the revoked jti",
    );
  });

  it("an access token for the admin API works on B until it is revoked on A: B's admin API refuses it once B's change feed delivered the revocation", async (t) => {
    const created = await call(a, adminToken, 'POST', '/clients', {});
    assert.equal(created.status, 201);
    const { client_id: id, client_secret: secret } = created.body;
    assert.equal((await call(a, adminToken, 'POST', '/grants', { client_id: id, api_identifier: 'urn:tessera:admin', scopes: ['clients:read'] })).status, 201);
    const tokens: string[] = [];
    for (let i = 0; i < 2; i++) {
      const issued = await tokenFrom(a, id, secret, { audience: 'urn:tessera:admin' });
      assert.equal(issued.status, 200);
      tokens.push(issued.body.access_token);
    }
    const [revokedByJti, revokedByCutOff] = tokens as [string, string];
    // B verifies with the tenant's keys in its memory: no client lookup, so the tokens work there at once.
    for (const token of tokens) assert.equal((await call(b, token, 'GET', '/clients')).status, 200);
    assert.equal((await call(b, revokedByJti, 'GET', '/admin-tokens')).status, 403);

    const revoked = await fetch(`${a.publicUrl}/oauth2/revoke`, {
      method: 'POST',
      headers: { authorization: basic(id, secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: revokedByJti }).toString(),
    });
    assert.equal(revoked.status, 200);
    const ms = await eventually("B's admin API refuses the token revoked on A", async () => (await call(b, revokedByJti, 'GET', '/clients')).status === 401, {
      withinMs: CHANGE_WAIT_MS,
    });
    const refused = {
      type: 'urn:tessera:problem:unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: 'the access token has been revoked',
      instance: '/clients',
    };
    assert.deepEqual(await call(b, revokedByJti, 'GET', '/clients'), { status: 401, body: refused });
    assert.equal((await call(b, revokedByCutOff, 'GET', '/clients')).status, 200, 'only the revoked jti is refused');

    assert.equal((await call(a, adminToken, 'POST', `/clients/${id}/revoke-tokens`)).status, 200);
    const cutOffMs = await eventually(
      "B's admin API refuses the tokens of the client cut off on A",
      async () => (await call(b, revokedByCutOff, 'GET', '/clients')).status === 401,
      {
        withinMs: CHANGE_WAIT_MS,
      },
    );
    assert.deepEqual(await call(b, revokedByCutOff, 'GET', '/clients'), { status: 401, body: refused });
    t.diagnostic(`B's admin API refused the revoked token ${Math.round(ms)} ms after A answered (jti), ${Math.round(cutOffMs)} ms (client cut-off)`);
  });
});

describe('[postgres] three processes starting together on an empty database', { skip, timeout: 60_000 }, () => {
  it('migrate once and bootstrap once: one migration record, one default tenant, one generated admin token', async () => {
    const url = await (await sharedPostgres()).createDatabase();
    const env = { TESSERA_DATABASE_URL: url, TESSERA_SECRET: randomBytes(32).toString('hex') };
    const procs = await spawnTesseras(3, env);
    try {
      const lines = procs.map((p) =>
        p.output
          .join('')
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l)),
      );
      const migrated = lines.filter((log) => log.some((l) => l.msg === 'database migrated'));
      assert.equal(migrated.length, 1, 'exactly one process applied the migrations');
      for (const log of lines)
        assert.deepEqual(
          log.filter((l) => l.level >= 40),
          [],
          'no warning or error at start',
        );

      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        const recorded = await db.query<{ name: string; n: string }>('select name, count(*) as n from kysely_migration group by name order by name');
        assert.deepEqual(
          recorded.rows,
          [...MIGRATION_NAMES].sort().map((name) => ({ name, n: '1' })),
          'each migration recorded once',
        );
        const created = await db.query<{ n: string }>("select count(*) as n from audit_events where action = 'tenant.create'");
        assert.equal(created.rows[0]!.n, '1', 'tenant default created once');
        const tokens = await db.query<{ n: string }>('select count(*) as n from admin_tokens');
        assert.equal(tokens.rows[0]!.n, '1', 'one admin token generated');
      } finally {
        await db.end();
      }

      const printed = procs.map((p) => /First start: an admin token was generated[\s\S]*?\n\s+(\S+)\n/.exec(p.output.join(''))?.[1]).filter(Boolean);
      assert.equal(printed.length, 1, 'the generated token is printed once');
      for (const p of procs) assert.equal((await call(p, printed[0]!, 'GET', '/clients')).status, 200, 'every process accepts it');
    } finally {
      await Promise.all(procs.map(stopTessera));
    }
  });
});
