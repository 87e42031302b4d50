import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { assertProblem, created, manualClock, type ManualClock } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient } from '../helpers/fixtures.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { freePort } from '../helpers/ports.js';
import { assertInvalidClient, assertionTokenRequest, registerJwksUriClient, sameStore } from '../helpers/private-key-jwt.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const INVALID = 'the client metadata is not valid';
const PKJWT = { token_endpoint_auth_method: 'private_key_jwt', audience: ['https://orders.test'] };

/** Whether a log line says an outbound fetch to `origin` failed for `reason`. */
function loggedFailure(t: TestTessera, origin: string, reason: string): boolean {
  return t.logs.some((line) => {
    const entry = JSON.parse(line) as { msg?: string; origin?: string; reason?: string; level?: number };
    return entry.msg === 'outbound fetch failed' && entry.origin === origin && entry.reason === reason && entry.level === 40;
  });
}

describeEachDialect('outbound fetches: where a jwks_uri may lead', (dialect) => {
  let clock: ManualClock;
  let keyServer: JwksServer;
  let key: TestKey;
  const running: TestTessera[] = [];
  const start = async (options: Parameters<typeof startTessera>[0] = {}) => {
    const t = await startTessera({ dialect, clock, ...options, keepData: true });
    running.push(t);
    return t;
  };

  before(async () => {
    clock = manualClock();
    keyServer = await startJwksServer();
    key = await testKey('ES256', 'outbound-1');
    keyServer.route('/jwks.json', { keys: [key.publicJwk] });
  });
  after(async () => {
    await Promise.all(running.map((t) => t.close()));
    await keyServer.close();
  });

  it('refuses at registration (422) a jwks_uri on a loopback, private or link-local address, or a host name resolving to one', async () => {
    const t = await start();
    const cases: [string, string][] = [
      ['https://127.0.0.1/jwks.json', 'address 127.0.0.1 is loopback (127.0.0.0/8) and not in TESSERA_OUTBOUND_ALLOW'],
      ['https://10.1.2.3/jwks.json', 'address 10.1.2.3 is private (10.0.0.0/8) and not in TESSERA_OUTBOUND_ALLOW'],
      ['https://169.254.169.254/latest/meta-data/', 'address 169.254.169.254 is link-local (169.254.0.0/16) and not in TESSERA_OUTBOUND_ALLOW'],
      ['https://[::ffff:127.0.0.1]/jwks.json', 'address ::ffff:7f00:1 (as 127.0.0.1) is loopback (127.0.0.0/8) and not in TESSERA_OUTBOUND_ALLOW'],
      ['https://[::1]:8443/jwks.json', 'address ::1 is loopback (::1/128) and not in TESSERA_OUTBOUND_ALLOW'],
      [`${keyServer.base}/jwks.json`, 'address 127.0.0.1 is loopback (127.0.0.0/8) and not in TESSERA_OUTBOUND_ALLOW'],
    ];
    for (const [jwks_uri, detail] of cases) {
      assertProblem(await t.admin('POST', '/clients', { ...PKJWT, jwks_uri }), {
        status: 422,
        detail: INVALID,
        instance: '/clients',
        errors: [{ pointer: '/jwks_uri', detail }],
      });
    }
    // localhost resolves to 127.0.0.1 (or ::1 first, on some machines).
    const named = await t.admin('POST', '/clients', { ...PKJWT, jwks_uri: 'https://localhost/jwks.json' });
    assert.equal(named.status, 422, named.text);
    assert.equal(named.body.errors.length, 1);
    assert.equal(named.body.errors[0].pointer, '/jwks_uri');
    assert.match(
      named.body.errors[0].detail,
      /^localhost resolves to (127\.0\.0\.1|::1), which is loopback \((127\.0\.0\.0\/8|::1\/128)\) and not in TESSERA_OUTBOUND_ALLOW$/,
    );

    await createClient(t, { ...PKJWT, client_id: 'moves-keys', jwks: { keys: [key.publicJwk] } });
    assertProblem(await t.admin('PATCH', '/clients/moves-keys', { jwks: null, jwks_uri: 'https://10.0.0.5/jwks.json' }), {
      status: 422,
      detail: INVALID,
      instance: '/clients/moves-keys',
      errors: [{ pointer: '/jwks_uri', detail: 'address 10.0.0.5 is private (10.0.0.0/8) and not in TESSERA_OUTBOUND_ALLOW' }],
    });
    assert.equal(keyServer.hits.get('/jwks.json') ?? 0, 0, 'registration fetches nothing');
  });

  it('accepts them, over http too, when TESSERA_OUTBOUND_ALLOW lists the address, range or name', async () => {
    const t = await start({ env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1, 10.0.0.0/8,169.254.169.254,localhost,::1' } });
    for (const jwks_uri of [
      'http://127.0.0.1:8080/jwks.json',
      'http://10.1.2.3/jwks.json',
      'http://169.254.169.254/jwks.json',
      'http://localhost/jwks.json',
      'http://[::1]:8443/jwks.json',
      'https://[::ffff:127.0.0.1]/jwks.json',
    ]) {
      assert.equal(created(await t.admin('POST', '/clients', { ...PKJWT, jwks_uri })).jwks_uri, jwks_uri);
    }
    assertProblem(await t.admin('POST', '/clients', { ...PKJWT, jwks_uri: 'https://192.168.1.1/jwks.json' }), {
      status: 422,
      detail: INVALID,
      instance: '/clients',
      errors: [{ pointer: '/jwks_uri', detail: 'address 192.168.1.1 is private (192.168.0.0/16) and not in TESSERA_OUTBOUND_ALLOW' }],
    });
  });

  it('checks again at every fetch: once the allow list no longer names it, the key server is not asked and the reason is logged', async () => {
    const first = await start({ env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1' } });
    await registerJwksUriClient(first, 'was-allowed', `${keyServer.base}/jwks.json`);
    assert.equal((await assertionTokenRequest(first, clock, 'was-allowed', key)).status, 200);
    const fetched = keyServer.hits.get('/jwks.json');
    await first.close();
    running.splice(running.indexOf(first), 1);

    const second = await start(sameStore(first));
    assertInvalidClient(await assertionTokenRequest(second, clock, 'was-allowed', key), 'the address is no longer allowed');
    assert.equal(keyServer.hits.get('/jwks.json'), fetched, 'the key server was not asked');
    assert.ok(loggedFailure(second, keyServer.base, 'address 127.0.0.1 is loopback (127.0.0.0/8) and not in TESSERA_OUTBOUND_ALLOW'), 'logged with the reason');
  });

  it('follows no redirect (the target is never asked) and reads at most 256 KiB', async () => {
    const t = await start({ env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1' } });
    keyServer.route('/moved', (_req, res) => res.writeHead(302, { location: '/redirect-target' }).end());
    keyServer.route('/redirect-target', { keys: [key.publicJwk] });
    keyServer.route('/large', { keys: [key.publicJwk], padding: 'x'.repeat(200 * 1024) });
    keyServer.route('/too-large', { keys: [key.publicJwk], padding: 'x'.repeat(300 * 1024) });
    await registerJwksUriClient(t, 'moved', `${keyServer.base}/moved`);
    await registerJwksUriClient(t, 'large', `${keyServer.base}/large`);
    await registerJwksUriClient(t, 'too-large', `${keyServer.base}/too-large`);
    assertInvalidClient(await assertionTokenRequest(t, clock, 'moved', key), 'redirect');
    assert.equal(keyServer.hits.get('/redirect-target') ?? 0, 0, 'the redirect target was never asked');
    assert.ok(loggedFailure(t, keyServer.base, 'redirect not followed (HTTP 302)'));
    assert.equal((await assertionTokenRequest(t, clock, 'large', key)).status, 200, '200 KiB is within the limit');
    assertInvalidClient(await assertionTokenRequest(t, clock, 'too-large', key), 'over 256 KiB');
    assert.ok(loggedFailure(t, keyServer.base, 'body over 256 KiB'));
  });

  it("refuses at registration the admin listener's own address and port, even when its address is allowed", async () => {
    const allowed = await start({ env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1,localhost' } });
    const adminPort = Number(new URL(allowed.adminUrl).port);
    for (const host of ['127.0.0.1', 'localhost']) {
      assertProblem(await allowed.admin('POST', '/clients', { ...PKJWT, jwks_uri: `http://${host}:${adminPort}/tenants/default/clients` }), {
        status: 422,
        detail: INVALID,
        instance: '/clients',
        errors: [{ pointer: '/jwks_uri', detail: `127.0.0.1:${adminPort} is this Tessera's admin listener` }],
      });
    }
  });

  it('never fetches from the admin listener: in loopback mode the admin API is not read as a local operator', async () => {
    const allowed = await start({ env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1' } });
    // Registered while that port was not the admin listener's; then Tessera restarts with its admin listener there, trusting loopback callers.
    const port = await freePort();
    await registerJwksUriClient(allowed, 'reads-admin', `http://127.0.0.1:${port}/tenants/default/clients`);
    await allowed.close();
    running.splice(running.indexOf(allowed), 1);
    const loopback = await start(sameStore(allowed, { TESSERA_OUTBOUND_ALLOW: '127.0.0.1', TESSERA_ADMIN_AUTH: 'loopback', TESSERA_ADMIN_PORT: String(port) }));
    assert.equal(new URL(loopback.adminUrl).port, String(port));
    assertInvalidClient(await assertionTokenRequest(loopback, clock, 'reads-admin', key), 'the admin listener is not a key server');
    const served = loopback.logs
      .map((line) => JSON.parse(line))
      .filter((entry) => entry.listener === 'admin' && entry.req?.path === '/tenants/default/clients');
    assert.deepEqual(served, [], 'the admin listener served no request for it');
    assert.ok(loggedFailure(loopback, `http://127.0.0.1:${port}`, `127.0.0.1:${port} is this Tessera's admin listener`));
  });
});
