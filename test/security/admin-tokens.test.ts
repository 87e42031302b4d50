import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { sha256Hex } from '../../src/lib/digest.js';
import { deriveKey, hmacSha256Hex } from '../../src/lib/keyed-digest.js';
import { openStore } from '../../src/storage/database.js';
import { migrateUpTo } from '../../src/storage/migrations/index.js';
import { assertProblem, created, manualClock, ok } from '../helpers/admin.js';
import { describeEachDialect, type TestDialect } from '../helpers/dialects.js';
import { startTessera, storeEnv, type TestTessera } from '../helpers/tessera.js';

const ENVIRONMENT_NAME = 'bootstrap (TESSERA_ADMIN_TOKEN)';
const unauthorized = (instance: string) => ({ status: 401, detail: 'the admin token is not valid', instance });
const chosen = (label: string) => `chosen-${label}-${randomBytes(12).toString('hex')}`;

/** One store (SQLite file or PostgreSQL database) that several starts share, each with its own environment. */
async function sharedStore(dialect: TestDialect) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-admin-tokens-'));
  // With a TESSERA_SECRET on SQLite too: the test computes the keyed digest from it.
  const env = { TESSERA_DATABASE_URL: (await storeEnv(dialect, dataDir)).TESSERA_DATABASE_URL!, TESSERA_SECRET: randomBytes(32).toString('hex') };
  return {
    env,
    /** Starts Tessera on the store with TESSERA_ADMIN_TOKEN = `adminToken` ('' leaves it unset). */
    start: (adminToken: string, options: { clock?: ReturnType<typeof manualClock> } = {}) =>
      startTessera({ dialect, dataDir, env: { ...env, TESSERA_ADMIN_TOKEN: adminToken }, ...options }),
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** The stored rows of admin tokens, straight from the database. */
function rows(t: TestTessera) {
  return t.server.deps.store.db.selectFrom('admin_tokens').selectAll().orderBy('id').execute();
}

const environmentRows = async (t: TestTessera) => (await rows(t)).filter((r) => r.source === 'environment');

/** Runs `use` on a started Tessera and closes it, whatever happens. */
async function during<T>(starting: Promise<TestTessera>, use: (t: TestTessera) => Promise<T>): Promise<T> {
  const t = await starting;
  try {
    return await use(t);
  } finally {
    await t.close();
  }
}

/** Whether `token` opens the admin API (200) or is refused with the exact 401 of an unknown token. */
async function works(t: TestTessera, token: string): Promise<boolean> {
  const res = await t.admin('GET', '/clients', undefined, { token });
  if (res.status === 200) return true;
  assertProblem(res, unauthorized('/clients'));
  return false;
}

describeEachDialect('admin tokens: the environment token follows TESSERA_ADMIN_TOKEN', (dialect) => {
  let store: Awaited<ReturnType<typeof sharedStore>>;
  before(async () => {
    store = await sharedStore(dialect);
  });
  after(() => store.remove());

  it('a changed value replaces the digest of the one environment record: the old value stops working', async () => {
    const [first, second] = [chosen('first'), chosen('second')];
    const original = await during(store.start(first), async (a) => {
      assert.equal(await works(a, first), true);
      return (await rows(a)).find((r) => r.name === ENVIRONMENT_NAME)!;
    });
    await during(store.start(second), async (b) => {
      assert.equal(await works(b, first), false, 'the earlier value is refused');
      assert.equal(await works(b, second), true);
      const records = await environmentRows(b);
      assert.equal(records.length, 1, 'one record for the environment token');
      assert.equal(records[0]!.id, original.id, 'the same record, its digest replaced');
      const listed = ok(await b.admin('GET', '/admin-tokens')).items.filter((x: any) => x.name === ENVIRONMENT_NAME);
      assert.deepEqual(listed, [
        { id: original.id, name: ENVIRONMENT_NAME, tenant: null, scopes: ['admin'], created_at: original.created_at, expires_at: null },
      ]);
      const updates = ok(await b.admin('GET', `/audit-events?action=admin_token.update&target_id=${original.id}`));
      assert.equal(updates.items.length, 1, 'the replacement is audited');
      assert.equal(updates.items[0].actor, 'system');
      for (const secret of [first, second]) assert.ok(!JSON.stringify(updates.items).includes(secret), 'no value in the audit trail');
    });
    // The same value again changes nothing.
    await during(store.start(second), async (c) => {
      assert.equal(ok(await c.admin('GET', '/audit-events?action=admin_token.update')).items.length, 1);
    });
  });

  it('a record deleted through the API stops working at once and returns at the next start while the variable is set', async () => {
    const value = chosen('deleted');
    const deleted = await during(store.start(value), async (a) => {
      const [record] = await environmentRows(a);
      // Another unrestricted token, to delete the environment's with.
      const other = created(await a.admin('POST', '/admin-tokens', { name: 'ops' }));
      assert.equal((await a.admin('DELETE', `/admin-tokens/${record!.id}`, undefined, { token: other.token })).status, 204);
      assert.equal(await works(a, value), false);
      return { id: record!.id, other: other.token as string };
    });
    await during(store.start(value), async (b) => {
      assert.equal(await works(b, value), true, 'the environment is the source of truth');
      const records = await environmentRows(b);
      assert.equal(records.length, 1);
      assert.notEqual(records[0]!.id, deleted.id, 'a new record');
      assert.equal(await works(b, deleted.other), true);
    });
  });

  it('unsetting the variable deletes the record at the next start; a store left without any token gets a generated one', async () => {
    const value = chosen('unset');
    const other = await during(store.start(value), async (a) => created(await a.admin('POST', '/admin-tokens', { name: 'kept' })));
    await during(store.start(''), async (b) => {
      assert.equal(b.server.generatedAdminToken, undefined, 'another token remains: none is generated');
      assert.equal(await works(b, value), false);
      assert.equal(await works(b, other.token), true);
      assert.deepEqual(await environmentRows(b), []);
      const deleted = ok(await b.admin('GET', '/audit-events?action=admin_token.delete&actor=system', undefined, { token: other.token }));
      assert.ok(
        deleted.items.some((e: any) => e.details.name === ENVIRONMENT_NAME && e.reason === 'bootstrap'),
        'the deletion is audited',
      );
    });
    // The environment's token as the only one left...
    await during(store.start(value), async (c) => {
      for (const r of await rows(c)) if (r.source !== 'environment') assert.equal((await c.admin('DELETE', `/admin-tokens/${r.id}`)).status, 204);
      assert.equal((await rows(c)).length, 1, 'the environment token is the only way in');
    });
    // ...then the variable unset.
    await during(store.start(''), async (d) => {
      assert.equal(await works(d, value), false);
      const generated = d.server.generatedAdminToken;
      assert.ok(generated, 'as on a first start, a token is generated and printed once');
      assert.equal(await works(d, generated), true);
    });
  });
});

describeEachDialect('admin tokens: digests at rest', (dialect) => {
  let store: Awaited<ReturnType<typeof sharedStore>>;
  let t: TestTessera;
  const value = chosen('at-rest');
  before(async () => {
    store = await sharedStore(dialect);
    t = await store.start(value);
  });
  after(async () => {
    await t.close();
    store.remove();
  });

  it('stores an operator-chosen token as an HMAC under a key derived from TESSERA_SECRET, never as its value or its plain SHA-256', async () => {
    const record = (await rows(t)).find((r) => r.name === ENVIRONMENT_NAME);
    assert.notEqual(record!.digest, sha256Hex(value), 'not the plain SHA-256 of the value');
    assert.equal(record!.digest_kind, 'hmac-sha256');
    assert.ok(!JSON.stringify(await rows(t)).includes(value));
    const key = deriveKey(Buffer.from(store.env.TESSERA_SECRET, 'hex'), 'tessera admin-token digest v1');
    assert.equal(record!.digest, hmacSha256Hex(key, value));
    assert.notEqual(key.toString('hex'), store.env.TESSERA_SECRET, 'a derived key, not the key-encryption key');
  });

  it('keeps the plain SHA-256 for generated tokens (one hash)', async () => {
    const tok = created(await t.admin('POST', '/admin-tokens', { name: 'generated' }));
    const row = (await rows(t)).find((r) => r.id === tok.id)!;
    assert.equal(row.digest_kind, 'sha256');
    assert.equal(row.digest, sha256Hex(tok.token));
  });

  it('refuses the value when its stored HMAC was made under another TESSERA_SECRET', async () => {
    const record = (await rows(t)).find((r) => r.name === ENVIRONMENT_NAME);
    const otherKey = deriveKey(randomBytes(32), 'tessera admin-token digest v1');
    await t.server.deps.store.db
      .updateTable('admin_tokens')
      .set({ digest: hmacSha256Hex(otherKey, value) })
      .where('id', '=', record!.id)
      .execute();
    assert.equal(await works(t, value), false);
    // A plain SHA-256 of the value in an HMAC row is no way in either.
    await t.server.deps.store.db
      .updateTable('admin_tokens')
      .set({ digest: sha256Hex(value) })
      .where('id', '=', record!.id)
      .execute();
    assert.equal(await works(t, value), false);
  });
});

describeEachDialect('admin tokens: expiry', (dialect) => {
  const clock = manualClock();
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect, clock });
  });
  after(() => t.close());

  it('a token created with expires_in works until then, is listed with expires_at, and is refused from then on with the 401 of an unknown token', async () => {
    const res = await t.admin('POST', '/admin-tokens', { name: 'short', expires_in: 60 });
    const tok = created(res);
    assert.equal(tok.created_at, new Date(clock.now()).toISOString());
    assert.equal(tok.expires_at, new Date(clock.now() + 60_000).toISOString());
    assert.deepEqual(Object.keys(tok).sort(), ['created_at', 'expires_at', 'id', 'name', 'scopes', 'tenant', 'token']);
    const listed = ok(await t.admin('GET', '/admin-tokens')).items.find((x: any) => x.id === tok.id);
    assert.deepEqual(listed, { id: tok.id, name: 'short', tenant: null, scopes: ['admin'], created_at: tok.created_at, expires_at: tok.expires_at });

    clock.advance(59_999);
    assert.equal(await works(t, tok.token), true);
    clock.advance(1);
    const refused = await t.admin('GET', '/clients', undefined, { token: tok.token });
    assertProblem(refused, unauthorized('/clients'));
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="tessera-admin"');
  });

  it('a token without expires_in does not expire (expires_at null)', async () => {
    const tok = created(await t.admin('POST', '/admin-tokens', { name: 'forever' }));
    assert.equal(tok.expires_at, null);
    clock.advance(400 * 86_400_000);
    assert.equal(await works(t, tok.token), true);
  });

  it('refuses expires_in under 60 or over 31536000 seconds with a field error on /expires_in (422)', async () => {
    for (const expires_in of [59, 31_536_001, 0, -60]) {
      assertProblem(await t.admin('POST', '/admin-tokens', { name: 'bad', expires_in }), {
        status: 422,
        detail: 'the admin token is not valid',
        instance: '/admin-tokens',
        errors: [{ pointer: '/expires_in', detail: 'must be a whole number of seconds from 60 to 31536000' }],
      });
    }
    assert.equal(created(await t.admin('POST', '/admin-tokens', { name: 'a-year', expires_in: 31_536_000 })).name, 'a-year');
  });
});

