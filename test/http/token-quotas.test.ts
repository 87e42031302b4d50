import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertProblem, manualClock, ok, type ManualClock } from '../helpers/admin.js';
import { DIALECTS, describeEachDialect } from '../helpers/dialects.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { parsePrometheus, valueOf } from '../helpers/prometheus.js';
import { basic, startTessera, type TestTessera } from '../helpers/tessera.js';

/** 10:20 UTC: 2400 s to the end of the hour, 49200 s to the end of the day. */
const START = '2030-01-01T10:20:00.000Z';
const TO_HOUR_END = 2400;
const TO_DAY_END = 49_200;
const AUD = 'https://quota.test';
const cc = { grant_type: 'client_credentials' };
const HOUR = 3600_000;

const overQuota = (periods: string) => ({
  error: 'temporarily_unavailable',
  error_description: `The client has used up its token quota (${periods}); retry after the window ends.`,
});

describeEachDialect('token quotas: per UTC hour and day, enforced or observed', (dialect) => {
  let t: TestTessera;
  let clock: ManualClock;

  before(async () => {
    clock = manualClock(START);
    t = await startTessera({ dialect, clock });
    await createOk(t, '/apis', { name: 'Quota', identifier: AUD, scopes: [{ value: 'read' }] });
  });
  after(() => t.close());

  const token = (c: { clientId: string; secret: string }, extra: Record<string, string> = {}) =>
    t.form('/oauth2/token', { ...cc, ...extra }, { authorization: basic(c.clientId, c.secret) });
  const quotaEvents = async (clientId: string) =>
    (ok(await t.admin('GET', '/audit-events?action=client.quota_exceeded&limit=200')).items as any[]).filter((e) => e.target_id === clientId);

  it('token_quota is created, read, changed and removed through the admin API (null when none)', async () => {
    const plain = await createClient(t, { client_id: 'plain', audience: [AUD], scope: 'read' });
    assert.equal(plain.body.token_quota, null);
    const created = await createClient(t, { client_id: 'shaped', audience: [AUD], token_quota: { per_day: 20, per_hour: 5, enforce: true } });
    assert.deepEqual(created.body.token_quota, { per_hour: 5, per_day: 20, enforce: true });
    assert.deepEqual(ok(await t.admin('GET', '/clients/shaped')).token_quota, { per_hour: 5, per_day: 20, enforce: true });
    assert.deepEqual(ok(await t.admin('PATCH', '/clients/shaped', { token_quota: { per_day: 7, enforce: false } })).token_quota, {
      per_day: 7,
      enforce: false,
    });
    assert.equal(ok(await t.admin('PATCH', '/clients/shaped', { client_name: 'renamed' })).token_quota.per_day, 7, 'kept when the patch omits it');
    assert.equal(ok(await t.admin('PATCH', '/clients/shaped', { token_quota: null })).token_quota, null);
  });

  it('refuses a quota that limits nothing (422) and limits below 1 (400)', async () => {
    assertProblem(await t.admin('POST', '/clients', { client_id: 'no-limit', token_quota: { enforce: true } }), {
      status: 422,
      detail: 'the client metadata is not valid',
      instance: '/clients',
      errors: [{ pointer: '/token_quota', detail: 'a quota sets per_hour, per_day or both' }],
    });
    const schema = (pointer: string, detail: string) => ({
      status: 400,
      detail: 'the request body is invalid',
      instance: '/clients',
      errors: [
        { pointer, detail },
        { pointer: '/token_quota', detail: 'must be null' },
        { pointer: '/token_quota', detail: 'must match a schema in anyOf' },
      ],
    });
    assertProblem(
      await t.admin('POST', '/clients', { client_id: 'zero', token_quota: { per_hour: 0, enforce: true } }),
      schema('/token_quota/per_hour', 'must be >= 1'),
    );
    assertProblem(
      await t.admin('POST', '/clients', { client_id: 'extra', token_quota: { per_hour: 1, enforce: true, burst: 2 } }),
      schema('/token_quota/burst', 'unknown property'),
    );
  });

  it('enforced: tokens carry RateLimit-Policy and RateLimit; over the quota, 429 with Retry-After and an RFC 6749 body; refusals do not count', async () => {
    const c = await createClient(t, { client_id: 'capped', audience: [AUD], scope: 'read', token_quota: { per_hour: 3, per_day: 100, enforce: true } });
    assert.equal((await token(c, { scope: 'write' })).status, 400, 'invalid_scope: refused, not counted');
    for (let i = 1; i <= 3; i++) {
      const res = await token(c);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('ratelimit-policy'), '"hour";q=3;w=3600, "day";q=100;w=86400');
      assert.equal(res.headers.get('ratelimit'), `"hour";r=${3 - i};t=${TO_HOUR_END}, "day";r=${100 - i};t=${TO_DAY_END}`);
    }
    const refused = await token(c);
    assert.equal(refused.status, 429);
    assert.deepEqual(refused.body, overQuota('per hour'));
    assert.equal(refused.headers.get('retry-after'), String(TO_HOUR_END));
    assert.equal(refused.headers.get('ratelimit'), `"hour";r=0;t=${TO_HOUR_END}, "day";r=97;t=${TO_DAY_END}`);
    assert.equal(refused.headers.get('cache-control'), 'no-store');
    const use = ok(await t.admin('GET', '/clients/capped/quota'));
    assert.deepEqual(use, {
      client_id: 'capped',
      token_quota: { per_hour: 3, per_day: 100, enforce: true },
      periods: [
        { period: 'hour', limit: 3, used: 3, remaining: 0, window_start: '2030-01-01T10:00:00.000Z', resets_at: '2030-01-01T11:00:00.000Z' },
        { period: 'day', limit: 100, used: 3, remaining: 97, window_start: '2030-01-01T00:00:00.000Z', resets_at: '2030-01-02T00:00:00.000Z' },
      ],
    });
  });

  it('per hour and per day are enforced independently: the day refuses with Retry-After to the end of the UTC day', async () => {
    const c = await createClient(t, { client_id: 'daily', audience: [AUD], scope: 'read', token_quota: { per_hour: 10, per_day: 2, enforce: true } });
    for (let i = 0; i < 2; i++) assert.equal((await token(c)).status, 200);
    const refused = await token(c);
    assert.equal(refused.status, 429);
    assert.deepEqual(refused.body, overQuota('per day'));
    assert.equal(refused.headers.get('retry-after'), String(TO_DAY_END));
  });

  it('observed: tokens over the quota are issued and counted; the metric counts each request over it', async () => {
    const c = await createClient(t, { client_id: 'watched', audience: [AUD], scope: 'read', token_quota: { per_day: 2, enforce: false } });
    for (let i = 0; i < 4; i++) assert.equal((await token(c)).status, 200);
    const last = await token(c);
    assert.equal(last.status, 200);
    assert.equal(last.headers.get('ratelimit-policy'), '"day";q=2;w=86400');
    assert.equal(last.headers.get('ratelimit'), `"day";r=0;t=${TO_DAY_END}`);
    assert.equal(ok(await t.admin('GET', '/clients/watched/quota')).periods[1].used, 5);
    const page = parsePrometheus(await (await fetch(`${t.adminUrl}/metrics`, { headers: { authorization: `Bearer ${t.adminToken}` } })).text());
    assert.equal(valueOf(page, 'tessera_token_quota_exceeded_total', { tenant: 'default', client_id: 'watched', period: 'day' }), 3);
    assert.equal(valueOf(page, 'tessera_token_quota_exceeded_total', { tenant: 'default', client_id: 'capped', period: 'hour' }), 1);
  });

  it('a client without a quota gets no RateLimit header fields', async () => {
    const c = await createClient(t, { client_id: 'free', audience: [AUD], scope: 'read' });
    const res = await token(c);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('ratelimit'), null);
    assert.equal(res.headers.get('ratelimit-policy'), null);
  });

  it('writes one client.quota_exceeded audit event per window crossed, at the sync, however many requests went over', async () => {
    const c = await createClient(t, { client_id: 'audited', audience: [AUD], scope: 'read', token_quota: { per_hour: 1, enforce: true } });
    assert.equal((await token(c)).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await token(c)).status, 429);
    assert.deepEqual(await quotaEvents('audited'), [], 'nothing is written on the token path');
    await t.server.deps.quotaSync.run();
    await t.server.deps.quotaSync.run();
    const [event, ...more] = await quotaEvents('audited');
    assert.deepEqual(more, []);
    assert.equal(event.actor, 'system');
    assert.deepEqual(event.details, {
      period: 'hour',
      window_start: '2030-01-01T10:00:00.000Z',
      window_end: '2030-01-01T11:00:00.000Z',
      limit: 1,
      enforce: true,
    });
    clock.advance(HOUR);
    assert.equal((await token(c)).status, 200, 'a new hour, a new window');
    assert.equal((await token(c)).status, 429);
    await t.server.deps.quotaSync.run();
    const events = await quotaEvents('audited');
    assert.deepEqual(
      events.map((e) => e.details.window_start),
      ['2030-01-01T11:00:00.000Z', '2030-01-01T10:00:00.000Z'],
    );
  });
});

