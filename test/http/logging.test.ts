import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { systemClock } from '../../src/lib/clock.js';
import { clientAssertion, JWT_BEARER } from '../helpers/assertions.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { testKey } from '../helpers/keys.js';
import { basic, startTessera, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://logged.test';
const METRICS_TOKEN = `scrape-${randomBytes(24).toString('hex')}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  listener?: string;
  [field: string]: any;
}

describeEachDialect('logs: request ids, one line per request, the audit stream, no secrets', (dialect) => {
  let t: TestTessera;
  let secret: string;
  const lines = (): LogLine[] => t.logs.map((l) => JSON.parse(l) as LogLine);
  const ofRequest = (id: string) => lines().filter((l) => l.reqId === id);

  before(async () => {
    t = await startTessera({ dialect, env: { TESSERA_METRICS_TOKEN: METRICS_TOKEN } });
    ({ secret } = await createClient(t, { client_id: 'logged', audience: [AUD] }));
  });
  after(() => t.close());

  it('keeps a safe X-Request-Id, answers it and logs it, on both listeners', async () => {
    const pub = await t.publicFetch('/.well-known/jwks.json', { headers: { 'x-request-id': 'edge-7f3a.b_C-9' } });
    assert.equal(pub.status, 200);
    assert.equal(pub.headers.get('x-request-id'), 'edge-7f3a.b_C-9');
    const adm = await t.admin('GET', '/clients', undefined, { headers: { 'x-request-id': 'ops.trace_01' } });
    assert.equal(adm.status, 200);
    assert.equal(adm.headers.get('x-request-id'), 'ops.trace_01');
    const [publicLine] = ofRequest('edge-7f3a.b_C-9');
    assert.equal(publicLine?.listener, 'public');
    assert.equal(publicLine?.msg, 'request completed');
    assert.deepEqual(publicLine?.req, { method: 'GET', path: '/.well-known/jwks.json', remoteAddress: '127.0.0.1' });
    assert.deepEqual(publicLine?.res, { statusCode: 200 });
    assert.equal(typeof publicLine?.responseTime, 'number');
    assert.deepEqual(
      ofRequest('ops.trace_01').map((l) => [l.listener, l.msg]),
      [['admin', 'request completed']],
    );
  });

  it('replaces a missing or unsafe X-Request-Id with a random UUID, and never logs the unsafe one', async () => {
    const unsafe = ['x'.repeat(65), 'two words', 'inject"}{"level":60', 'a%0Ab', 'id/../x', ''];
    for (const value of unsafe) {
      const res = await t.publicFetch('/.well-known/jwks.json', { headers: { 'x-request-id': value } });
      const id = res.headers.get('x-request-id') ?? '';
      assert.match(id, UUID, `for ${JSON.stringify(value)}`);
      assert.equal(ofRequest(id).length, 1);
    }
    const repeated = new Headers([
      ['x-request-id', 'first'],
      ['x-request-id', 'second'],
    ]);
    assert.match((await t.publicFetch('/.well-known/jwks.json', { headers: repeated })).headers.get('x-request-id') ?? '', UUID);
    const a = (await t.publicFetch('/.well-known/jwks.json')).headers.get('x-request-id');
    const b = (await t.admin('GET', '/health/alive', undefined, { token: null })).headers.get('x-request-id');
    assert.match(a ?? '', UUID);
    assert.match(b ?? '', UUID);
    assert.notEqual(a, b);
    const all = t.logs.join('\n');
    for (const value of unsafe.filter((v) => v.length > 3)) assert.ok(!all.includes(value), `${JSON.stringify(value)} reached the log`);
  });

  it('logs a token request on one line, with its tenant and client, or its error and private reason', async () => {
    const ok = await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic('logged', secret), 'x-request-id': 'tok-ok' });
    assert.equal(ok.status, 200);
    const [line, ...more] = ofRequest('tok-ok');
    assert.deepEqual(more, []);
    assert.equal(line?.level, 30);
    assert.equal(line?.msg, 'request completed');
    assert.equal(line?.tenant, 'default');
    assert.equal(line?.client_id, 'logged');
    assert.deepEqual(line?.res, { statusCode: 200 });
    const refused = await t.form(
      '/oauth2/token',
      { grant_type: 'client_credentials' },
      { authorization: basic('logged', `${secret}x`), 'x-request-id': 'tok-no' },
    );
    assert.equal(refused.status, 401);
    const [no, ...others] = ofRequest('tok-no');
    assert.deepEqual(others, []);
    assert.equal(no?.msg, 'request completed');
    assert.equal(no?.tenant, 'default');
    assert.equal(no?.error, 'invalid_client');
    assert.match(no?.detail, /secret/);
    assert.deepEqual(no?.res, { statusCode: 401 });
  });

  it('writes every committed audit event to the log once, as the API shows it (but the token name it looks up), with the request id', async () => {
    const created = await t.admin('POST', '/clients?reason=audited-in-log', { client_id: 'audited' }, { headers: { 'x-request-id': 'audit-trace-42' } });
    assert.equal(created.status, 201);
    await t.admin('POST', '/clients/audited/secrets');
    await createOk(t, '/admin-tokens', { name: 'logged ops' });
    // A write that fails is rolled back: no event, no line.
    assert.equal((await t.admin('POST', '/clients', { client_id: 'audited' })).status, 409);
    await t.admin('DELETE', '/clients/audited');
    const fromApi = (await t.admin('GET', '/audit-events?limit=200')).body.items as Record<string, unknown>[];
    const fromLog = lines().filter((l) => l.msg === 'audit');
    for (const event of fromApi) {
      const logged = fromLog.filter((l) => l.audit.id === event.id);
      assert.equal(logged.length, 1, `${String(event.action)} is logged once`);
      // actor_name is looked up when the API reads the events; the line has the event as committed.
      const { actor_name: _name, ...committed } = event;
      assert.deepEqual(logged[0]!.audit, committed);
      assert.equal(logged[0]!.level, 30);
    }
    const audited = fromLog.filter((l) => l.audit.target_id === 'audited').map((l) => l.audit.action);
    assert.deepEqual(audited, ['client.create', 'client.secret.create', 'client.delete']);
    const [creation] = fromLog.filter((l) => l.audit.target_id === 'audited' && l.audit.action === 'client.create');
    assert.equal(creation?.reqId, 'audit-trace-42');
    assert.equal(creation?.audit.reason, 'audited-in-log');
    assert.deepEqual(
      ofRequest('audit-trace-42').map((l) => l.msg),
      ['audit', 'request completed'],
    );
  });

  it('never writes a credential to the log: secrets, admin and metrics tokens, Basic headers, assertions, DPoP proofs', async () => {
    const used: string[] = [secret, t.adminToken, METRICS_TOKEN];
    const basicHeader = basic('logged', secret);
    used.push(basicHeader.slice('Basic '.length));
    await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basicHeader });
    await t.form('/oauth2/token', { grant_type: 'client_credentials', client_id: 'logged', client_secret: secret });
    await t.publicFetch(`/oauth2/token?client_secret=${secret}`, { method: 'POST' });
    const rotated = await t.admin('POST', '/clients/logged/secrets');
    used.push(rotated.body.client_secret);
    const ops = await createOk(t, '/admin-tokens', { name: 'ops' });
    used.push(ops.token);
    await t.admin('GET', '/clients', undefined, { token: `${ops.token}x` });
    await t.admin('GET', '/metrics', undefined, { token: METRICS_TOKEN });
    const key = await testKey('ES256', 'logged-key');
    await createClient(t, { client_id: 'signer', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, audience: [AUD] });
    const assertion = await clientAssertion(key, systemClock, { clientId: 'signer', audience: t.publicUrl });
    used.push(assertion);
    const signed = await t.form('/oauth2/token', { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion });
    assert.equal(signed.status, 200, signed.text);
    // A replay is refused, and its private reason logged, still without the assertion.
    assert.equal(
      (await t.form('/oauth2/token', { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion })).status,
      401,
    );
    await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basicHeader, dpop: 'eyJhbGciOiJFUzI1NiJ9.not-a-proof.sig' });
    used.push('not-a-proof');
    used.push(signed.body.access_token);
    const log = t.logs.join('\n');
    assert.ok(log.includes('"client_id":"signer"'), 'the requests were logged');
    for (const value of used) assert.ok(!log.includes(value), `a credential reached the log: ${value.slice(0, 12)}…`);
  });
});
