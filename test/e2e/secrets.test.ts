import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createClient } from '../helpers/fixtures.js';
import { basic, startTessera, type TestTessera } from '../helpers/tessera.js';

describe('secrets at rest and in logs', () => {
  let t: TestTessera;
  const secrets: string[] = [];
  before(async () => {
    t = await startTessera();
  });
  after(() => t.close());

  it('exercises every path that handles a secret', async () => {
    const c = await createClient(t, { client_id: 'secretive', audience: ['https://api.test'] });
    secrets.push(c.secret);
    const rotated = await t.admin('POST', '/clients/secretive/secrets', { expires_in: 60 });
    secrets.push(rotated.body.client_secret);
    const token = await t.admin('POST', '/admin-tokens', { name: 'ops' });
    secrets.push(token.body.token, t.adminToken);
    await t.admin('POST', '/tenants', { id: 'other', signing_alg: 'EdDSA' });
    await t.admin('POST', '/keys/rotate');
    // Successful and failed authentications, including credentials where they do not belong.
    await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic('secretive', c.secret) });
    await t.form('/oauth2/token', { grant_type: 'client_credentials', client_id: 'secretive', client_secret: rotated.body.client_secret });
    await t.publicFetch(`/oauth2/token?client_secret=${c.secret}`, { method: 'POST' });
    await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic('secretive', `${c.secret}x`) });
    await t.admin('GET', '/clients', undefined, { token: `${token.body.token}x` });
  });

  it('never returns a client secret after creation', async () => {
    for (const path of ['/clients/secretive', '/clients', '/audit-events?limit=200']) {
      const res = await t.admin('GET', path);
      for (const s of secrets) assert.ok(!res.text.includes(s), `${path} leaks a secret`);
    }
    const patched = await t.admin('PATCH', '/clients/secretive', { client_name: 'renamed' });
    for (const s of secrets) assert.ok(!patched.text.includes(s));
  });

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

  it('never writes a secret to the log', () => {
    const log = t.logs.join('');
    assert.ok(log.includes('"client_id":"secretive","msg":"request completed"'), 'the log did record the requests');
    for (const s of secrets) assert.ok(!log.includes(s), 'a secret reached the log');
  });
});
