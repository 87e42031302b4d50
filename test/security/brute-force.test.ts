import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/app/config.js';
import { BruteForceGuard, type Lockout } from '../../src/protocol/brute-force.js';
import { OAuthError } from '../../src/protocol/errors.js';
import { manualClock, ok, type ManualClock } from '../helpers/admin.js';
import { createClient } from '../helpers/fixtures.js';
import { postFormFrom } from '../helpers/raw-http.js';
import { basic, startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';

const LOCKED = { error: 'temporarily_unavailable', error_description: 'Too many failed client authentications; retry later.' };
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };
const CC = { grant_type: 'client_credentials' };
const AUD = 'https://orders.test/';

function assertLocked(res: HttpResult, retryAfter: number): void {
  assert.equal(res.status, 429, res.text);
  assert.deepEqual(res.body, LOCKED);
  assert.equal(res.headers.get('retry-after'), String(retryAfter));
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(res.headers.get('www-authenticate'), null, 'a lockout is not a credentials challenge');
}

/** Lockout events, oldest first; the two events of one failure (address, client) share a millisecond, so address first. */
async function lockoutEvents(t: TestTessera, tenant?: string): Promise<any[]> {
  const path = `${tenant ? `/tenants/${tenant}` : ''}/audit-events?limit=200&action=client.auth.locked`;
  const items: any[] = ok(await t.admin('GET', path)).items;
  return items.sort((a, b) => a.occurred_at.localeCompare(b.occurred_at) || a.target_type.localeCompare(b.target_type));
}

