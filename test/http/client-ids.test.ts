import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { assertProblem, created, ok, walkPages } from '../helpers/admin.js';
import { clientAssertion, JWT_BEARER } from '../helpers/assertions.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient } from '../helpers/fixtures.js';
import { testKey } from '../helpers/keys.js';
import { sh } from '../helpers/shell.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';
import { assertTokenFor } from '../helpers/tokens.js';
import { systemClock } from '../../src/lib/clock.js';

const AUD = 'https://client-ids.test';

/** RFC 6749 VSCHAR ids that the old alphabet refused: space, colon, plus, percent, slash, quote, backslash, `>`; and the longest. */
const IDS = ['orders job:eu+1 100%', 'team/a "b" \\c>d', `${'x'.repeat(254)}!`];

/** What a refused client id gets in a field error. */
const CLIENT_ID_DETAIL = 'must be 1 to 255 printable ASCII characters (RFC 6749 VSCHAR: space to "~", no control characters)';

/** A client id as an admin path segment. */
const path = (id: string) => `/clients/${encodeURIComponent(id)}`;

/** RFC 6749 §2.3.1: application/x-www-form-urlencoded, as a Basic credential half. */
const formEncoded = (s: string) => new URLSearchParams({ s }).toString().slice('s='.length);

describeEachDialect('client ids: any VSCHAR string of 1 to 255 characters (RFC 6749 Appendix A.1)', (dialect) => {
  let t: TestTessera;
  let apiId: string;
  const secrets = new Map<string, string>();

  before(async () => {
    t = await startTessera({ dialect });
    apiId = created(await t.admin('POST', '/apis', { name: 'Orders', identifier: AUD, scopes: [{ value: 'read' }] })).id;
  });
  after(() => t.close());

  it('creates, gets, patches, rotates the secret of and grants to clients with such ids, paths percent-encoded', async () => {
    for (const id of IDS) {
      const { clientId, secret } = await createClient(t, { client_id: id, audience: [AUD] });
      assert.equal(clientId, id);
      assert.equal(ok(await t.admin('GET', path(id))).client_id, id);
      assert.equal(ok(await t.admin('PATCH', `${path(id)}?reason=${encodeURIComponent('renamed')}`, { client_name: 'Renamed' })).client_name, 'Renamed');
      const rotated = created(await t.admin('POST', `${path(id)}/secrets`, { expires_in: 3600 }));
      assert.equal(typeof rotated.client_secret, 'string');
      const { client_secrets: kept } = ok(await t.admin('GET', path(id)));
      assert.equal(kept.length, 2);
      assert.equal((await t.admin('DELETE', `${path(id)}/secrets/${encodeURIComponent(rotated.id)}`)).status, 204);
      secrets.set(id, secret);
      const grant = created(await t.admin('POST', '/grants', { client_id: id, api_id: apiId, scopes: ['read'] }));
      assert.equal(grant.client_id, id);
      const listed = ok(await t.admin('GET', `/grants?client_id=${encodeURIComponent(id)}`)).items;
      assert.deepEqual(
        listed.map((g: any) => g.id),
        [grant.id],
      );
      const [event] = ok(await t.admin('GET', `/audit-events?target_id=${encodeURIComponent(id)}&action=client.update`)).items;
      assert.deepEqual([event.target_id, event.reason], [id, 'renamed']);
    }
  });

  it('lists them page by page: next_cursor carries any id', async () => {
    const { items, pages } = await walkPages(t, '/clients', 1);
    assert.deepEqual(items.map((c) => c.client_id).sort(), [...IDS].sort());
    assert.equal(pages, IDS.length);
  });

  it('authenticates them with Basic (form-urlencoded, RFC 6749 §2.3.1), client_secret_post and a raw header', async () => {
    for (const id of IDS) {
      const secret = secrets.get(id)!;
      const raw = `Basic ${Buffer.from(`${formEncoded(id)}:${formEncoded(secret)}`).toString('base64')}`;
      assertTokenFor(await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: raw }), id, { what: `Basic ${id}` });
      assertTokenFor(await t.form('/oauth2/token', { grant_type: 'client_credentials', client_id: id, client_secret: secret }), id, { what: `post ${id}` });
    }
    // The raw header of the first id, spelled out: space as '+', ':' as %3A, '+' as %2B, '%' as %25.
    const header = `Basic ${Buffer.from(`orders+job%3Aeu%2B1+100%25:${secrets.get(IDS[0]!)!}`).toString('base64')}`;
    assertTokenFor(await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: header }), IDS[0]!);
  });

  it('takes the ids from curl -u once form-urlencoded', async () => {
    for (const id of IDS) {
      const body = await sh('curl -s -u "$ID:$SECRET" -d grant_type=client_credentials "$URL/oauth2/token"', {
        env: { PATH: process.env.PATH ?? '', ID: formEncoded(id), SECRET: secrets.get(id)!, URL: t.publicUrl },
      });
      assert.equal(JSON.parse(body).token_type, 'Bearer', `${id}: ${body}`);
    }
  });

  it('authenticates private_key_jwt clients whose assertion names such an id as iss and sub', async () => {
    const key = await testKey('ES256');
    const id = 'urn:acme:signer 1+1=2%';
    await createClient(t, { client_id: id, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] }, audience: [AUD] });
    const assertion = await clientAssertion(key, systemClock, { clientId: id, audience: t.publicUrl });
    const res = await t.form('/oauth2/token', {
      grant_type: 'client_credentials',
      client_assertion_type: JWT_BEARER,
      client_assertion: assertion,
      client_id: id,
    });
    assertTokenFor(res, id);
    assert.equal((await t.admin('DELETE', path(id))).status, 204);
  });

  it('deletes them through their encoded paths', async () => {
    for (const id of IDS) {
      assert.equal((await t.admin('DELETE', path(id))).status, 204);
      assertProblem(await t.admin('GET', path(id)), { status: 404, detail: `client ${JSON.stringify(id)} does not exist`, instance: path(id) });
    }
  });

  it('refuses a 256-character id, a non-ASCII one and control characters, and an over-long path segment', async () => {
    for (const id of ['y'.repeat(256), 'caf\u00e9', 'tab\there', '']) {
      assertProblem(await t.admin('POST', '/clients', { client_id: id, audience: [AUD] }), {
        status: 400,
        detail: 'the request body is invalid',
        instance: '/clients',
        errors: [{ pointer: '/client_id', detail: CLIENT_ID_DETAIL }],
      });
    }
    for (const id of ['del\u007f', 'nul\u0000']) {
      assertProblem(await t.admin('POST', '/clients', { client_id: id, audience: [AUD] }), {
        status: 400,
        detail: 'the request body contains a control character',
        instance: '/clients',
        errors: [{ pointer: '/client_id', detail: 'contains a control character' }],
      });
    }
    assertProblem(await t.admin('GET', path('y'.repeat(256))), {
      status: 400,
      detail: 'the request params is invalid',
      instance: path('y'.repeat(256)),
      errors: [{ pointer: '/client_id', detail: 'must NOT have more than 255 characters' }],
    });
    // The router bounds a segment after percent-decoding: 256 characters reach the schema, 257 do not.
    assertProblem(await t.admin('GET', path(' '.repeat(257))), {
      status: 414,
      detail: 'a path segment of the request URL is too long',
      instance: path(' '.repeat(257)),
    });
  });
});
