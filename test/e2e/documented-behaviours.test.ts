import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clientIdHint } from '../../src/protocol/client-auth/id-hint.js';
import { ok } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { eventually } from '../helpers/eventually.js';
import { createClient } from '../helpers/fixtures.js';
import { postFormFrom } from '../helpers/raw-http.js';
import { basic, decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';
import { issueToken } from '../helpers/tokens.js';

/**
 * Behaviours docs/ states that no other suite checked: each test quotes the page it holds to.
 */
describeEachDialect('documented behaviours', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect, env: { TESSERA_BRUTE_FORCE_MAX_FAILURES: '3', TESSERA_DATABASE_POOL_SIZE: '3' } });
  });
  after(() => t.close());

  it('api.md: the JWKS is cached for 60 s, discovery for 300 s', async () => {
    assert.equal((await t.publicFetch('/.well-known/jwks.json')).headers.get('cache-control'), 'public, max-age=60');
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      assert.equal((await t.publicFetch(path)).headers.get('cache-control'), 'public, max-age=300', path);
    }
  });

  it('api.md: ?reason= takes up to 500 printable characters, recorded in the audit event; one more is refused', async () => {
    const reason = 'r'.repeat(500);
    const created = await t.admin('POST', `/clients?reason=${reason}`, { client_id: 'with-reason', audience: ['https://docs.test/'] });
    assert.equal(created.status, 201, created.text);
    const events = ok(await t.admin('GET', '/audit-events?action=client.create')).items as { target_id: string; reason: string | null }[];
    assert.equal(events.find((e) => e.target_id === 'with-reason')?.reason, reason);
    const refused = await t.admin('POST', `/clients?reason=${reason}r`, { client_id: 'with-long-reason', audience: ['https://docs.test/'] });
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal((await t.admin('GET', '/clients/with-long-reason')).status, 404, 'nothing was created');
  });

  it("hardening.md: the lockout of an unknown client id longer than any key names it by the id's hint in the audit log", async () => {
    const longId = `long-${'x'.repeat(300)}`;
    // Each from an address of its own: only the client id gets locked.
    for (let i = 1; i <= 3; i++) {
      const res = await postFormFrom(
        `127.0.8.${i}`,
        `${t.publicUrl}/oauth2/token`,
        { grant_type: 'client_credentials' },
        { authorization: basic(longId, 'wrong') },
      );
      assert.equal(res.status, 401, res.text);
    }
    const locked = await postFormFrom(
      '127.0.8.4',
      `${t.publicUrl}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { authorization: basic(longId, 'wrong') },
    );
    assert.equal(locked.status, 429, locked.text);
    const events = ok(await t.admin('GET', '/audit-events?action=client.auth.locked')).items as { target_type: string; target_id: string }[];
    assert.deepEqual(
      events.filter((e) => e.target_type === 'client').map((e) => e.target_id),
      [clientIdHint(longId)],
    );
  });

  if (dialect === 'postgres') {
    it('configuration.md: TESSERA_DATABASE_POOL_SIZE is the most connections the pool opens', async () => {
      const pool = t.server.deps.store.pool()!;
      assert.equal(pool.max, 3);
      // Hold every connection the pool will open, and one more: the fourth waits instead of opening one.
      let release = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding = 0;
      const hold = () => {
        holding += 1;
        return released;
      };
      const holds = Array.from({ length: 4 }, () => t.server.deps.store.db.connection().execute(hold));
      try {
        await eventually('three uses hold a connection', async () => holding === 3, { withinMs: 20_000 });
        const now = t.server.deps.store.pool()!;
        assert.deepEqual([holding, now.open, now.waiting], [3, 3, 1], 'the fourth waits instead of opening a connection');
      } finally {
        release();
        await Promise.all(holds);
      }
    });
  }
});

describe('configuration.md: TESSERA_PUBLIC_URL with a path', () => {
  let t: TestTessera;
  const base = 'https://example.com/auth';
  before(async () => {
    t = await startTessera({ env: { TESSERA_PUBLIC_URL: `${base}/` } });
  });
  after(() => t.close());

  it('is the issuer and the base of every endpoint, which the listener still serves from /', async () => {
    const meta = ok(await t.publicFetch('/.well-known/oauth-authorization-server'));
    assert.equal(meta.issuer, base, 'the trailing slash is removed');
    assert.equal(meta.token_endpoint, `${base}/oauth2/token`);
    assert.equal(meta.jwks_uri, `${base}/.well-known/jwks.json`);
    const client = await createClient(t, { audience: ['https://docs.test/'] });
    assert.equal(decodeJwt(await issueToken(t, client)).payload.iss, base);
    assert.equal((await t.admin('POST', '/tenants', { id: 'acme' })).status, 201);
    assert.equal(ok(await t.publicFetch('/t/acme/.well-known/oauth-authorization-server')).issuer, `${base}/t/acme`);
  });
});

describe('configuration.md: SQLite files and their secret', () => {
  it('reads sqlite:///abs/path as the absolute path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-url-'));
    try {
      const t = await startTessera({ dataDir: dir, env: { TESSERA_DATABASE_URL: `sqlite://${join(dir, 'nested', 'abs.db')}` } });
      await t.close();
      assert.ok(existsSync(join(dir, 'nested', 'abs.db')), 'the file is at the absolute path');
      assert.ok(existsSync(join(dir, 'nested', 'tessera.secret')), 'and its secret beside it');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start when tessera.secret does not hold 64 hex characters, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-bad-secret-'));
    try {
      for (const content of ['not hex at all\n', `${randomBytes(31).toString('hex')}\n`, `${'g'.repeat(64)}\n`]) {
        mkdirSync(join(dir, 'data'), { recursive: true });
        writeFileSync(join(dir, 'data', 'tessera.secret'), content, { mode: 0o600 });
        await assert.rejects(
          startTessera({ dataDir: dir, env: { TESSERA_DATABASE_URL: `sqlite:${join(dir, 'data', 'tessera.db')}` } }),
          (err: Error) => err.message === `${join(dir, 'data', 'tessera.secret')} does not hold 64 hex characters; restore it or set TESSERA_SECRET`,
          JSON.stringify(content),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
