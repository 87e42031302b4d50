import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import {
  GUIDE_000_ANSWER_GENERATED,
  GUIDE_000_BASIC,
  GUIDE_000_CREATE_CLIENT,
  GUIDE_000_TOKEN,
  GUIDE_001_CREATE_SERVICE_ACCOUNT,
  GUIDE_001_TOKEN,
} from '../fixtures/guides.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { assertLikeDocumented, docJson } from '../helpers/docs.js';
import { sh } from '../helpers/shell.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const host = (url: string) => url.replace(/^http:\/\//, '');

describeEachDialect('guide 000 (Machine to Machine, Hydra style), word for word with curl', (dialect) => {
  let t: TestTessera;
  before(async () => {
    // The guide creates its client without an admin token: loopback mode allows exactly that.
    t = await startTessera({ dialect, env: { TESSERA_ADMIN_AUTH: 'loopback' } });
  });
  after(() => t.close());

  it('creates the client, then gets a token with HTTP Basic from the raw id and secret', async () => {
    const clientId = Buffer.from(GUIDE_000_BASIC, 'base64').toString().split(':')[0]!; // "my-api4"
    const created = JSON.parse(await sh(GUIDE_000_CREATE_CLIENT.replace('<ADMIN_ENDPOINT>', host(t.adminUrl)).replace('<YOUR_CLIENT_ID>', clientId)));
    assert.equal(created.client_id, clientId);
    assert.match(created.client_secret, /^[A-Za-z0-9_-]{43}$/, 'a 256-bit secret of unreserved characters');
    // README.md shows the real answer: every field, in order, with its value (ids and times aside).
    assertLikeDocumented(
      created,
      docJson('README.md', 'Tessera answers `201 Created` with the client and, this once, its secret:'),
      GUIDE_000_ANSWER_GENERATED,
    );

    // The reader builds the Basic value from the raw values, as the guide says.
    const ownBasic = Buffer.from(`${clientId}:${created.client_secret}`).toString('base64');
    const response = JSON.parse(await sh(GUIDE_000_TOKEN.replace('<PUBLIC_ENDPOINT>', host(t.publicUrl)).replace(GUIDE_000_BASIC, ownBasic)));
    assert.equal(response.token_type, 'Bearer');
    assert.equal(response.scope, 'read:secrets');
    assert.equal(response.expires_in, 3600);
    const jwks = createRemoteJWKSet(new URL(`${t.publicUrl}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(response.access_token, jwks, { issuer: t.publicUrl, audience: 'https://localhost:5001/', typ: 'at+jwt' });
    assert.equal(payload.client_id, clientId);
    assert.equal(payload.scope, 'read:secrets');
  });

  it("refuses the guide's literal Basic header: that client and secret are not ours", async () => {
    const response = JSON.parse(await sh(GUIDE_000_TOKEN.replace('<PUBLIC_ENDPOINT>', host(t.publicUrl))));
    assert.deepEqual(response, { error: 'invalid_client', error_description: 'Client authentication failed.' });
  });
});

describeEachDialect('guide 000 with the default admin authentication', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  it('answers the tokenless create with a 401 problem that says how to proceed', async () => {
    const out = JSON.parse(await sh(GUIDE_000_CREATE_CLIENT.replace('<ADMIN_ENDPOINT>', host(t.adminUrl)).replace('<YOUR_CLIENT_ID>', 'x')));
    assert.equal(out.status, 401);
    assert.match(out.detail, /Authorization: Bearer/);
    assert.match(out.detail, /TESSERA_ADMIN_AUTH=loopback/);
  });
});

for (const tenant of ['default', 'acme']) {
  describeEachDialect(`guide 001 (service account, API, grant; Crossid style) on tenant ${tenant}, word for word with curl`, (dialect) => {
    let t: TestTessera;
    let adminBase: string;
    let publicBase: string;
    before(async () => {
      t = await startTessera({ dialect });
      if (tenant !== 'default') assert.equal((await t.admin('POST', '/tenants', { id: tenant })).status, 201);
      adminBase = tenant === 'default' ? t.adminUrl : `${t.adminUrl}/tenants/${tenant}`;
      publicBase = tenant === 'default' ? t.publicUrl : `${t.publicUrl}/t/${tenant}`;
    });
    after(() => t.close());

    it('creates the service account, wires client, API and grant, and the multipart token request succeeds', async () => {
      const sa = JSON.parse(await sh(GUIDE_001_CREATE_SERVICE_ACCOUNT.replace('<API_TOKEN>', t.adminToken).replace('https://{tenant}.crossid.io', adminBase)));
      assert.equal(sa.user_name, 'periodicCleanup');
      assert.equal(sa.display_name, 'Periodic Cleanup Account');
      assert.equal(sa.active, true);
      const audit = await t.admin('GET', `${tenant === 'default' ? '' : `/tenants/${tenant}`}/audit-events?action=service_account.create`);
      assert.equal(audit.body.items[0].reason, 'add-user');

      // The guide's console steps, through the admin API the console uses.
      const prefix = tenant === 'default' ? '' : `/tenants/${tenant}`;
      const client = await t.admin('POST', `${prefix}/clients`, { client_name: 'periodic-cleanup', service_account_id: sa.id });
      assert.equal(client.status, 201);
      const api = await t.admin('POST', `${prefix}/apis`, {
        name: 'Cleanup API',
        identifier: 'https://cleanup.example.com',
        scopes: [{ value: 'write', description: 'write access' }],
      });
      assert.equal(api.status, 201);
      const grant = await t.admin('POST', `${prefix}/grants`, { service_account_id: sa.id, api_id: api.body.id, scopes: ['write'] });
      assert.equal(grant.status, 201);

      const response = JSON.parse(
        await sh(
          GUIDE_001_TOKEN.replace('https://{tenant}.crossid.io', publicBase)
            .replace('<client_id>', client.body.client_id)
            .replace('<client_secret>', client.body.client_secret),
        ),
      );
      assert.deepEqual(Object.keys(response).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
      assert.equal(response.scope, 'write');
      assert.equal(response.token_type.toLowerCase(), 'bearer');
      assert.ok(response.expires_in > 0);
      const jwks = createRemoteJWKSet(new URL(`${publicBase}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(response.access_token, jwks, { issuer: publicBase, audience: 'https://cleanup.example.com', typ: 'at+jwt' });
      assert.equal(payload.sub, sa.id);
      assert.equal(payload.client_id, client.body.client_id);
    });
  });
}