const skip = DIALECTS.includes('postgres') ? false : 'PostgreSQL is not in TESSERA_TEST_DIALECTS';

describe('[postgres] token quotas across two servers on one database', { skip }, () => {
  let a: TestTessera;
  let b: TestTessera;
  const LIMIT = 4;

  before(async () => {
    a = await startTessera({ dialect: 'postgres' });
    b = await startTessera({
      dialect: 'postgres',
      env: { TESSERA_DATABASE_URL: a.config.databaseUrl, TESSERA_SECRET: String(a.config.secret), TESSERA_ADMIN_TOKEN: a.adminToken },
    });
  });
  after(async () => {
    await b?.close();
    await a?.close();
  });

  it('each server reads the counts the other wrote at its sync: the cap holds within one sync interval of the other server', async () => {
    await createOk(a, '/apis', { name: 'Quota', identifier: AUD, scopes: [{ value: 'read' }] });
    const c = await createClient(a, { client_id: 'shared', audience: [AUD], scope: 'read', token_quota: { per_hour: LIMIT, enforce: true } });
    const token = (t: TestTessera) => t.form('/oauth2/token', cc, { authorization: basic(c.clientId, c.secret) });
    for (let i = 0; i < LIMIT - 1; i++) assert.equal((await token(a)).status, 200);
    // Server b has not synced since: it may issue up to the whole quota (the documented bound: one sync interval of the other servers' tokens).
    await a.server.deps.quotaSync.run();
    await b.server.deps.quotaSync.run();
    assert.equal(ok(await b.admin('GET', '/clients/shared/quota')).periods[0].used, LIMIT - 1, "b counts a's tokens after the syncs");
    assert.equal((await token(b)).status, 200);
    const refusedAtB = await token(b);
    assert.equal(refusedAtB.status, 429);
    assert.deepEqual(refusedAtB.body, overQuota('per hour'));
    await b.server.deps.quotaSync.run();
    await a.server.deps.quotaSync.run();
    assert.equal((await token(a)).status, 429, "a counts b's token after the syncs");
    await a.server.deps.quotaSync.run();
    const events = (ok(await a.admin('GET', '/audit-events?action=client.quota_exceeded')).items as any[]).filter((e) => e.target_id === 'shared');
    assert.equal(events.length, 1, 'one event for the window, though both servers saw it crossed');
  });
});
