import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { SecretUsage } from '../../src/domain/clients/secret-usage.js';
import { ClientSlots } from '../../src/domain/read-model/client-slots.js';
import { manualClock } from '../helpers/admin.js';
import { DIALECTS, describeEachDialect } from '../helpers/dialects.js';
import { createClient } from '../helpers/fixtures.js';
import { basic, decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

describeEachDialect('scheduled signing key rotation', (dialect) => {
  const clock = manualClock('2026-11-01T00:00:00.000Z');
  const t0 = clock.now();
  let t: TestTessera;
  let client: { clientId: string; secret: string };
  const at = (seconds: number) => clock.advance(t0 + seconds * 1000 - clock.now());
  const jwks = async () => (await t.publicFetch('/.well-known/jwks.json')).body as JSONWebKeySet;
  const token = async () => {
    const res = await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(client.clientId, client.secret) });
    assert.equal(res.status, 200, res.text);
    return res.body.access_token as string;
  };

  before(async () => {
    t = await startTessera({ dialect, clock, env: { TESSERA_KEY_ROTATION_INTERVAL: '1000', TESSERA_KEY_PUBLISH_AHEAD: '100' } });
    client = await createClient(t, { audience: ['https://api.test'] });
  });
  after(() => t.close());

  it('promotes the published next key when due, publishes a new next key at once, and keeps the old key until its tokens expire', async () => {
    const first = (await jwks()).keys.map((k) => k.kid!);
    assert.equal(first.length, 2, 'the active key and the next key, from the start');
    const [kidN, kidA] = first as [string, string];
    const signedByA = await token();
    assert.equal(decodeJwt(signedByA).header.kid, kidA, 'the next key does not sign yet');

    at(999);
    assert.deepEqual(await t.server.deps.keyRotation.tick(), []);
    assert.deepEqual(
      (await jwks()).keys.map((k) => k.kid),
      first,
    );

    at(1000);
    assert.deepEqual(await t.server.deps.keyRotation.tick(), ['default']);
    const signedByN = await token();
    assert.equal(decodeJwt(signedByN).header.kid, kidN, 'the next key signs once due');
    const published = (await jwks()).keys.map((k) => k.kid!);
    assert.equal(published.length, 3);
    assert.deepEqual(published.slice(1), [kidN, kidA]);
    const kidM = published[0]!;
    assert.ok(![kidN, kidA].includes(kidM), 'a new next key is published at once');
    const set = createLocalJWKSet(await jwks());
    await jwtVerify(signedByA, set, { currentDate: new Date(t0 + 1001_000), typ: 'at+jwt' });
    await jwtVerify(signedByN, set, { currentDate: new Date(t0 + 1001_000), typ: 'at+jwt' });

    at(1000 + 86_400 - 1);
    assert.ok(
      (await jwks()).keys.some((k) => k.kid === kidA),
      'retired key published while its tokens may live',
    );
    at(1000 + 86_400 + 1);
    assert.deepEqual(
      (await jwks()).keys.map((k) => k.kid),
      [kidM, kidN],
      'retired key gone once its last token expired',
    );

    const keys = await t.admin('GET', '/keys');
    assert.deepEqual(
      keys.body.items.map((k: any) => [k.kid, k.status]),
      [
        [kidM, 'next'],
        [kidN, 'active'],
        [kidA, 'retired'],
      ],
    );
    const audit = await t.admin('GET', '/audit-events?target_type=signing_key');
    assert.deepEqual(
      // Both events of the rotation carry one time: listed in either order.
      audit.body.items
        .slice(0, 2)
        .map((e: any) => [e.action, e.actor, e.target_id, e.details])
        .sort((a: any, b: any) => a[0].localeCompare(b[0])),
      [
        ['key.activate', 'system', kidN, { mode: 'routine' }],
        ['key.publish_next', 'system', kidM, { alg: 'RS256', signs_from: new Date(t0 + 2000_000).toISOString() }],
      ],
    );
  });

  it('lets a next key sign only once it has been published for the publish-ahead time', async () => {
    at(86_400 + 2000);
    const withdrawn = (await t.admin('GET', '/keys')).body.items.find((k: any) => k.status === 'next').kid;
    assert.equal((await t.admin('DELETE', `/keys/${withdrawn}?reason=leaked`)).status, 204);
    const fresh = (await t.admin('GET', '/keys')).body.items.find((k: any) => k.status === 'next').kid;
    at(86_400 + 2000 + 99);
    assert.deepEqual(await t.server.deps.keyRotation.tick(), [], 'due, but the fresh next key was published 99 s ago');
    at(86_400 + 2000 + 100);
    assert.deepEqual(await t.server.deps.keyRotation.tick(), ['default']);
    assert.equal(decodeJwt(await token()).header.kid, fresh);
  });

  it('replaces a published next key on an emergency rotation', async () => {
    const withNext = await t.admin('GET', '/keys');
    const next = withNext.body.items.find((k: any) => k.status === 'next');
    assert.ok(next, 'a next key is published');
    const rotated = await t.admin('POST', '/keys/rotate?emergency=true&reason=suspected-leak');
    assert.equal(rotated.status, 201);
    const after = await t.admin('GET', '/keys');
    assert.ok(!after.body.items.some((k: any) => k.kid === next.kid), 'the next key is gone');
    assert.equal(after.body.items.filter((k: any) => k.status === 'next').length, 1, 'a fresh next key replaces it');
    assert.equal(decodeJwt(await token()).header.kid, rotated.body.kid, 'the new key signs at once');
  });

  it('withdraws a retired key from the JWKS at once, and refuses to withdraw the active key', async () => {
    const keys = (await t.admin('GET', '/keys')).body.items;
    const retired = keys.find((k: any) => k.status === 'retired');
    const active = keys.find((k: any) => k.status === 'active');
    assert.ok((await jwks()).keys.some((k) => k.kid === retired.kid));
    assert.equal((await t.admin('DELETE', `/keys/${retired.kid}?reason=leaked`)).status, 204);
    assert.ok(!(await jwks()).keys.some((k) => k.kid === retired.kid), 'gone from the JWKS');
    const refused = await t.admin('DELETE', `/keys/${active.kid}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.detail, 'the active key signs tokens; rotate first, then withdraw it');
    assert.equal((await t.admin('DELETE', '/keys/no-such-kid')).status, 404);
    const audit = await t.admin('GET', '/audit-events?action=key.withdraw');
    assert.equal(audit.body.items[0].target_id, retired.kid);
    assert.equal(audit.body.items[0].reason, 'leaked');
  });
});

describeEachDialect('client secret last use', (dialect) => {
  const clock = manualClock('2026-11-02T10:00:00.000Z');
  /** Slots of the clients these tests record uses for by hand. */
  const slots = new ClientSlots();
  const slot = (clientId: string) => slots.slotOf('default', clientId);
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect, clock });
  });
  after(() => t.close());

  it('is kept in memory on the token path and written by the batched flush', async () => {
    const c = await createClient(t, { audience: ['https://api.test'] });
    const secretId = c.body.client_secrets[0].id;
    assert.equal((await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(c.clientId, c.secret) })).status, 200);
    const before = await t.admin('GET', `/clients/${c.clientId}`);
    assert.equal(before.body.client_secrets[0].last_used_at, null, 'nothing written by the token request');
    assert.equal(await t.server.deps.secretUsage.flush(), 1);
    const after = await t.admin('GET', `/clients/${c.clientId}`);
    assert.deepEqual(after.body.client_secrets[0], { ...before.body.client_secrets[0], id: secretId, last_used_at: '2026-11-02T10:00:00.000Z' });
    assert.equal(await t.server.deps.secretUsage.flush(), 0, 'nothing pending');
  });

  it('keeps the uses of a failed flush for the next one, the newest use of each secret winning', async () => {
    const c = await createClient(t, { audience: ['https://api.test'] });
    const db = t.server.deps.store.db;
    let down = true;
    // The flush writes in transactions only.
    const flaky = {
      transaction: () => {
        if (down) throw new Error('the database is down');
        return db.transaction();
      },
    } as unknown as typeof db;
    const usage = new SecretUsage(flaky, clock, slots);
    const secretId = c.body.client_secrets[0].id as string;
    usage.record(slot(c.clientId), secretId);
    await assert.rejects(usage.flush(), /the database is down/);
    clock.advance(5_000);
    usage.record(slot(c.clientId), secretId);
    await assert.rejects(usage.flush(), /the database is down/);
    down = false;
    assert.equal(await usage.flush(), 1);
    assert.equal((await t.admin('GET', `/clients/${c.clientId}`)).body.client_secrets[0].last_used_at, '2026-11-02T10:00:05.000Z');
    assert.equal(await usage.flush(), 0, 'nothing pending');
  });

  it('writes many secrets in slices, each with its own time, and never replaces a later use written by another process', async () => {
    const c = await createClient(t, { audience: ['https://api.test'] });
    const early = await createClient(t, { audience: ['https://api.test'] });
    const secretId = c.body.client_secrets[0].id as string;
    const lastUsed = async (client: { clientId: string }) => (await t.admin('GET', `/clients/${client.clientId}`)).body.client_secrets[0].last_used_at;
    const second = () => new Date(clock.now() - (clock.now() % 1000)).toISOString();
    const db = t.server.deps.store.db;
    // Two processes' counts over the same database: this one saw the secret later than the other.
    const here = new SecretUsage(db, clock, slots);
    const other = new SecretUsage(db, clock, slots);
    other.record(slot(c.clientId), secretId);
    clock.advance(20_000);
    here.record(slot(early.clientId), early.body.client_secrets[0].id);
    const earlyAt = second();
    clock.advance(10_000);
    // 1,201 secrets in all, in several statements and transactions, written with their own times.
    for (let i = 0; i < 1_199; i++) here.record(slot(`missing-${i}`), `sec_missing_${i}`);
    here.record(slot(c.clientId), secretId);
    assert.equal(await here.flush(), 1_201);
    assert.equal(await lastUsed(c), second());
    assert.equal(await lastUsed(early), earlyAt);
    assert.equal(await other.flush(), 1);
    assert.equal(await lastUsed(c), second(), 'an earlier use replaced a later one');
  });

  it('spreads a large write over the time asked, and goes on at full speed once told to hurry', { timeout: 20_000 }, async () => {
    const db = t.server.deps.store.db;
    const usage = new SecretUsage(db, clock, slots);
    // 2,500 secrets: three transactions of a thousand, the second due at a third of the spread.
    for (let i = 0; i < 2_500; i++) usage.record(slot(`paced-${i}`), `sec_paced_${i}`);
    const started = performance.now();
    assert.equal(await usage.flush({ spreadMs: 600 }), 2_500);
    assert.ok(performance.now() - started >= 399, 'the last transaction waited for two thirds of the spread');
    for (let i = 0; i < 2_500; i++) usage.record(slot(`paced-${i}`), `sec_paced_${i}`);
    const hurry = new AbortController();
    const flushing = usage.flush({ spreadMs: 60_000, hurry: hurry.signal });
    hurry.abort();
    assert.equal(await flushing, 2_500);
  });

  it('notes each secret a client used within the minute (a rotation: the old secret, then the new one)', async () => {
    const c = await createClient(t, { audience: ['https://api.test'] });
    const added = await t.admin('POST', `/clients/${c.clientId}/secrets`, {});
    assert.equal(added.status, 201);
    const token = (secret: string) => t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(c.clientId, secret) });
    const second = () => new Date(clock.now() - (clock.now() % 1000)).toISOString();
    assert.equal((await token(c.secret)).status, 200);
    const oldAt = second();
    clock.advance(2_000);
    assert.equal((await token(added.body.client_secret)).status, 200);
    assert.equal((await token(added.body.client_secret)).status, 200);
    assert.equal(await t.server.deps.secretUsage.flush(), 2);
    const lastUsed = Object.fromEntries((await t.admin('GET', `/clients/${c.clientId}`)).body.client_secrets.map((s: any) => [s.id, s.last_used_at]));
    assert.deepEqual(lastUsed, { [c.body.client_secrets[0].id]: oldAt, [added.body.id]: second() });
  });

  it('hands its uses over as a worker does (take, sent as JSON), the later use of a secret winning in the process that writes them', async () => {
    const [a, b] = [await createClient(t, { audience: ['https://api.test'] }), await createClient(t, { audience: ['https://api.test'] })];
    const [secretA, secretB] = [a.body.client_secrets[0].id as string, b.body.client_secrets[0].id as string];
    const lastUsed = async (client: { clientId: string }) => (await t.admin('GET', `/clients/${client.clientId}`)).body.client_secrets[0].last_used_at;
    const db = t.server.deps.store.db;
    // Each process numbers the clients its own way: the uses cross by secret id.
    const [workerSlots, primarySlots] = [new ClientSlots(), new ClientSlots()];
    const worker = new SecretUsage(db, clock, workerSlots);
    const primary = new SecretUsage(db, clock, primarySlots);
    primary.record(primarySlots.slotOf('default', a.clientId), secretA);
    const earlier = clock.now();
    clock.advance(3_000);
    worker.record(workerSlots.slotOf('default', a.clientId), secretA);
    worker.record(workerSlots.slotOf('default', b.clientId), secretB);
    const later = clock.now();
    clock.advance(3_000);
    const taken = worker.take();
    assert.deepEqual(taken, [['default', [secretA, secretB], [Math.floor(later / 1000) - 1_735_689_600, Math.floor(later / 1000) - 1_735_689_600]]]);
    assert.deepEqual(worker.take(), [], 'nothing left once taken');
    primary.merge(JSON.parse(JSON.stringify(taken)));
    // An older use merged after a later one does not replace it.
    primary.merge([['default', [secretB], [Math.floor(earlier / 1000) - 1_735_689_600]]]);
    assert.equal(await primary.flush(), 2);
    assert.equal(await lastUsed(a), new Date(later - (later % 1000)).toISOString());
    assert.equal(await lastUsed(b), new Date(later - (later % 1000)).toISOString());
    assert.equal(await worker.flush(), 0);
  });
});

if (DIALECTS.includes('postgres')) {
  describe('[postgres] scheduled rotation in several processes at once', () => {
    const clock = manualClock('2026-11-03T00:00:00.000Z');
    const t0 = clock.now();
    const at = (seconds: number) => clock.advance(t0 + seconds * 1000 - clock.now());
    const env = { TESSERA_KEY_ROTATION_INTERVAL: '1000', TESSERA_KEY_PUBLISH_AHEAD: '100' };
    const servers: TestTessera[] = [];
    before(async () => {
      const first = await startTessera({ dialect: 'postgres', clock, env });
      servers.push(first);
      const shared = { ...env, TESSERA_DATABASE_URL: first.config.databaseUrl, TESSERA_SECRET: first.config.secret!, TESSERA_ADMIN_TOKEN: first.adminToken };
      for (let i = 0; i < 2; i++) servers.push(await startTessera({ dialect: 'postgres', clock, env: shared }));
    });
    after(() => Promise.all(servers.map((s) => s.close())));

    /** Every process ticks twice, all at once, as their maintenance loops may. */
    const tickAll = async () => (await Promise.all([...servers, ...servers].map((s) => s.server.deps.keyRotation.tick()))).flat();
    const statuses = async () => ((await servers[0]!.admin('GET', '/keys')).body.items as any[]).map((k) => k.status).sort();
    const systemEvents = async () =>
      ((await servers[0]!.admin('GET', '/audit-events?actor=system&target_type=signing_key')).body.items as any[]).map((e) => e.action);

    it('promotes the next key once and publishes one new next key, however many processes tick together', async () => {
      at(999);
      assert.deepEqual(await tickAll(), []);
      assert.deepEqual(await statuses(), ['active', 'next'], 'one next key from the start');
      at(1000);
      assert.ok((await tickAll()).length <= 1);
      assert.deepEqual(await statuses(), ['active', 'next', 'retired'], 'one active key, one next key');
      assert.deepEqual((await systemEvents()).sort(), ['key.activate', 'key.publish_next']);
    });
  });
}
