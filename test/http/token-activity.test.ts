import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ClientSlots } from '../../src/domain/read-model/client-slots.js';
import { TokenActivity } from '../../src/domain/token-activity/activity.js';
import { assertProblem, manualClock, ok, type ManualClock } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { basic, startTessera, type TestTessera } from '../helpers/tessera.js';

const START = '2030-01-01T10:00:00.000Z';
const AUD = 'https://activity.test';
const cc = { grant_type: 'client_credentials' };
const MINUTE = 60_000;
/** Slots of the clients these tests count for by hand (in the order first named). */
const slots = new ClientSlots();
const slot = (clientId: string) => slots.slotOf('default', clientId);

describeEachDialect('token activity: counted in memory, flushed once a minute, answered per client and bucket', (dialect) => {
  let t: TestTessera;
  let clock: ManualClock;
  let a: { clientId: string; secret: string };
  let b: { clientId: string; secret: string };

  before(async () => {
    clock = manualClock(START);
    t = await startTessera({ dialect, clock });
    await createOk(t, '/apis', { name: 'Activity', identifier: AUD, scopes: [{ value: 'read' }] });
    a = await createClient(t, { client_id: 'job-a', audience: [AUD], scope: 'read' });
    b = await createClient(t, { client_id: 'job-b', audience: [AUD], scope: 'read' });
  });
  after(() => t.close());

  const token = (c: { clientId: string; secret: string }, extra: Record<string, string> = {}) =>
    t.form('/oauth2/token', { ...cc, ...extra }, { authorization: basic(c.clientId, c.secret) });

  it('counts issued tokens, failed authentications (unknown clients under null) and other refusals', async () => {
    await t.server.deps.tokenActivity.flush();
    for (let i = 0; i < 3; i++) assert.equal((await token(a)).status, 200);
    assert.equal((await token(b)).status, 200);
    assert.equal((await token({ clientId: a.clientId, secret: 'wrong' })).status, 401);
    assert.equal((await token({ clientId: 'made-up', secret: 'wrong' })).status, 401);
    assert.equal((await token(b, { scope: 'write' })).status, 400);

    // Nothing is stored before the flush.
    const before = ok(await t.admin('GET', '/token-activity'));
    assert.deepEqual(before.totals, { issued: 0, auth_failures: 0, other_refusals: 0 });
    assert.deepEqual(before.clients, []);

    assert.equal(await t.server.deps.tokenActivity.flush(), 3);
    const report = ok(await t.admin('GET', '/token-activity'));
    assert.equal(report.bucket, 60);
    assert.equal(report.to, new Date(Date.parse(START) + MINUTE).toISOString());
    assert.equal(report.from, new Date(Date.parse(START) + MINUTE - 24 * 3600_000).toISOString());
    assert.deepEqual(report.totals, { issued: 4, auth_failures: 2, other_refusals: 1 });
    const at = START;
    assert.deepEqual(report.clients, [
      { client_id: 'job-a', totals: { issued: 3, auth_failures: 1, other_refusals: 0 }, points: [{ at, issued: 3, auth_failures: 1, other_refusals: 0 }] },
      { client_id: 'job-b', totals: { issued: 1, auth_failures: 0, other_refusals: 1 }, points: [{ at, issued: 1, auth_failures: 0, other_refusals: 1 }] },
      { client_id: null, totals: { issued: 0, auth_failures: 1, other_refusals: 0 }, points: [{ at, issued: 0, auth_failures: 1, other_refusals: 0 }] },
    ]);
    // The same under the tenant path; one client alone with client_id.
    assert.deepEqual(ok(await t.admin('GET', '/tenants/default/token-activity')), report);
    const onlyB = ok(await t.admin('GET', '/token-activity?client_id=job-b'));
    assert.deepEqual(
      onlyB.clients.map((c: any) => c.client_id),
      ['job-b'],
    );
    assert.deepEqual(onlyB.totals, { issued: 1, auth_failures: 0, other_refusals: 1 });
    // `last`: the range ends with the current minute and covers that many seconds.
    const lastHour = ok(await t.admin('GET', '/token-activity?last=3600'));
    assert.equal(lastHour.from, new Date(Date.parse(START) + MINUTE - 3600_000).toISOString());
    assert.deepEqual(lastHour.totals, report.totals);
  });

  it('adds flushes up: later minutes, and several processes counting the same minute', async () => {
    clock.advance(5 * MINUTE);
    assert.equal((await token(a)).status, 200);
    await t.server.deps.tokenActivity.flush();
    // Two more "processes" on the same database count the same minute and flush in turn.
    const others = [new TokenActivity(t.server.deps.store.db, clock, slots), new TokenActivity(t.server.deps.store.db, clock, slots)];
    for (const other of others) {
      other.record('default', slot('job-a'), 'issued');
      other.record('default', null, 'auth_failure');
      assert.equal(await other.flush(), 2);
    }
    const fiveAfter = new Date(Date.parse(START) + 5 * MINUTE).toISOString();
    const report = ok(await t.admin('GET', `/token-activity?client_id=job-a&to=${encodeURIComponent(new Date(clock.now() + MINUTE).toISOString())}`));
    assert.deepEqual(report.clients[0].points, [
      { at: START, issued: 3, auth_failures: 1, other_refusals: 0 },
      { at: fiveAfter, issued: 3, auth_failures: 0, other_refusals: 0 },
    ]);
    // Coarser buckets sum the minutes, aligned on the epoch.
    const coarse = ok(
      await t.admin('GET', `/token-activity?bucket=3600&from=${encodeURIComponent(START)}&to=${encodeURIComponent(new Date(clock.now()).toISOString())}`),
    );
    assert.equal(coarse.bucket, 3600);
    assert.equal(coarse.from, START);
    assert.equal(coarse.to, '2030-01-01T11:00:00.000Z');
    assert.deepEqual(coarse.totals, { issued: 7, auth_failures: 4, other_refusals: 1 });
    assert.deepEqual(
      coarse.clients.map((c: any) => [c.client_id, c.points]),
      [
        ['job-a', [{ at: START, issued: 6, auth_failures: 1, other_refusals: 0 }]],
        ['job-b', [{ at: START, issued: 1, auth_failures: 0, other_refusals: 1 }]],
        [null, [{ at: START, issued: 0, auth_failures: 3, other_refusals: 0 }]],
      ],
    );
  });

  it('keeps each tenant to itself, and drops the counts of a tenant deleted before the flush', async () => {
    await createOk(t, '/tenants', { id: 'other' });
    const c = await createClient(t, { audience: [AUD], scope: 'read' }, 'other');
    assert.equal((await t.form('/t/other/oauth2/token', cc, { authorization: basic(c.clientId, 'nope') })).status, 401);
    await t.server.deps.tokenActivity.flush();
    const other = ok(await t.admin('GET', '/tenants/other/token-activity'));
    assert.deepEqual(other.totals, { issued: 0, auth_failures: 1, other_refusals: 0 });
    assert.equal(ok(await t.admin('GET', '/token-activity')).totals.issued, 7);

    assert.equal((await t.form('/t/other/oauth2/token', cc, { authorization: basic(c.clientId, 'nope') })).status, 401);
    assert.equal((await t.admin('DELETE', '/tenants/other')).status, 204);
    assert.equal(await t.server.deps.tokenActivity.flush(), 0);
  });

  it('keeps the counts of a failed flush for the next one', async () => {
    const db = t.server.deps.store.db;
    const failing = new TokenActivity(
      {
        selectFrom: () => {
          throw new Error('the database is down');
        },
      } as unknown as typeof db,
      clock,
      slots,
    );
    failing.record('default', slot('job-b'), 'issued');
    await assert.rejects(failing.flush(), /the database is down/);
    failing.record('default', slot('job-b'), 'issued');
    await assert.rejects(failing.flush(), /the database is down/);
    // The same counts, flushed through a working database, add up to two.
    const working = new TokenActivity(db, clock, slots);
    working.record('default', slot('job-b'), 'issued');
    working.record('default', slot('job-b'), 'issued');
    const before = ok(await t.admin('GET', '/token-activity?client_id=job-b')).totals.issued;
    await working.flush();
    assert.equal(ok(await t.admin('GET', '/token-activity?client_id=job-b')).totals.issued, before + 2);
  });

  it('hands its counts over as a worker does (take, sent as JSON), added up by the process that writes them', async () => {
    clock.advance(10 * MINUTE);
    const minute = Math.floor(clock.now() / MINUTE);
    const db = t.server.deps.store.db;
    // Each process numbers the clients its own way: the counts cross by client id.
    const [workerSlots, primarySlots] = [new ClientSlots(), new ClientSlots()];
    primarySlots.slotOf('default', 'job-b');
    const worker = new TokenActivity(db, clock, workerSlots);
    const primary = new TokenActivity(db, clock, primarySlots);
    const inWorker = (clientId: string) => workerSlots.slotOf('default', clientId);
    worker.record('default', inWorker('job-a'), 'issued');
    worker.record('default', inWorker('job-a'), 'issued');
    worker.record('default', inWorker('job-a'), 'auth_failure');
    worker.record('default', inWorker('job-b'), 'other_refusal');
    worker.record('default', null, 'auth_failure');
    primary.record('default', primarySlots.slotOf('default', 'job-a'), 'issued');
    clock.advance(MINUTE);
    worker.record('default', inWorker('job-b'), 'issued');
    const taken = worker.take();
    // Per tenant and minute: the clients, and three counts each (issued, auth failures, other refusals).
    assert.deepEqual(taken, [
      ['default', minute, ['job-a', 'job-b', ''], [2, 1, 0, 0, 0, 1, 0, 1, 0]],
      ['default', minute + 1, ['job-b'], [1, 0, 0]],
    ]);
    assert.deepEqual(worker.take(), [], 'nothing left once taken');
    primary.merge(JSON.parse(JSON.stringify(taken)));
    assert.equal(await primary.flush(), 4);
    const from = encodeURIComponent(new Date(minute * MINUTE).toISOString());
    const to = encodeURIComponent(new Date((minute + 2) * MINUTE).toISOString());
    const report = ok(await t.admin('GET', `/token-activity?from=${from}&to=${to}`));
    assert.deepEqual(
      report.clients.map((c: any) => [c.client_id, c.points.map((p: any) => [p.at, p.issued, p.auth_failures, p.other_refusals])]),
      [
        ['job-a', [[new Date(minute * MINUTE).toISOString(), 3, 1, 0]]],
        [
          'job-b',
          [
            [new Date(minute * MINUTE).toISOString(), 0, 0, 1],
            [new Date((minute + 1) * MINUTE).toISOString(), 1, 0, 0],
          ],
        ],
        [null, [[new Date(minute * MINUTE).toISOString(), 0, 1, 0]]],
      ],
    );
    assert.equal(await worker.flush(), 0);
  });

  it('purges counts older than 30 days', async () => {
    const later = manualClock(new Date(Date.parse(START) + 31 * 24 * 3600_000).toISOString());
    const purger = new TokenActivity(t.server.deps.store.db, later, slots);
    await purger.flush();
    const all = ok(
      await t.admin(
        'GET',
        `/token-activity?from=${encodeURIComponent(START)}&to=${encodeURIComponent(new Date(Date.parse(START) + 30 * 24 * 3600_000).toISOString())}`,
      ),
    );
    assert.deepEqual(all.clients, []);
  });

  it('refuses empty, too long and too finely cut ranges, and unknown parameters', async () => {
    const q = (s: string) => t.admin('GET', `/token-activity?${s}`);
    assertProblem(await q('from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z'), {
      status: 422,
      detail: 'the range is empty',
      instance: '/token-activity',
      errors: [{ pointer: '/to', detail: 'must be after from' }],
    });
    assertProblem(await q('from=2030-01-01T00:00:00Z&to=2030-03-01T00:00:00Z'), {
      status: 422,
      detail: 'the range is too long',
      instance: '/token-activity',
      errors: [{ pointer: '/from', detail: 'the range may cover 31 days at most' }],
    });
    assertProblem(await q('from=2030-01-01T00:00:00Z&to=2030-01-03T00:00:00Z&bucket=60'), {
      status: 422,
      detail: 'too many buckets',
      instance: '/token-activity',
      errors: [{ pointer: '/bucket', detail: 'the range holds more than 1440 buckets of this size' }],
    });
    assert.equal((await q('bucket=90')).status, 400);
    assertProblem(await q('last=3600&from=2030-01-01T00:00:00Z'), {
      status: 400,
      detail: 'give from or last, not both',
      instance: '/token-activity',
      errors: [{ pointer: '/last', detail: 'cannot be used with from' }],
    });
    assert.equal((await q('from=yesterday')).status, 400);
    assert.equal((await q('client=x')).status, 400);
    assert.equal((await t.admin('GET', '/token-activity', undefined, { token: null })).status, 401);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = ok(await t.admin('GET', '/openapi.json', undefined, { token: null }));
    assert.ok(doc.paths['/token-activity']?.get);
    assert.ok(doc.paths['/tenants/{tenant}/token-activity']?.get);
  });
});