describe('brute-force protection of client authentication (RFC 6749 §2.3.1)', () => {
  let t: TestTessera;
  let clock: ManualClock;
  let orders: { clientId: string; secret: string };
  let billing: { clientId: string; secret: string };
  /** A token request from a loopback source address of its own. */
  const token = (from: string, authorization: string, path = '/oauth2/token') => postFormFrom(from, `${t.publicUrl}${path}`, CC, { authorization });

  before(async () => {
    clock = manualClock();
    t = await startTessera({ clock, env: { TESSERA_BRUTE_FORCE_MAX_FAILURES: '10', TESSERA_BRUTE_FORCE_WINDOW: '60' } });
    orders = await createClient(t, { client_id: 'orders-job', audience: [AUD] });
    billing = await createClient(t, { client_id: 'billing-job', audience: [AUD] });
  });
  after(() => t.close());

  it('answers the 11th wrong secret in a minute with 429 and Retry-After, then even the right one, until the window passes', async () => {
    const attacker = '127.0.0.2';
    for (let i = 1; i <= 10; i++) {
      const res = await token(attacker, basic(orders.clientId, `wrong-${i}`));
      assert.equal(res.status, 401, `failure ${i}`);
      assert.deepEqual(res.body, INVALID_CLIENT);
      clock.advance(1000);
    }
    // The 10th failure (at +9 s) locked the client id and the address for 60 s.
    assertLocked(await token(attacker, basic(orders.clientId, 'wrong-11')), 59);
    assertLocked(await token('127.0.0.3', basic(orders.clientId, orders.secret)), 59);
    const viaPost = await postFormFrom('127.0.0.3', `${t.publicUrl}/oauth2/token`, { ...CC, client_id: orders.clientId, client_secret: orders.secret });
    assertLocked(viaPost, 59);
    assertLocked(await token('127.0.0.3', basic(orders.clientId, orders.secret), '/oauth/token'), 59);

    // Another client, from another address, is served normally; from the locked address it is not.
    assert.equal((await token('127.0.0.3', basic(billing.clientId, billing.secret))).status, 200);
    assertLocked(await token(attacker, basic(billing.clientId, billing.secret)), 59);

    clock.advance(40_000);
    assertLocked(await token('127.0.0.3', basic(orders.clientId, orders.secret)), 19);
    clock.advance(18_500);
    assertLocked(await token('127.0.0.3', basic(orders.clientId, orders.secret)), 1);
    clock.advance(500);
    const after = await token('127.0.0.3', basic(orders.clientId, orders.secret));
    assert.equal(after.status, 200, after.text);
    assert.equal(after.body.token_type, 'Bearer');
    assert.equal((await token(attacker, basic(billing.clientId, billing.secret))).status, 200, 'the address is free again');

    const events = await lockoutEvents(t);
    assert.deepEqual(
      events.map((e) => ({ ...e, id: undefined })),
      [
        {
          id: undefined,
          tenant_id: null,
          occurred_at: new Date(clock.now() - 60_000).toISOString(),
          actor: 'system',
          actor_detail: null,
          actor_name: null,
          action: 'client.auth.locked',
          target_type: 'address',
          target_id: 'address:127.0.0.2',
          reason: 'brute-force protection',
          details: { failures: 10, window: 60 },
        },
        {
          id: undefined,
          tenant_id: 'default',
          occurred_at: new Date(clock.now() - 60_000).toISOString(),
          actor: 'system',
          actor_detail: null,
          actor_name: null,
          action: 'client.auth.locked',
          target_type: 'client',
          target_id: 'orders-job',
          reason: 'brute-force protection',
          details: { failures: 10, window: 60 },
        },
      ],
      'one event per lockout (client, address), none for the 429s or the successful requests',
    );
  });

  it('starts counting afresh after a lockout, and writes one more event for the next lockout', async () => {
    const attacker = '127.0.0.4';
    const target = await createClient(t, { client_id: 'relock-job', audience: [AUD] });
    const lockOnce = async () => {
      for (let i = 1; i <= 9; i++) assert.equal((await token(attacker, basic(target.clientId, 'nope'))).status, 401);
      assert.equal((await token('127.0.0.5', basic(target.clientId, target.secret))).status, 200, 'nine failures lock nothing');
      assert.equal((await token(attacker, basic(target.clientId, 'nope'))).status, 401);
      assertLocked(await token('127.0.0.5', basic(target.clientId, target.secret)), 60);
      assertLocked(await token(attacker, basic(target.clientId, 'nope')), 60);
    };
    await lockOnce();
    clock.advance(60_000);
    await lockOnce();
    clock.advance(60_000);
    const events = (await lockoutEvents(t)).filter((e) => ['relock-job', `address:${attacker}`].includes(e.target_id));
    assert.deepEqual(
      events.map((e) => e.target_id),
      [`address:${attacker}`, 'relock-job', `address:${attacker}`, 'relock-job'],
    );
  });

  it('locks an address that sprays many client ids, without locking those ids, while other addresses are served', async () => {
    const sprayer = '127.0.0.6';
    const ids = Array.from({ length: 10 }, () => `guess-${randomBytes(6).toString('hex')}`);
    for (const id of ids) assert.equal((await token(sprayer, basic(id, 'guess'))).status, 401);
    assertLocked(await token(sprayer, basic(orders.clientId, orders.secret)), 60);
    assertLocked(await token(sprayer, 'Basic !!!'), 60);
    const other = await token('127.0.0.7', basic(orders.clientId, orders.secret));
    assert.equal(other.status, 200, other.text);
    // Those ids each failed once: none is locked elsewhere.
    assert.deepEqual((await token('127.0.0.7', basic(ids[0]!, 'guess'))).body, INVALID_CLIENT);
    const events = (await lockoutEvents(t)).filter((e) => e.target_id === `address:${sprayer}` || ids.includes(e.target_id));
    assert.deepEqual(
      events.map((e) => [e.target_type, e.target_id, e.tenant_id]),
      [['address', `address:${sprayer}`, null]],
    );
    clock.advance(60_000);
  });

  it('counts malformed and missing credentials against the address', async () => {
    const from = '127.0.0.8';
    const malformed = ['Basic !!!', 'Bearer abc', `Basic ${Buffer.from('no-colon').toString('base64')}`];
    for (let i = 0; i < 10; i++) assert.equal((await token(from, malformed[i % 3]!)).status, 401);
    assertLocked(await token(from, basic(orders.clientId, orders.secret)), 60);
    clock.advance(60_000);
    assert.equal((await token(from, basic(orders.clientId, orders.secret))).status, 200);
  });

  it('locks a client id within its tenant only', async () => {
    assert.equal((await t.admin('POST', '/tenants', { id: 'acme' })).status, 201);
    const acme = await createClient(t, { client_id: 'orders-job', audience: [AUD] }, 'acme');
    for (let i = 0; i < 10; i++) {
      // One attacker per failure: only the client id reaches the threshold.
      assert.equal((await token(`127.0.1.${i + 1}`, basic('orders-job', 'wrong'), '/t/acme/oauth2/token')).status, 401);
    }
    assertLocked(await token('127.0.0.9', basic('orders-job', acme.secret), '/t/acme/oauth2/token'), 60);
    assert.equal((await token('127.0.0.9', basic(orders.clientId, orders.secret))).status, 200, "the default tenant's orders-job is another client");
    const [event] = await lockoutEvents(t, 'acme');
    assert.equal(event.tenant_id, 'acme');
    assert.equal(event.target_id, 'orders-job');
    assert.equal((await lockoutEvents(t, 'acme')).length, 1);
    clock.advance(60_000);
  });

  it('writes nothing to the database below the threshold, and exactly one audit event per lockout', async () => {
    const before = (await lockoutEvents(t)).length;
    const from = '127.0.0.10';
    for (let i = 0; i < 9; i++) assert.equal((await token(from, basic(billing.clientId, 'nope'))).status, 401);
    for (let i = 0; i < 5; i++) assert.equal((await token(from, basic(billing.clientId, billing.secret))).status, 200);
    assert.equal((await lockoutEvents(t)).length, before);
    assert.equal((await token(from, basic(billing.clientId, 'nope'))).status, 401);
    for (let i = 0; i < 20; i++) assert.equal((await token(from, basic(billing.clientId, 'nope'))).status, 429);
    assert.equal((await lockoutEvents(t)).length, before + 2, 'one for the client id, one for the address');
    clock.advance(60_000);
  });
});