describeEachDialect('admin tokens: migration 0006 from a database of the previous release', (dialect) => {
  const generated = `tsr_at_${randomBytes(32).toString('base64url')}`;
  const [older, current] = [chosen('older'), chosen('current')];
  let store: Awaited<ReturnType<typeof sharedStore>>;
  let t: TestTessera;

  before(async () => {
    store = await sharedStore(dialect);
    // The database as the previous release left it: a generated token, two values the environment
    // had (one row each), and a token an operator named like the environment's.
    const old = openStore(store.env.TESSERA_DATABASE_URL);
    try {
      await migrateUpTo(old.db, '0005_token_activity');
      const token = (id: string, name: string, value: string) => ({
        id,
        tenant_id: null,
        name,
        digest: sha256Hex(value),
        created_at: '2026-01-01T00:00:00.000Z',
      });
      const audited = (id: string, actor: string, reason: string | null) => ({
        id: `ev_${id}`,
        tenant_id: null,
        occurred_at: '2026-01-01T00:00:00.000Z',
        actor,
        action: 'admin_token.create',
        target_type: 'admin_token',
        target_id: id,
        reason,
        details: '{}',
      });
      const db = old.db as any;
      await db
        .insertInto('admin_tokens')
        .values([
          token('at_0001', 'ci', generated),
          token('at_0002', ENVIRONMENT_NAME, older),
          token('at_0003', ENVIRONMENT_NAME, current),
          token('at_0004', ENVIRONMENT_NAME, 'x'.repeat(40)),
        ])
        .execute();
      await db
        .insertInto('audit_events')
        .values([
          audited('at_0001', 'admin-token:at_0000', null),
          audited('at_0002', 'system', 'bootstrap'),
          audited('at_0003', 'system', 'bootstrap'),
          audited('at_0004', 'local-operator', null),
        ])
        .execute();
    } finally {
      await old.close();
    }
    t = await store.start(current);
  });
  after(async () => {
    await t.close();
    store.remove();
  });

  it('keeps existing tokens working, keeps one environment record with a keyed digest, and drops the earlier values of the environment', async () => {
    assert.equal(await works(t, generated), true, 'a generated token of the previous release');
    assert.equal(await works(t, 'x'.repeat(40)), true, "a token the operator named like the environment's is not the environment's");
    assert.equal(await works(t, current), true);
    assert.equal(await works(t, older), false, 'an earlier value of TESSERA_ADMIN_TOKEN');
    const records = await environmentRows(t);
    assert.deepEqual(
      records.map((r) => [r.id, r.digest_kind, r.digest !== sha256Hex(current)]),
      [['at_0003', 'hmac-sha256', true]],
    );
    const byId = new Map((await rows(t)).map((r) => [r.id, r]));
    assert.equal(byId.get('at_0001')!.digest_kind, 'sha256');
    assert.equal(byId.get('at_0001')!.expires_at, null);
    assert.equal(byId.has('at_0002'), false);
  });
});
