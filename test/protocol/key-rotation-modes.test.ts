import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose';
import { signingKeysRepo } from '../../src/storage/repositories/signing-keys.js';
import { assertProblem, created, ok } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient } from '../helpers/fixtures.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { basic, decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

const JWKS_PATH = '/.well-known/jwks.json';

describeEachDialect('key rotation: routine and emergency, as verifiers see them', (dialect) => {
  let t: TestTessera;
  let client: { clientId: string; secret: string };
  /** Stands between the verifier and the public listener, counting the JWKS requests that reach Tessera. */
  let proxy: JwksServer;
  /** A verifier as API owners configure it: jose's remote key set with its default cache options. */
  let verifierKeys: ReturnType<typeof createRemoteJWKSet>;

  const keys = async (prefix = '') => ok(await t.admin('GET', `${prefix}/keys`)).items as { kid: string; status: string }[];
  const statuses = async (prefix = '') => (await keys(prefix)).map((k) => k.status);
  const kidOf = async (status: string) => (await keys()).find((k) => k.status === status)!.kid;
  const jwksFetches = () => proxy.hits.get(JWKS_PATH) ?? 0;
  const token = async () => {
    const res = await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(client.clientId, client.secret) });
    assert.equal(res.status, 200, res.text);
    return res.body.access_token as string;
  };
  const lastRotation = async () => ok(await t.admin('GET', '/audit-events?action=key.rotate')).items[0];

  before(async () => {
    t = await startTessera({ dialect });
    client = await createClient(t, { audience: ['https://api.test'] });
    proxy = await startJwksServer();
    proxy.route(JWKS_PATH, (_req, res) => {
      void t.publicFetch(JWKS_PATH).then((answer) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.text));
    });
    verifierKeys = createRemoteJWKSet(new URL(`${proxy.base}${JWKS_PATH}`));
  });
  after(async () => {
    await proxy.close();
    await t.close();
  });

  it('publishes exactly one next key besides the active key from the creation of every tenant: at bootstrap, by POST /tenants, by a configuration apply', async () => {
    assert.deepEqual(await statuses(), ['next', 'active']);
    const published = ((await t.publicFetch(JWKS_PATH)).body.keys as { kid: string }[]).map((k) => k.kid);
    assert.deepEqual(
      published,
      (await keys()).map((k) => k.kid),
      'both in the JWKS, the next key first',
    );
    created(await t.admin('POST', '/tenants', { id: 'acme' }));
    assert.deepEqual(await statuses('/tenants/acme'), ['next', 'active']);
    ok(await t.admin('POST', '/config/apply', { version: 1, tenants: [{ id: 'gitops' }] }));
    assert.deepEqual(await statuses('/tenants/gitops'), ['next', 'active']);
  });

  it('routine rotation: a verifier that cached the JWKS before it accepts the first token signed after it without refetching', async () => {
    await jwtVerify(await token(), verifierKeys);
    assert.equal(jwksFetches(), 1, 'the verifier fetched the JWKS once');
    const [next, active] = [await kidOf('next'), await kidOf('active')];

    const rotated = created(await t.admin('POST', '/keys/rotate?reason=yearly'));
    assert.equal(rotated.kid, next, 'the published next key signs');
    assert.equal(rotated.status, 'active');
    const after = await keys();
    assert.deepEqual(
      after.map((k) => k.status),
      ['next', 'active', 'retired'],
    );
    const newNext = after[0]!.kid;
    assert.ok(![next, active].includes(newNext), 'a new next key is published at once');
    assert.deepEqual(
      after.slice(1).map((k) => k.kid),
      [next, active],
    );

    const signed = await token();
    assert.equal(decodeJwt(signed).header.kid, next);
    const { payload } = await jwtVerify(signed, verifierKeys);
    assert.equal(payload.client_id, client.clientId);
    assert.equal(jwksFetches(), 1, 'no refetch: the cached JWKS held the key');

    const event = await lastRotation();
    assert.equal(event.target_id, next);
    assert.equal(event.reason, 'yearly');
    assert.deepEqual(event.details, { mode: 'routine', alg: 'RS256', next: newNext });
  });

  it('emergency rotation: a fresh key signs at once, the next key is replaced too, and the cached verifier must refetch', async () => {
    const before = await keys();
    const formerNext = before.find((k) => k.status === 'next')!.kid;
    const rotated = created(await t.admin('POST', '/keys/rotate?emergency=true&reason=leak'));
    assert.equal(rotated.status, 'active');
    assert.ok(!before.some((k) => k.kid === rotated.kid), 'a key no verifier has seen');
    const after = await keys();
    assert.deepEqual(
      after.map((k) => k.status),
      ['next', 'active', 'retired', 'retired'],
    );
    assert.equal(after[1]!.kid, rotated.kid);
    assert.ok(!after.some((k) => k.kid === formerNext), 'the former next key is gone');
    assert.ok(!before.some((k) => k.kid === after[0]!.kid), 'the new next key is fresh too');

    const signed = await token();
    assert.equal(decodeJwt(signed).header.kid, rotated.kid);
    const fetches = jwksFetches();
    const cached = verifierKeys.jwks();
    assert.ok(cached);
    await assert.rejects(jwtVerify(signed, createLocalJWKSet(cached)), { code: 'ERR_JWKS_NO_MATCHING_KEY' }, 'the cached JWKS does not hold the new key');
    await verifierKeys.reload();
    assert.equal(jwksFetches(), fetches + 1);
    await jwtVerify(signed, verifierKeys);
    assert.deepEqual((await lastRotation()).details, { mode: 'emergency', alg: 'RS256', next: after[0]!.kid });
  });

  it('withdrawing the next key publishes a fresh one: the tenant is never without a next key', async () => {
    const next = await kidOf('next');
    assert.equal((await t.admin('DELETE', `/keys/${next}?reason=leaked`)).status, 204);
    const after = await keys();
    assert.equal(after.filter((k) => k.status === 'next').length, 1);
    assert.notEqual(await kidOf('next'), next);
    const event = ok(await t.admin('GET', '/audit-events?action=key.withdraw')).items[0];
    assert.deepEqual(event.details, { status: 'next', next: await kidOf('next') });
  });

  it('a tenant kept from before next keys gets one at start; until then a routine rotation is refused with 409', async () => {
    // A store written by an earlier version: the tenant has an active key only.
    await signingKeysRepo.deleteNext(t.server.deps.store.db, 'acme');
    await t.server.deps.changes.publish({ kind: 'tenant', tenantId: 'acme' });
    assertProblem(await t.admin('POST', '/tenants/acme/keys/rotate'), {
      status: 409,
      detail: 'the tenant publishes no next key to promote; rotate with emergency=true',
      instance: '/tenants/acme/keys/rotate',
    });
    assert.deepEqual(await t.server.deps.keyRotation.publishMissingNextKeys(), ['acme']);
    assert.deepEqual(await statuses('/tenants/acme'), ['next', 'active']);
    assert.deepEqual(await t.server.deps.keyRotation.publishMissingNextKeys(), [], 'nothing left to do');
    created(await t.admin('POST', '/tenants/acme/keys/rotate'));
  });

  it('documents the emergency parameter in OpenAPI and refuses a value that is not a boolean', async () => {
    const doc = ok(await t.admin('GET', '/openapi.json', undefined, { token: null }));
    const emergency = doc.paths['/keys/rotate'].post.parameters.find((p: any) => p.name === 'emergency');
    assert.deepEqual(
      { in: emergency.in, required: emergency.required, schema: emergency.schema },
      { in: 'query', required: false, schema: { type: 'boolean', default: false } },
    );
    const res = await t.admin('POST', '/keys/rotate?emergency=maybe');
    assert.equal(res.status, 400, res.text);
    assert.equal(res.body.errors[0].pointer, '/emergency');
  });
});