describe('brute-force protection: switched off with TESSERA_BRUTE_FORCE_MAX_FAILURES=0', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ env: { TESSERA_BRUTE_FORCE_MAX_FAILURES: '0' } });
  });
  after(() => t.close());

  it('never locks and writes no event', async () => {
    const c = await createClient(t, { audience: [AUD] });
    for (let i = 0; i < 30; i++) assert.equal((await t.form('/oauth2/token', CC, { authorization: basic(c.clientId, 'nope') })).status, 401);
    assert.equal((await t.form('/oauth2/token', CC, { authorization: basic(c.clientId, c.secret) })).status, 200);
    assert.deepEqual(await lockoutEvents(t), []);
  });
});

describe('BruteForceGuard', () => {
  const attempt = (address: string, clientId?: string) => ({ tenantId: 'default', address, clientId });

  it('stays within its capacity under a spray of random client ids and addresses, forgetting the oldest', () => {
    const clock = manualClock();
    const lockouts: Lockout[] = [];
    const guard = new BruteForceGuard({ clock, limits: { maxFailures: 3, windowSeconds: 60, capacity: 100 }, onLockout: (l) => lockouts.push(l) });
    for (let i = 0; i < 20_000; i++) {
      guard.recordFailure(attempt(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, randomBytes(8).toString('hex')));
    }
    const size = guard.size();
    assert.ok(size.clients <= 200 && size.addresses <= 200, JSON.stringify(size));
    assert.equal(lockouts.length, 0);
    // The newest entries are remembered: three failures of a fresh id still lock it.
    for (let i = 0; i < 3; i++) guard.recordFailure(attempt('192.0.2.1', 'target'));
    assert.throws(
      () => guard.assertAllowed(attempt('198.51.100.1', 'target')),
      (err: OAuthError) => err.status === 429,
    );
    assert.deepEqual(
      lockouts.map((l) => l.target),
      ['address:192.0.2.1', 'targ…(6 chars)'],
    );
  });

  it('keeps lockouts apart from failure counts, so one-off failures cannot evict a lockout', () => {
    const clock = manualClock();
    const guard = new BruteForceGuard({ clock, limits: { maxFailures: 2, windowSeconds: 60, capacity: 10 } });
    guard.recordFailure(attempt('192.0.2.1', 'target'));
    guard.recordFailure(attempt('192.0.2.2', 'target'));
    for (let i = 0; i < 1000; i++) guard.recordFailure(attempt(`10.0.${i >> 8}.${i & 255}`, `spray-${i}`));
    assert.throws(
      () => guard.assertAllowed(attempt('203.0.113.1', 'target')),
      (err: OAuthError) => err.status === 429,
    );
  });

  it('forgets failures older than the window', () => {
    const clock = manualClock();
    const guard = new BruteForceGuard({ clock, limits: { maxFailures: 3, windowSeconds: 60 } });
    guard.recordFailure(attempt('192.0.2.1', 'c'));
    guard.recordFailure(attempt('192.0.2.1', 'c'));
    clock.advance(60_000);
    guard.recordFailure(attempt('192.0.2.1', 'c'));
    guard.assertAllowed(attempt('192.0.2.1', 'c'));
    guard.recordFailure(attempt('192.0.2.1', 'c'));
    guard.recordFailure(attempt('192.0.2.1', 'c'));
    assert.throws(
      () => guard.assertAllowed(attempt('192.0.2.1')),
      (err: OAuthError) => err.headers['retry-after'] === '60',
    );
  });

  it('counts an IPv4 peer of a dual-stack socket as its IPv4 address', () => {
    const guard = new BruteForceGuard({ clock: manualClock(), limits: { maxFailures: 2, windowSeconds: 60 } });
    guard.recordFailure(attempt('::ffff:192.0.2.1'));
    guard.recordFailure(attempt('192.0.2.1'));
    assert.throws(() => guard.assertAllowed(attempt('::ffff:192.0.2.1')), OAuthError);
  });
});

