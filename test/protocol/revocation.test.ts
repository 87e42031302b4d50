import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertProblem, created, manualClock, ok, type ManualClock } from '../helpers/admin.js';
import { createClient, startWithTwinClients } from '../helpers/fixtures.js';
import { introspect, issueToken, revoke, type ClientCredentials } from '../helpers/tokens.js';
import { basic, decodeJwt, startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://orders.test/';
const START = '2030-01-01T00:00:00.000Z';
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };
const DAY_MS = 86_400_000;

/** RFC 7009 §2.2: 200, an empty body, not cacheable. */
function assertRevoked(res: HttpResult): void {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, '');
  assert.equal(res.headers.get('cache-control'), 'no-store');
}

/** The feed of an issuer: status, headers and body. */
async function feed(t: TestTessera, tenant?: string, ifNoneMatch?: string): Promise<HttpResult> {
  return t.publicFetch(`${tenant ? `/t/${tenant}` : ''}/oauth2/revoked`, ifNoneMatch === undefined ? {} : { headers: { 'if-none-match': ifNoneMatch } });
}

async function feedOk(t: TestTessera, tenant?: string): Promise<{ etag: string; body: any }> {
  const res = await feed(t, tenant);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('cache-control'), 'public, max-age=15');
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const etag = res.headers.get('etag') ?? '';
  assert.match(etag, /^"[A-Za-z0-9_-]{43}"$/, 'a strong ETag');
  return { etag, body: res.body };
}

async function auditOf(t: TestTessera, query: string, tenant?: string): Promise<any[]> {
  return ok(await t.admin('GET', `${tenant ? `/tenants/${tenant}` : ''}/audit-events?limit=200&${query}`)).items;
}

const isActive = async (t: TestTessera, caller: ClientCredentials, token: string, tenant?: string) => {
  const res = await introspect(t, caller, token, {}, tenant);
  assert.equal(res.status, 200, res.text);
  return res.body.active as boolean;
};

