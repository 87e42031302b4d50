import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient } from '../helpers/fixtures.js';
import { basic, startTessera, type TestTessera } from '../helpers/tessera.js';

describeEachDialect('smoke: a client gets a token', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  it('issues a Bearer token for an allowed audience and scope', async () => {
    const { clientId, secret } = await createClient(t, { audience: ['https://api.test/'], scope: 'read' });
    const res = await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(clientId, secret) });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.scope, 'read');
  });
});