describe('brute-force settings', () => {
  it('defaults to 10 failures in 60 seconds', () => {
    const config = loadConfig({});
    assert.equal(config.bruteForceMaxFailures, 10);
    assert.equal(config.bruteForceWindow, 60);
  });

  it('reads the variables and the serve flags, the flags first', () => {
    const env = { TESSERA_BRUTE_FORCE_MAX_FAILURES: '5', TESSERA_BRUTE_FORCE_WINDOW: '300' };
    assert.equal(loadConfig(env).bruteForceMaxFailures, 5);
    assert.equal(loadConfig(env).bruteForceWindow, 300);
    assert.equal(loadConfig({ TESSERA_BRUTE_FORCE_MAX_FAILURES: '0' }).bruteForceMaxFailures, 0);
    const flagged = loadConfig(env, { bruteForceMaxFailures: '3', bruteForceWindow: '30' });
    assert.equal(flagged.bruteForceMaxFailures, 3);
    assert.equal(flagged.bruteForceWindow, 30);
  });

  it('refuses bad values with an error naming the variable', () => {
    for (const value of ['abc', '-1', '1.5', '1001', ' 10', '1e3']) {
      assert.throws(
        () => loadConfig({ TESSERA_BRUTE_FORCE_MAX_FAILURES: value }),
        (err: Error) => err instanceof ConfigError && err.message.startsWith('TESSERA_BRUTE_FORCE_MAX_FAILURES must be a whole number from 0 to 1000'),
        value,
      );
    }
    for (const value of ['0', 'x', '86401', '60s']) {
      assert.throws(
        () => loadConfig({ TESSERA_BRUTE_FORCE_WINDOW: value }),
        (err: Error) => err instanceof ConfigError && err.message.startsWith('TESSERA_BRUTE_FORCE_WINDOW must be a whole number from 1 to 86400 seconds'),
        value,
      );
    }
    assert.throws(() => loadConfig({}, { bruteForceWindow: 'soon' }), /TESSERA_BRUTE_FORCE_WINDOW/);
  });
});

describe('brute-force protection covers introspection and revocation', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ env: { TESSERA_BRUTE_FORCE_MAX_FAILURES: '3', TESSERA_BRUTE_FORCE_WINDOW: '60' } });
  });
  after(() => t.close());

  it('counts failures at /oauth2/introspect and refuses the locked client at /oauth2/revoke', async () => {
    const c = await createClient(t, { audience: ['https://api.test'] });
    for (let i = 0; i < 3; i++) {
      const res = await t.form('/oauth2/introspect', { token: 'x' }, { authorization: basic(c.clientId, 'wrong') });
      assert.equal(res.status, 401);
    }
    const locked = await t.form('/oauth2/revoke', { token: 'x' }, { authorization: basic(c.clientId, c.secret) });
    assert.equal(locked.status, 429);
    assert.equal(locked.body.error, 'temporarily_unavailable');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
  });
});