describeEachDialect('key rotation: a store from before next keys', (dialect) => {
  it('gives every tenant without a next key one when the server starts', async () => {
    const first = await startTessera({ dialect, keepData: true });
    let second: TestTessera | undefined;
    let firstClosed = false;
    try {
      created(await first.admin('POST', '/tenants', { id: 'older' }));
      // What an earlier version left: active keys only.
      for (const tenantId of ['default', 'older']) await signingKeysRepo.deleteNext(first.server.deps.store.db, tenantId);
      await first.close();
      firstClosed = true;
      const env: Record<string, string> = { TESSERA_DATABASE_URL: first.config.databaseUrl, TESSERA_ADMIN_TOKEN: first.adminToken };
      if (first.config.secret) env.TESSERA_SECRET = first.config.secret;
      second = await startTessera({ dialect, dataDir: first.dataDir, env });
      for (const prefix of ['', '/tenants/older']) {
        const items = ok(await second.admin('GET', `${prefix}/keys`)).items as { status: string }[];
        assert.deepEqual(
          items.map((k) => k.status),
          ['next', 'active'],
        );
      }
      const events = ok(await second.admin('GET', '/tenants/older/audit-events?action=key.publish_next')).items;
      assert.deepEqual(
        events.map((e: any) => [e.actor, e.reason]),
        [['system', 'every tenant publishes a next key']],
      );
    } finally {
      await second?.close();
      if (!firstClosed) await first.close();
    }
  });
});
