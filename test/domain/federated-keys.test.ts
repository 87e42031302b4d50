import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { after, afterEach, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/app/config.js';
import { createDocumentFetcher } from '../../src/app/outbound.js';
import { readTokenFile } from '../../src/app/token-file.js';
import type { DocumentFetcher } from '../../src/domain/document-fetcher.js';
import { FederatedKeys, type KeysRequest } from '../../src/domain/federation/issuer-keys.js';
import { manualClock, type ManualClock } from '../helpers/admin.js';
import { federatedIssuerRecord as registered, startKubernetesIssuer, startOidcIssuer, startSpiffeBundle } from '../helpers/federated-issuers.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Setup {
  readonly clock: ManualClock;
  readonly keys: FederatedKeys;
  /** Every line the outbound module logged. */
  readonly log: string[];
}

/** FederatedKeys over the real outbound module, allowed to reach 127.0.0.1 (or not), logging into `log`. */
function setup(allow = '127.0.0.1'): Setup {
  const clock = manualClock();
  const log: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log.push(chunk.toString('utf8'));
      done();
    },
  });
  const documents: DocumentFetcher = createDocumentFetcher(loadConfig({ TESSERA_OUTBOUND_ALLOW: allow }), { port: 1 }, pino(stream));
  return { clock, keys: new FederatedKeys({ clock, documents, readFile: readTokenFile }), log };
}

const kids = (keys: readonly { kid?: string }[]) => keys.map((k) => k.kid);
const ANY: KeysRequest = { kid: undefined };