describe('revocation (RFC 7009) and the revocation feed', () => {
  let t: TestTessera;
  let clock: ManualClock;
  let job: ClientCredentials;
  let other: ClientCredentials;

  before(async () => {
    clock = manualClock(START);
    t = await startTessera({ clock });
    job = await createClient(t, { client_id: 'orders-job', audience: [AUD], scope: 'orders:read' });
    other = await createClient(t, { client_id: 'billing-job', audience: [AUD], scope: 'orders:read' });
  });
  after(() => t.close());

  it('publishes an empty feed with a strong ETag and answers 304 to If-None-Match', async () => {
    const { etag, body } = await feedOk(t);
    assert.deepEqual(body, { issuer: t.publicUrl, revoked: [], cutoffs: [] });
    for (const header of [etag, `W/${etag}`, `"something-else", ${etag}`, '*']) {
      const res = await feed(t, undefined, header);
      assert.equal(res.status, 304, header);
      assert.equal(res.text, '');
      assert.equal(res.headers.get('etag'), etag);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=15');
    }
    assert.equal((await feed(t, undefined, '"stale"')).status, 200);
  });

  it('revokes the caller’s own token: 200 with an empty body, inactive at once, listed in the feed under a new ETag', async () => {
    const before = await feedOk(t);
    const token = await issueToken(t, job);
    const { jti, exp } = decodeJwt(token).payload;
    assert.equal(await isActive(t, other, token), true);

    assertRevoked(await revoke(t, job, token));
    assert.equal(await isActive(t, other, token), false);

    const after = await feedOk(t);
    assert.notEqual(after.etag, before.etag);
    assert.deepEqual(after.body, { issuer: t.publicUrl, revoked: [{ jti, exp }], cutoffs: [] });
    assert.equal((await feed(t, undefined, before.etag)).status, 200, 'the old ETag no longer matches');
    assert.equal((await feed(t, undefined, after.etag)).status, 304);

    const events = await auditOf(t, `action=token.revoke&target_id=${jti}`);
    assert.equal(events.length, 1);
    assert.equal(events[0].actor, 'client:orders-job');
    assert.equal(events[0].target_type, 'access_token');
    assert.deepEqual(events[0].details, { client_id: 'orders-job', expires_at: new Date(exp * 1000).toISOString() });

    // Revoking it again changes nothing: same answer, no second record.
    assertRevoked(await revoke(t, job, token, { token_type_hint: 'access_token' }));
    assert.equal((await auditOf(t, `action=token.revoke&target_id=${jti}`)).length, 1);
    assert.equal((await feedOk(t)).etag, after.etag);
  });

  it('answers 200 and changes nothing for invalid, expired and unknown tokens', async () => {
    const expiring = await issueToken(t, job);
    clock.advance(3600 * 1000);
    const before = await feedOk(t);
    for (const token of ['garbage', 'a.b.c', expiring, `${expiring.slice(0, -4)}AAAA`]) {
      assertRevoked(await revoke(t, job, token, { token_type_hint: 'refresh_token' }));
    }
    assert.equal((await feedOk(t)).etag, before.etag);
  });

  it("refuses to revoke another client's active token with unauthorized_client and leaves it active", async () => {
    const token = await issueToken(t, job);
    const res = await revoke(t, other, token);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'unauthorized_client', error_description: 'The token was not issued to this client.' });
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(await isActive(t, other, token), true);
    assert.deepEqual(
      (await feedOk(t)).body.revoked.filter((r: any) => r.jti === decodeJwt(token).payload.jti),
      [],
    );
    // Once the token is expired it is no longer anyone's: 200, as for any invalid token.
    clock.advance(3600 * 1000);
    assertRevoked(await revoke(t, other, token));
  });

  it('drops a revocation from the feed when its token expires, and the purge deletes it', async () => {
    const empty = await feedOk(t);
    assert.deepEqual(empty.body.revoked, [], 'earlier revocations have expired with their tokens');
    const token = await issueToken(t, job);
    const { jti, exp } = decodeJwt(token).payload;
    assertRevoked(await revoke(t, job, token));
    assert.deepEqual((await feedOk(t)).body.revoked, [{ jti, exp }]);

    clock.advance(exp * 1000 - clock.now() - 1);
    assert.deepEqual((await feedOk(t)).body.revoked, [{ jti, exp }], 'still listed the millisecond before exp');
    clock.advance(1);
    const gone = await feedOk(t);
    assert.deepEqual(gone.body.revoked, []);
    assert.equal(gone.etag, empty.etag, 'the ETag follows the content alone');

    const db = t.server.deps.store.db;
    const rows = async () => (await db.selectFrom('revoked_tokens').select('jti').execute()).map((r) => r.jti);
    assert.ok((await rows()).includes(jti));
    assert.deepEqual(await t.server.deps.services.revocations.purgeExpired(), ['default']);
    assert.deepEqual(await rows(), []);
    assert.deepEqual(await t.server.deps.services.revocations.purgeExpired(), []);
    assert.equal((await feedOk(t)).etag, empty.etag);
  });

  it('refuses unauthenticated callers, a missing token, duplicates and query parameters like the token endpoint', async () => {
    const token = await issueToken(t, job);
    const wrong = await revoke(t, { clientId: 'orders-job', secret: 'wrong' }, token);
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, INVALID_CLIENT);
    assert.equal(wrong.headers.get('www-authenticate'), `Basic realm="${t.publicUrl}"`);
    const none = await t.form('/oauth2/revoke', { token });
    assert.equal(none.status, 401);
    assert.deepEqual(none.body, INVALID_CLIENT);
    assert.equal(none.headers.get('www-authenticate'), null);
    const post = await t.form('/oauth2/revoke', { token, client_id: 'orders-job', client_secret: 'wrong' });
    assert.equal(post.status, 401);
    assert.deepEqual(post.body, INVALID_CLIENT);
    assert.equal(post.headers.get('www-authenticate'), null);

    const auth = { authorization: basic(job.clientId, job.secret) };
    const missing = await t.form('/oauth2/revoke', {}, auth);
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body, { error: 'invalid_request', error_description: 'The token parameter is required.' });
    const twice = await t.form('/oauth2/revoke', { token: [token, token] }, auth);
    assert.deepEqual(twice.body, { error: 'invalid_request', error_description: 'The token parameter was given more than once.' });
    const query = await t.publicFetch(`/oauth2/revoke?token=${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth },
      body: `token=${token}`,
    });
    assert.deepEqual(query.body, { error: 'invalid_request', error_description: 'Send parameters in the request body, not in the query string.' });
    const get = await t.publicFetch('/oauth2/revoke');
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal(await isActive(t, other, token), true, 'nothing refused was revoked');
  });

  it('accepts client_secret_post and JSON bodies', async () => {
    const viaPost = await issueToken(t, job);
    assertRevoked(await t.form('/oauth2/revoke', { token: viaPost, client_id: job.clientId, client_secret: job.secret }));
    assert.equal(await isActive(t, other, viaPost), false);
    const viaJson = await issueToken(t, job);
    const res = await t.publicFetch('/oauth2/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basic(job.clientId, job.secret) },
      body: JSON.stringify({ token: viaJson }),
    });
    assertRevoked(res);
    assert.equal(await isActive(t, other, viaJson), false);
  });
});

describe('admin: POST /clients/{client_id}/revoke-tokens', () => {
  let t: TestTessera;
  let clock: ManualClock;
  let job: ClientCredentials;
  let otherJob: ClientCredentials;
  let rs: ClientCredentials;

  before(async () => {
    clock = manualClock(START);
    t = await startTessera({ clock });
    assert.equal((await t.admin('POST', '/tenants', { id: 'acme' })).status, 201);
    job = await createClient(t, { client_id: 'orders-job', audience: [AUD] });
    otherJob = await createClient(t, { client_id: 'other-job', audience: [AUD] });
    rs = await createClient(t, { client_id: 'orders-api', grant_types: [] });
  });
  after(() => t.close());

  it('makes every token the client holds inactive, audited with its reason, and publishes the cut-off', async () => {
    clock.advance(123);
    const held = [await issueToken(t, job), await issueToken(t, job)];
    const unrelated = await issueToken(t, otherJob);
    const before = await feedOk(t);
    clock.advance(1000);
    const cutoffAt = new Date(clock.now()).toISOString();
    const res = await t.admin('POST', '/clients/orders-job/revoke-tokens?reason=key%20leaked');
    const cutoff = Math.floor(clock.now() / 1000);
    assert.deepEqual(ok(res), { client_id: 'orders-job', cutoff_at: cutoffAt, cutoff });
    for (const token of held) assert.equal(await isActive(t, rs, token), false);
    assert.equal(await isActive(t, rs, unrelated), true);

    const after = await feedOk(t);
    assert.notEqual(after.etag, before.etag);
    assert.deepEqual(after.body, { issuer: t.publicUrl, revoked: [], cutoffs: [{ client_id: 'orders-job', cutoff, cutoff_at: cutoffAt }] });

    const events = await auditOf(t, 'action=client.tokens.revoke');
    assert.equal(events.length, 1);
    assert.equal(events[0].target_type, 'client');
    assert.equal(events[0].target_id, 'orders-job');
    assert.equal(events[0].reason, 'key leaked');
    assert.match(events[0].actor, /^admin-token:/);
    assert.deepEqual(events[0].details, { cutoff_at: cutoffAt, previous_cutoff_at: null });

    clock.advance(1000);
    const fresh = await issueToken(t, job);
    assert.equal(await isActive(t, rs, fresh), true, 'tokens issued after the cut-off second are active');
  });

  it('moves the cut-off forward when called again, and drops it from the feed once no token it catches can be unexpired', async () => {
    clock.advance(5000);
    const token = await issueToken(t, job);
    const first = ok(await t.admin('POST', '/clients/orders-job/revoke-tokens'));
    assert.equal(await isActive(t, rs, token), false);
    assert.deepEqual((await feedOk(t)).body.cutoffs, [{ client_id: 'orders-job', cutoff: first.cutoff, cutoff_at: first.cutoff_at }]);
    const events = await auditOf(t, 'action=client.tokens.revoke');
    assert.equal(events[0].details.previous_cutoff_at, events[1].details.cutoff_at);

    // A token with iat <= cutoff expires at most 86400 s (the longest lifetime) after it.
    clock.advance(first.cutoff * 1000 + DAY_MS - clock.now() - 1);
    assert.equal((await feedOk(t)).body.cutoffs.length, 1);
    clock.advance(1);
    assert.deepEqual((await feedOk(t)).body, { issuer: t.publicUrl, revoked: [], cutoffs: [] });
    assert.deepEqual(await t.server.deps.services.revocations.purgeExpired(), ['default']);
    assert.deepEqual(await t.server.deps.store.db.selectFrom('token_cutoffs').selectAll().execute(), []);
  });

  it('works under /tenants/{tenant}, keeps each tenant’s feed its own, and is 404 for an unknown client', async () => {
    const acmeJob = await createClient(t, { client_id: 'orders-job', audience: [AUD] }, 'acme');
    const acmeRs = await createClient(t, { client_id: 'orders-api', grant_types: [] }, 'acme');
    const acmeToken = await issueToken(t, acmeJob, {}, 'acme');
    const dfltToken = await issueToken(t, job);
    const dfltFeed = await feedOk(t);
    clock.advance(10);
    const res = ok(await t.admin('POST', '/tenants/acme/clients/orders-job/revoke-tokens?reason=acme'));
    assert.equal(res.client_id, 'orders-job');
    assert.equal(await isActive(t, acmeRs, acmeToken, 'acme'), false);
    assert.equal(await isActive(t, rs, dfltToken), true, 'the same client id in default is untouched');
    assert.equal((await feedOk(t)).etag, dfltFeed.etag);
    const acmeFeed = await feedOk(t, 'acme');
    assert.deepEqual(acmeFeed.body, {
      issuer: `${t.publicUrl}/t/acme`,
      revoked: [],
      cutoffs: [{ client_id: 'orders-job', cutoff: res.cutoff, cutoff_at: res.cutoff_at }],
    });
    assert.equal((await auditOf(t, 'action=client.tokens.revoke', 'acme')).length, 1);

    assertProblem(await t.admin('POST', '/clients/no-such-client/revoke-tokens'), {
      status: 404,
      detail: 'client "no-such-client" does not exist',
      instance: '/clients/no-such-client/revoke-tokens',
    });
    const limited = created(await t.admin('POST', '/admin-tokens', { name: 'acme-only', tenant: 'acme' }));
    assertProblem(await t.admin('POST', '/clients/orders-job/revoke-tokens', undefined, { token: limited.token }), {
      status: 403,
      detail: 'this admin token is limited to tenant acme',
      instance: '/clients/orders-job/revoke-tokens',
    });
    assert.equal(await isActive(t, rs, dfltToken), true);
  });
});

describe('revocation: tenant isolation', () => {
  let t: TestTessera;
  let dflt: ClientCredentials;
  let acme: ClientCredentials;

  before(async () => {
    ({ t, dflt, acme } = await startWithTwinClients(START, AUD));
  });
  after(() => t.close());

  it("a client of acme cannot revoke default's tokens: 200 at acme with no effect, 401 at default", async () => {
    const token = await issueToken(t, dflt);
    const feeds = [await feedOk(t), await feedOk(t, 'acme')];
    assertRevoked(await revoke(t, acme, token, {}, 'acme'));
    const atDefault = await revoke(t, acme, token);
    assert.equal(atDefault.status, 401);
    assert.deepEqual(atDefault.body, INVALID_CLIENT);
    assert.equal(await isActive(t, dflt, token), true);
    assert.equal((await feedOk(t)).etag, feeds[0]!.etag);
    assert.equal((await feedOk(t, 'acme')).etag, feeds[1]!.etag);
    assert.deepEqual(await t.server.deps.store.db.selectFrom('revoked_tokens').selectAll().execute(), []);

    assertRevoked(await revoke(t, dflt, token));
    assert.equal(await isActive(t, dflt, token), false);
    assert.equal((await feedOk(t)).body.revoked.length, 1);
    assert.deepEqual((await feedOk(t, 'acme')).body.revoked, [], "acme's feed does not list default's revocation");
  });

  it('answers 404 for the feed of a tenant that does not exist', async () => {
    assert.equal((await feed(t, 'nope')).status, 404);
  });
});

describe('revocations survive a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-revocation-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps revoked jtis and cut-offs after the process restarts', async () => {
    // A fixed public URL: the issuer, hence the tokens, outlive the listener's port.
    const env = { TESSERA_PUBLIC_URL: 'https://auth.revocation.test', TESSERA_ADMIN_TOKEN: `revocation-${randomBytes(16).toString('hex')}` };
    const first = await startTessera({ dataDir, env, clock: manualClock(START) });
    const job = await createClient(first, { client_id: 'orders-job', audience: [AUD] });
    const cut = await createClient(first, { client_id: 'cut-job', audience: [AUD] });
    const revoked = await issueToken(first, job);
    const kept = await issueToken(first, job);
    const cutToken = await issueToken(first, cut);
    assertRevoked(await revoke(first, job, revoked));
    ok(await first.admin('POST', '/clients/cut-job/revoke-tokens'));
    const feedBefore = await feedOk(first);
    await first.close();

    const second = await startTessera({ dataDir, env, clock: manualClock(START) });
    try {
      assert.deepEqual(await feedOk(second), feedBefore);
      assert.equal(feedBefore.body.revoked.length, 1);
      assert.equal(feedBefore.body.cutoffs.length, 1);
      assert.equal(await isActive(second, job, revoked), false);
      assert.equal(await isActive(second, job, cutToken), false);
      assert.equal(await isActive(second, job, kept), true);
    } finally {
      await second.close();
    }
  });
});
