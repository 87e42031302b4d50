import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import Database from 'better-sqlite3';
import { clientIdHint } from '../../src/protocol/client-auth/id-hint.js';
import { created, manualClock, ok } from '../helpers/admin.js';
import { clientAssertion, JWT_BEARER } from '../helpers/assertions.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient } from '../helpers/fixtures.js';
import { testKey } from '../helpers/keys.js';
import { postFormFrom } from '../helpers/raw-http.js';
import { basic, startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';

const CC = { grant_type: 'client_credentials' };
const AUD = 'https://api.test';
/** Failures that lock a client id: low, so that an id that is really a secret gets locked, audited and logged. */
const MAX_FAILURES = 3;

function status(res: HttpResult, expected: number, what: string): HttpResult {
  assert.equal(res.status, expected, `${what}: ${res.text}`);
  return res;
}

describeEachDialect('secrets at rest and in logs', (dialect) => {
  let t: TestTessera;
  const clock = manualClock();
  /** Every secret value the suite creates or sends: client secrets, admin tokens, assertions, access tokens. */
  const secrets: string[] = [];
  /** Keeps secrets to look for; each must be one (a missing one would make every leak check look for "undefined", and pass). */
  const keep = (...values: unknown[]) => {
    for (const value of values) {
      assert.ok(typeof value === 'string' && value.length >= 32, `a secret, not ${JSON.stringify(value)}`);
      secrets.push(value);
    }
  };
  /** The secrets the log must know only by their hints (sent as client ids). */
  const sent = { secret: '', rotated: '', assertionAsId: '' };
  /** Each failing request comes from a loopback address of its own, so that only client ids get locked. */
  let nextAddress = 1;
  const from = () => `127.0.9.${nextAddress++}`;
  const token = (params: Record<string, string>, headers: Record<string, string> = {}, path = '/oauth2/token') =>
    postFormFrom(from(), `${t.publicUrl}${path}`, params, headers);

  before(async () => {
    t = await startTessera({ dialect, clock, env: { TESSERA_BRUTE_FORCE_MAX_FAILURES: String(MAX_FAILURES) } });
  });
  after(() => t.close());

  // Setup, not a test: every path that handles a secret, including secrets sent in the wrong place;
  // each call's answer is asserted, and every test below depends on this alone.
  before(async () => {
    const c = await createClient(t, { client_id: 'secretive', audience: [AUD] });
    const rotated = created(await t.admin('POST', '/clients/secretive/secrets', { expires_in: 3600 })).client_secret as string;
    const adminToken = created(await t.admin('POST', '/admin-tokens', { name: 'ops' })).token as string;
    const key = await testKey('ES256', 'signer');
    await createClient(t, { client_id: 'signing-job', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, audience: [AUD] });
    const sign = async (clientId: string, claims: Record<string, unknown> = {}) => {
      const assertion = await clientAssertion(key, clock, { clientId, audience: t.publicUrl, claims });
      keep(assertion);
      return assertion;
    };
    keep(c.secret, rotated, adminToken, t.adminToken);
    Object.assign(sent, { secret: c.secret, rotated });
    created(await t.admin('POST', '/tenants', { id: 'other', signing_alg: 'EdDSA' }));
    created(await t.admin('POST', '/keys/rotate'));

    // Successful authentications; their tokens are secrets too.
    const issued = status(await token(CC, { authorization: basic('secretive', c.secret) }), 200, 'Basic');
    const posted = status(await token({ ...CC, client_id: 'secretive', client_secret: rotated }), 200, 'post');
    const signed = status(await token({ ...CC, client_assertion_type: JWT_BEARER, client_assertion: await sign('signing-job') }), 200, 'private_key_jwt');
    keep(issued.body.access_token, posted.body.access_token, signed.body.access_token);
    status(await token({ token: issued.body.access_token }, { authorization: basic('secretive', c.secret) }, '/oauth2/introspect'), 200, 'introspection');

    /** A refused request; then the clock passes the window, so that it locks nothing. */
    const refused = async (expected: number, what: string, ...request: Parameters<typeof token>) => {
      status(await token(...request), expected, what);
      clock.advance(61_000);
    };
    // Secrets where they do not belong.
    status(await t.publicFetch(`/oauth2/token?client_secret=${c.secret}`, { method: 'POST' }), 400, 'secret in the query');
    await refused(401, 'wrong secret of a known client', CC, { authorization: basic('secretive', `${c.secret}x`) });
    await refused(401, 'unknown client', CC, { authorization: basic('nobody', c.secret) });
    // id and secret swapped in Basic until the "id" is locked: a lockout event, and a 429 whose reason is logged.
    for (let i = 0; i < MAX_FAILURES; i++) status(await token(CC, { authorization: basic(c.secret, 'secretive') }), 401, 'swapped, Basic');
    await refused(429, 'swapped, locked', CC, { authorization: basic(c.secret, 'secretive') });
    await refused(401, 'swapped, post', { ...CC, client_id: rotated, client_secret: 'secretive' });
    await refused(401, 'swapped at introspection', { token: issued.body.access_token }, { authorization: basic(rotated, 'secretive') }, '/oauth2/introspect');
    await refused(401, 'swapped at revocation', { token: issued.body.access_token }, { authorization: basic(rotated, 'secretive') }, '/oauth2/revoke');
    // An assertion sent as a client id, and secrets named by an assertion.
    sent.assertionAsId = await sign('signing-job');
    await refused(401, 'assertion as client_id', { ...CC, client_id: sent.assertionAsId, client_secret: 'x' });
    await refused(401, 'secret as client_id beside an assertion', {
      ...CC,
      client_assertion_type: JWT_BEARER,
      client_assertion: await sign('signing-job'),
      client_id: c.secret,
    });
    await refused(401, 'secret as the sub of an assertion', {
      ...CC,
      client_assertion_type: JWT_BEARER,
      client_assertion: await sign('signing-job', { sub: c.secret }),
    });
    await refused(401, 'secret as the iss of an assertion', { ...CC, client_assertion_type: JWT_BEARER, client_assertion: await sign(rotated) });
    status(await t.admin('GET', '/clients', undefined, { token: `${adminToken}x` }), 401, 'wrong admin token');
    assert.equal(secrets.length, 12, 'every secret was created');
  });

  it('never returns a client secret after creation', async () => {
    for (const path of ['/clients/secretive', '/clients', '/audit-events?limit=200']) {
      const res = ok(await t.admin('GET', path));
      for (const s of secrets) assert.ok(!JSON.stringify(res).includes(s), `${path} leaks a secret`);
    }
    const patched = ok(await t.admin('PATCH', '/clients/secretive', { client_name: 'renamed' }));
    for (const s of secrets) assert.ok(!JSON.stringify(patched).includes(s));
  });

  it('audits the lockout of a secret sent as a client id under its hint only', async () => {
    const events = ok(await t.admin('GET', '/audit-events?action=client.auth.locked')).items;
    assert.deepEqual(
      events.map((e: any) => [e.target_type, e.target_id]),
      [['client', clientIdHint(sent.secret)]],
    );
  });

  if (dialect === 'sqlite') {
    it('never writes a secret or a private key in clear to the database files', async () => {
      const files = ['tessera.db', 'tessera.db-wal'].map((f) => join(t.dataDir, f)).filter(existsSync);
      const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
      for (const s of secrets) assert.equal(bytes.indexOf(s), -1, 'a secret is stored in clear');
      const db = new Database(join(t.dataDir, 'tessera.db'), { readonly: true });
      const keys = db.prepare('select private_key, public_jwk from signing_keys').all() as { private_key: string; public_jwk: string }[];
      db.close();
      assert.ok(keys.length >= 3);
      for (const k of keys) {
        assert.match(k.private_key, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'sealed with AES-256-GCM');
        assert.equal(JSON.parse(k.public_jwk).d, undefined, 'the public JWK has no private member');
      }
      assert.equal(bytes.indexOf('"d":"'), -1, 'no private JWK member in clear');
      assert.equal(statSync(join(t.dataDir, 'tessera.secret')).mode & 0o077, 0, 'the key-encryption secret is private to its owner');
    });
  }

  it('never writes a secret to the log, not even one sent as a client id', () => {
    const log = t.logs.join('');
    assert.ok(log.includes('"client_id":"secretive","msg":"request completed"'), 'the log did record the requests');
    for (const s of secrets) {
      assert.ok(typeof s === 'string' && s.length >= 32, 'a secret of some length');
      assert.ok(!log.includes(s), `a secret reached the log: ${clientIdHint(s)}`);
    }
    // The refusals were logged, with a hint of what was sent as the id.
    const { secret, rotated, assertionAsId } = sent;
    for (const detail of [
      'wrong or expired secret for client secretive',
      `unknown client ${clientIdHint(secret)}`,
      `client ${clientIdHint(secret)} of tenant default is locked`,
      `unknown client ${clientIdHint(rotated)}`,
      `unknown client ${clientIdHint(assertionAsId)}`,
      `client_id ${clientIdHint(secret)} differs from the assertion's iss ${clientIdHint('signing-job')}`,
      `client assertion sub ${clientIdHint(secret)} differs from iss ${clientIdHint('signing-job')}`,
    ]) {
      assert.ok(log.includes(detail), `the log tells: ${detail}`);
    }
  });
});