describe('federated keys: fetching and caching an issuer’s keys', () => {
  const servers: { close(): Promise<void> }[] = [];
  const started = <T extends { close(): Promise<void> }>(server: T): T => (servers.push(server), server);
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('inline jwks are answered at once and nothing is fetched', async () => {
    const { keys } = setup();
    const issuer = started(await startOidcIssuer());
    const fi = registered(issuer, { jwks: issuer.jwks() });
    assert.deepEqual(kids(await keys.keysFor(fi, { kid: 'unknown' })), ['key-1']);
    assert.equal(issuer.requests.length, 0);
  });

  it('fetches through discovery on first use, once for concurrent callers, then answers from the cache', async () => {
    const { keys, clock } = setup();
    const issuer = started(await startOidcIssuer({ alg: 'RS256', path: '/tenant-a' }));
    const fi = registered(issuer);
    const answers = await Promise.all([keys.keysFor(fi, ANY), keys.keysFor(fi, { kid: 'key-1' }), keys.keysFor(fi, ANY)]);
    for (const answer of answers) assert.deepEqual(kids(answer), ['key-1']);
    assert.deepEqual(
      issuer.requests.map((r) => r.path),
      ['/tenant-a/.well-known/openid-configuration', '/tenant-a/jwks'],
    );
    clock.advance(40 * MINUTE);
    assert.deepEqual(kids(await keys.keysFor(fi, { kid: 'key-1' })), ['key-1']);
    await keys.settled();
    assert.equal(issuer.requests.length, 2, 'a cache hit asks nothing');
  });

  it('uses a registered jwks_uri without discovery', async () => {
    const { keys } = setup();
    const issuer = started(await startOidcIssuer({ discovery: false }));
    assert.deepEqual(kids(await keys.keysFor(registered(issuer, { jwksUri: issuer.jwksUri }), ANY)), ['key-1']);
    assert.deepEqual(
      issuer.requests.map((r) => r.path),
      ['/jwks'],
    );
  });

  it('refreshes in the background past 80% of the lifetime, answering from the cache meanwhile', async () => {
    const { keys, clock } = setup();
    const issuer = started(await startOidcIssuer({ discovery: false }));
    const fi = registered(issuer, { jwksUri: issuer.jwksUri });
    await keys.keysFor(fi, ANY);
    await issuer.rotate();
    clock.advance(47 * MINUTE);
    assert.deepEqual(kids(await keys.keysFor(fi, ANY)), ['key-1'], 'before 80% of the default hour');
    await keys.settled();
    assert.equal(issuer.keyFetches(), 1);
    clock.advance(1 * MINUTE);
    assert.deepEqual(kids(await keys.keysFor(fi, ANY)), ['key-1'], 'answered from the cache while the refresh runs');
    await keys.settled();
    assert.equal(issuer.keyFetches(), 2);
    assert.deepEqual(kids(await keys.keysFor(fi, ANY)), ['key-2'], 'the refreshed keys');
  });

  it('keeps keys for the Cache-Control max-age, clamped to 5 min–24 h', async () => {
    const cases: [cacheControl: string, refreshAtMs: number][] = [
      ['public, max-age=1800', 0.8 * 30 * MINUTE],
      ['max-age=10', 0.8 * 5 * MINUTE],
      ['max-age=604800', 0.8 * 24 * HOUR],
      ['no-store', 0.8 * HOUR],
    ];
    for (const [cacheControl, refreshAtMs] of cases) {
      const { keys, clock } = setup();
      const issuer = started(await startOidcIssuer({ discovery: false, cacheControl }));
      const fi = registered(issuer, { jwksUri: issuer.jwksUri });
      await keys.keysFor(fi, ANY);
      clock.advance(refreshAtMs - 1000);
      await keys.keysFor(fi, ANY);
      await keys.settled();
      assert.equal(issuer.keyFetches(), 1, `${cacheControl}: not refreshed a second early`);
      clock.advance(1000);
      await keys.keysFor(fi, ANY);
      await keys.settled();
      assert.equal(issuer.keyFetches(), 2, `${cacheControl}: refreshed at 80% of its lifetime`);
    }
  });

  it('refetches for an unknown kid at most once per issuer per 30 s, the caller waiting for it', async () => {
    const { keys, clock } = setup();
    const issuer = started(await startOidcIssuer());
    const fi = registered(issuer);
    await keys.keysFor(fi, { kid: 'key-1' });
    assert.equal(issuer.keyFetches(), 1);
    await issuer.rotate({ keep: true });
    assert.deepEqual(kids(await keys.keysFor(fi, { kid: 'key-2' })), ['key-2', 'key-1'], 'the first fetch does not count against the limit');
    assert.equal(issuer.keyFetches(), 2);
    await issuer.rotate({ keep: true });
    clock.advance(29_999);
    const [a, b] = await Promise.all([keys.keysFor(fi, { kid: 'key-3' }), keys.keysFor(fi, { kid: 'nope' })]);
    assert.deepEqual(kids(a), ['key-2', 'key-1'], 'within 30 s: the cache');
    assert.deepEqual(kids(b), ['key-2', 'key-1']);
    assert.deepEqual(kids(await keys.keysFor(fi, { kid: 'key-1', refresh: true })), ['key-2', 'key-1'], 'a refresh counts against the same limit');
    assert.equal(issuer.keyFetches(), 2);
    clock.advance(1);
    const [c, d] = await Promise.all([keys.keysFor(fi, { kid: 'key-3' }), keys.keysFor(fi, { kid: 'nope' })]);
    assert.deepEqual(kids(c), ['key-3', 'key-2', 'key-1']);
    assert.deepEqual(kids(d), ['key-3', 'key-2', 'key-1'], 'a concurrent caller shares the refetch');
    assert.equal(issuer.keyFetches(), 3, 'one refetch, counted at the server');
  });

  it('keeps the last keys while the issuer is down, until 24 h after the fetch that found them', async () => {
    const { keys, clock, log } = setup();
    const issuer = started(await startOidcIssuer({ discovery: false }));
    const fi = registered(issuer, { jwksUri: issuer.jwksUri });
    await keys.keysFor(fi, ANY);
    issuer.setDown(true);
    clock.advance(2 * HOUR);
    assert.deepEqual(kids(await keys.keysFor(fi, ANY)), ['key-1'], 'past their lifetime, the issuer down');
    await keys.settled();
    assert.equal(issuer.keyFetches(), 2, 'the background refresh was tried');
    clock.advance(22 * HOUR - 1);
    assert.deepEqual(kids(await keys.keysFor(fi, { kid: 'key-1' })), ['key-1'], 'a millisecond before 24 h');
    await keys.settled();
    clock.advance(1);
    await assert.rejects(keys.keysFor(fi, { kid: 'key-1' }), {
      message: `keys fetched more than 24 h ago; jwks_uri ${issuer.jwksUri}: answered HTTP 503`,
    });
    assert.ok(log.some((line) => line.includes('"reason":"answered HTTP 503"')));
    issuer.setDown(false);
    clock.advance(30_000);
    assert.deepEqual(kids(await keys.keysFor(fi, ANY)), ['key-1'], 'back once the issuer answers again');
  });

  it('remembers a failed first fetch for 30 s, so a broken issuer is not asked by every request', async () => {
    const { keys, clock } = setup();
    const issuer = started(await startOidcIssuer({ discovery: false }));
    const fi = registered(issuer, { jwksUri: issuer.jwksUri });
    issuer.setDown(true);
    const reason = { message: `jwks_uri ${issuer.jwksUri}: answered HTTP 503` };
    await assert.rejects(keys.keysFor(fi, ANY), reason);
    clock.advance(29_999);
    await assert.rejects(keys.keysFor(fi, { kid: 'key-1', refresh: true }), reason);
    assert.equal(issuer.keyFetches(), 1);
    issuer.setDown(false);
    clock.advance(1);
    assert.deepEqual(kids(await keys.keysFor(fi, ANY)), ['key-1']);
    assert.equal(issuer.keyFetches(), 2);
  });

  it('drops an issuer’s keys on its change, when its key settings differ, and on forgetAll', async () => {
    const { keys } = setup();
    const issuer = started(await startOidcIssuer());
    const fi = registered(issuer);
    await keys.keysFor(fi, ANY);
    await keys.keysFor({ ...fi, name: 'renamed', maxTokenAge: 60 }, ANY);
    assert.equal(issuer.keyFetches(), 1, 'settings that do not concern keys keep them');
    keys.forget({ kind: 'federated-issuer', tenantId: 'tenant', issuerId: 'fi_other' });
    keys.forget({ kind: 'client', tenantId: 'tenant', clientId: 'c' });
    await keys.keysFor(fi, ANY);
    assert.equal(issuer.keyFetches(), 1);
    keys.forget({ kind: 'federated-issuer', tenantId: 'tenant', issuerId: fi.id });
    await keys.keysFor(fi, ANY);
    assert.equal(issuer.keyFetches(), 2);
    await keys.keysFor({ ...fi, jwksUri: issuer.jwksUri }, ANY);
    assert.equal(issuer.keyFetches(), 3, 'a new jwks_uri');
    keys.forgetAll();
    await keys.keysFor({ ...fi, jwksUri: issuer.jwksUri }, ANY);
    assert.equal(issuer.keyFetches(), 4);
  });

  it('refuses a discovery document naming another issuer', async () => {
    const { keys } = setup();
    const issuer = started(await startOidcIssuer({ issuer: 'https://token.actions.githubusercontent.com' }));
    const fi = registered(issuer, { issuer: issuer.base });
    await assert.rejects(keys.keysFor(fi, ANY), {
      message: `discovery ${issuer.discoveryUrl}: the document's issuer "https://token.actions.githubusercontent.com" is not the registered "${issuer.base}"`,
    });
    assert.equal(issuer.keyFetches(), 0, 'its jwks_uri is never asked');
  });

  it('does not follow a redirect', async () => {
    const { keys } = setup();
    const issuer = started(await startOidcIssuer({ discovery: false }));
    const target = started(await startJwksServer());
    target.route('/jwks', issuer.jwks() as unknown as Record<string, unknown>);
    issuer.server.route('/moved', (_req, res) => void res.writeHead(302, { location: `${target.base}/jwks` }).end());
    const movedUri = `${issuer.server.base}/moved`;
    await assert.rejects(keys.keysFor(registered(issuer, { jwksUri: `${movedUri}?token=secret` }), ANY), {
      message: `jwks_uri ${movedUri}: redirect not followed (HTTP 302)`,
    });
    assert.equal(target.requests.length, 0);
  });

  it('refuses loopback, private and link-local addresses unless the allow list names them', async () => {
    const { keys, log } = setup('');
    const issuer = started(await startOidcIssuer());
    await assert.rejects(keys.keysFor(registered(issuer), ANY), {
      message: `discovery ${issuer.discoveryUrl}: address 127.0.0.1 is loopback (127.0.0.0/8) and not in TESSERA_OUTBOUND_ALLOW`,
    });
    await assert.rejects(keys.keysFor(registered({ issuer: 'https://169.254.169.254' }, { id: 'fi_metadata' }), ANY), {
      message:
        'discovery https://169.254.169.254/.well-known/openid-configuration: address 169.254.169.254 is link-local (169.254.0.0/16) and not in TESSERA_OUTBOUND_ALLOW',
    });
    await assert.rejects(
      keys.keysFor(registered({ issuer: 'https://10.0.0.8/' }, { id: 'fi_private', kind: 'spiffe', jwksUri: 'https://10.0.0.8/bundle' }), ANY),
      {
        message: 'jwks_uri https://10.0.0.8/bundle: address 10.0.0.8 is private (10.0.0.0/8) and not in TESSERA_OUTBOUND_ALLOW',
      },
    );
    assert.equal(issuer.requests.length, 0);
    assert.equal(log.length, 3, 'each refusal logged once');
  });

  it('uses a SPIFFE bundle’s keys without alg, for the bundle’s refresh hint', async () => {
    const { keys, clock } = setup();
    const bundle = started(await startSpiffeBundle({ refreshHint: 600 }));
    const fi = registered(bundle, { kind: 'spiffe', jwksUri: bundle.jwksUri });
    const [key] = await keys.keysFor(fi, ANY);
    assert.equal(key?.use, 'jwt-svid');
    assert.equal(key?.alg, undefined);
    clock.advance(0.8 * 600_000);
    await keys.keysFor(fi, ANY);
    await keys.settled();
    assert.equal(bundle.keyFetches(), 2, 'refreshed at 80% of the hint');
    await assert.rejects(keys.keysFor({ ...fi, id: 'fi_no_bundle', jwksUri: null }, ANY), {
      message: 'a spiffe issuer takes jwks or a bundle endpoint as jwks_uri',
    });
  });
});

