import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createClient } from '../helpers/fixtures.js';
import { basic, startTessera, type TestTessera } from '../helpers/tessera.js';

describe('issuing tokens writes nothing to the database', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera();
  });
  after(() => t.close());

  it('leaves PRAGMA data_version unchanged across successful and failed token requests', async () => {
    const c = await createClient(t, { audience: ['https://api.test'] });
    const observer = new Database(join(t.dataDir, 'tessera.db'), { readonly: true });
    try {
      const version = () => observer.pragma('data_version', { simple: true });
      const before = version();
      for (let i = 0; i < 25; i++) {
        const ok = await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(c.clientId, c.secret) });
        assert.equal(ok.status, 200);
        const bad = await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(c.clientId, 'nope') });
        assert.equal(bad.status, 401);
      }
      assert.equal(version(), before, 'a token request committed a write');
      // Token exchange (RFC 8693) alike: a chain of two exchanges, and a refused one.
      const exchanger = await createClient(t, { audience: ['https://api.test'], grant_types: ['urn:ietf:params:oauth:grant-type:token-exchange'] });
      const subject = (await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(c.clientId, c.secret) })).body.access_token;
      const exchangeOf = (token: string) =>
        t.form(
          '/oauth2/token',
          {
            grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
            subject_token: token,
            subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          },
          { authorization: basic(exchanger.clientId, exchanger.secret) },
        );
      const settled = version();
      const once = await exchangeOf(subject);
      assert.equal(once.status, 200, once.text);
      assert.equal((await exchangeOf(once.body.access_token)).status, 200);
      assert.equal((await exchangeOf('not-a-token')).status, 400);
      assert.equal(version(), settled, 'a token exchange committed a write');
      // The observer does see writes by others: an admin change moves the version.
      await t.admin('PATCH', `/clients/${c.clientId}`, { client_name: 'x' });
      assert.notEqual(version(), before);
    } finally {
      observer.close();
    }
  });
});