describe('federated keys: a kubernetes issuer’s bearer token', () => {
  const servers: { close(): Promise<void> }[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('goes to the issuer’s origin, read from the file at each fetch, and never to another origin or into the log', async () => {
    const { keys, clock, log } = setup();
    const elsewhere: JwksServer = await startJwksServer();
    const cluster = await startKubernetesIssuer({ discoveryJwksUri: `${elsewhere.base}/openid/v1/jwks` });
    servers.push(elsewhere, cluster);
    elsewhere.route('/openid/v1/jwks', cluster.jwks() as unknown as Record<string, unknown>);
    const fi = registered(cluster, { kind: 'kubernetes', bearerTokenFile: cluster.bearerTokenFile });
    assert.deepEqual(kids(await keys.keysFor(fi, ANY)), ['key-1']);
    assert.deepEqual(cluster.requests, [{ path: '/.well-known/openid-configuration', authorization: `Bearer ${cluster.bearerToken}` }]);
    assert.deepEqual(elsewhere.requests, [{ path: '/openid/v1/jwks', authorization: undefined }], 'another origin: without the token');
    assert.equal(cluster.bearerToken, (await readFile(cluster.bearerTokenFile, 'utf8')).trim());

    // Read again at each fetch: a wrong token in the file is what the next fetch sends.
    writeFileSync(cluster.bearerTokenFile, 'aaaa.bbbb.cccc');
    clock.advance(HOUR);
    assert.deepEqual(kids(await keys.keysFor(fi, { kid: 'key-1' })), ['key-1'], 'the cached keys, while the refresh fails');
    await keys.settled();
    assert.deepEqual(cluster.requests.at(-1), { path: '/.well-known/openid-configuration', authorization: 'Bearer aaaa.bbbb.cccc' });
    assert.ok(log.length > 0);
    for (const line of log) {
      assert.ok(!line.includes(cluster.bearerToken) && !line.includes('aaaa.bbbb.cccc'), line);
    }
  });

  it('goes to a managed cluster’s discovery_url and its key set on that origin, the document naming the tokens’ iss', async () => {
    const { keys } = setup();
    const cluster = await startKubernetesIssuer({ issuer: 'https://kubernetes.default.svc' });
    servers.push(cluster);
    assert.equal(cluster.issuer, 'https://kubernetes.default.svc');
    const fi = registered(cluster, { kind: 'kubernetes', discoveryUrl: cluster.discoveryUrl, bearerTokenFile: cluster.bearerTokenFile });
    assert.deepEqual(kids(await keys.keysFor(fi, ANY)), ['key-1']);
    assert.deepEqual(cluster.requests, [
      { path: '/.well-known/openid-configuration', authorization: `Bearer ${cluster.bearerToken}` },
      { path: '/openid/v1/jwks', authorization: `Bearer ${cluster.bearerToken}` },
    ]);
    await assert.rejects(keys.keysFor({ ...fi, id: 'fi_no_token', bearerTokenFile: null }, ANY), {
      message: `discovery ${cluster.discoveryUrl}: answered HTTP 401`,
    });
  });

  it('goes to a registered jwks_uri on another origin than the issuer, and not to its discovery', async () => {
    const { keys } = setup();
    const keyHost = await startKubernetesIssuer({ discovery: false });
    servers.push(keyHost);
    const fi = registered(
      { issuer: 'https://kubernetes.default.svc' },
      { kind: 'kubernetes', jwksUri: keyHost.jwksUri, bearerTokenFile: keyHost.bearerTokenFile },
    );
    assert.deepEqual(kids(await keys.keysFor(fi, ANY)), ['key-1']);
    assert.deepEqual(keyHost.requests, [{ path: '/openid/v1/jwks', authorization: `Bearer ${keyHost.bearerToken}` }]);
  });

  it('is a fetch failure with a clear reason when the file is missing, empty or holds no JWT', async () => {
    const { keys } = setup();
    const cluster = await startKubernetesIssuer();
    servers.push(cluster);
    const fi = (id: string, bearerTokenFile: string) => registered(cluster, { id, kind: 'kubernetes', bearerTokenFile });
    await assert.rejects(keys.keysFor(fi('fi_missing', '/nonexistent/token'), ANY), {
      message: 'bearer_token_file /nonexistent/token cannot be read (ENOENT)',
    });
    const empty = `${cluster.bearerTokenFile}.empty`;
    writeFileSync(empty, ' \n');
    await assert.rejects(keys.keysFor(fi('fi_empty', empty), ANY), { message: `bearer_token_file ${empty} is empty` });
    const notJwt = `${cluster.bearerTokenFile}.secret`;
    writeFileSync(notJwt, 'TESSERA_SECRET=abc');
    await assert.rejects(keys.keysFor(fi('fi_not_jwt', notJwt), ANY), { message: `bearer_token_file ${notJwt} does not hold a JWT` });
    assert.equal(cluster.requests.length, 0);
  });
});
