import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { GUIDE_000_CREATE_CLIENT, GUIDE_000_TOKEN, GUIDE_000_BASIC } from '../fixtures/guides.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { eventually } from '../helpers/eventually.js';
import { adminCall, BUILT_CLI, spawnTessera, stopTessera, type TesseraProcess } from '../helpers/process.js';
import { parsePrometheus, valueOf } from '../helpers/prometheus.js';
import { sh } from '../helpers/shell.js';
import { clientAssertion, dpopProof, JWT_BEARER } from '../helpers/assertions.js';
import { startJwksServer } from '../helpers/jwks-server.js';
import { testKey } from '../helpers/keys.js';
import { systemClock } from '../../src/lib/clock.js';
import { basic, storeEnv } from '../helpers/tessera.js';
import { openStore } from '../../src/storage/database.js';
import { makeCa, makeClientCert, makeServerCert, writeCertificateFiles, type TestCertificate } from '../helpers/test-certificates.js';

const WORKERS = 2;

interface Answer {
  status: number;
  body: any;
  /** X-Request-Id: finds the answer's log line, and so the worker that wrote it. */
  requestId: string;
}

/**
 * POSTs a form on a connection of its own (`Connection: close`): node:cluster hands each new
 * connection to the next worker, so consecutive calls reach every worker in turn. With `tls`, over
 * HTTPS, presenting its client certificate when it has one.
 */
function postOnNewConnection(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
  tls?: { ca: string; cert?: string; key?: string },
): Promise<Answer> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : request)(
      url,
      { method: 'POST', agent: false, ...tls, headers: { connection: 'close', 'content-type': 'application/x-www-form-urlencoded', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined, requestId: String(res.headers['x-request-id']) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Process ids of the workers, from their log lines. */
function workerPids(proc: TesseraProcess): Set<number> {
  const pids = new Set<number>();
  for (const match of proc.output.join('').matchAll(/"worker":(\d+)/g)) pids.add(Number(match[1]));
  return pids;
}

/**
 * The workers that served `answers`, from their `request completed` log lines (each carries the
 * request's id and its worker's pid); waits for every line to be written.
 */
async function servedBy(proc: TesseraProcess, answers: readonly Answer[]): Promise<Set<number>> {
  const workerOf = (requestId: string): number | undefined => {
    for (const line of proc.output.join('').split('\n')) {
      if (!line.includes(`"reqId":"${requestId}"`) || !line.includes('"request completed"')) continue;
      return (JSON.parse(line) as { worker?: number }).worker;
    }
    return undefined;
  };
  await eventually('every answer is logged', async () => answers.every((a) => workerOf(a.requestId) !== undefined), { withinMs: 30_000 });
  return new Set(answers.map((a) => workerOf(a.requestId)!));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describeEachDialect('tessera serve --workers 2', (dialect) => {
  const adminToken = `cluster-${randomBytes(16).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
  let proc: TesseraProcess;
  let databaseUrl = '';
  const admin = (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => adminCall(proc, adminToken, method, path, body);
  /** One token request per worker and then some, each on a new connection. */
  const everyWorker = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    Promise.all(Array.from({ length: WORKERS * 2 }, () => postOnNewConnection(`${proc.publicUrl}/oauth2/token`, form, headers)));

  before(async () => {
    // The key server of the jwks_uri test listens on 127.0.0.1: outbound fetches may go there.
    const env = { ...(await storeEnv(dialect, dataDir)), TESSERA_ADMIN_TOKEN: adminToken, TESSERA_ADMIN_AUTH: 'loopback', TESSERA_OUTBOUND_ALLOW: '127.0.0.1' };
    databaseUrl = (env as Record<string, string>).TESSERA_DATABASE_URL!;
    // Trusting X-Forwarded-For lets the brute-force test fail from an address of its own.
    proc = await spawnTessera({ ...env, TESSERA_WORKERS: String(WORKERS), TESSERA_BRUTE_FORCE_MAX_FAILURES: '6', TESSERA_TRUST_PROXY: 'true' });
  });
  after(async () => {
    if (proc) await stopTessera(proc);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts a primary and two workers that share the public port', () => {
    assert.equal(workerPids(proc).size, WORKERS, proc.output.join(''));
    assert.match(proc.output.join(''), /"workers":2,"msg":"Tessera is ready"/);
  });

  it('runs guide 000 word for word: the client the primary created gets tokens from every worker at once', async () => {
    const clientId = Buffer.from(GUIDE_000_BASIC, 'base64').toString().split(':')[0]!;
    const host = (url: string) => url.replace(/^http:\/\//, '');
    const created = JSON.parse(await sh(GUIDE_000_CREATE_CLIENT.replace('<ADMIN_ENDPOINT>', host(proc.adminUrl)).replace('<YOUR_CLIENT_ID>', clientId)));
    const ownBasic = Buffer.from(`${clientId}:${created.client_secret}`).toString('base64');
    const answers = await Promise.all(
      Array.from({ length: WORKERS * 2 }, async () =>
        JSON.parse(await sh(GUIDE_000_TOKEN.replace('<PUBLIC_ENDPOINT>', host(proc.publicUrl)).replace(GUIDE_000_BASIC, ownBasic))),
      ),
    );
    for (const answer of answers) assert.equal(answer.token_type, 'Bearer', JSON.stringify(answer));
  });

  it('applies admin changes in every worker before answering the write', async () => {
    const created = await admin('POST', '/clients', { client_id: 'fleet', audience: ['https://fleet.api/'], scope: 'read' });
    assert.equal(created.status, 201);
    const secret = created.body.client_secret as string;
    for (const answer of await everyWorker({ grant_type: 'client_credentials' }, { authorization: basic('fleet', secret) })) assert.equal(answer.status, 200);

    assert.equal((await admin('PATCH', '/clients/fleet', { active: false })).status, 200);
    const refused = await everyWorker({ grant_type: 'client_credentials' }, { authorization: basic('fleet', secret) });
    for (const answer of refused) assert.equal(answer.status, 401, 'a disabled client is refused by every worker, with no delay');
    assert.deepEqual(await servedBy(proc, refused), workerPids(proc), 'each worker refused it');
    assert.equal((await admin('PATCH', '/clients/fleet', { active: true })).status, 200);
    const rotated = await admin('POST', '/clients/fleet/secrets', {});
    assert.equal(rotated.status, 201);
    for (const answer of await everyWorker({ grant_type: 'client_credentials' }, { authorization: basic('fleet', rotated.body.client_secret) })) {
      assert.equal(answer.status, 200);
    }
  });

  it('/metrics on the primary adds up what every worker counted', async () => {
    const created = await admin('POST', '/clients', { client_id: 'metered', audience: ['https://fleet.api/'], scope: 'read' });
    assert.equal(created.status, 201);
    const issued = await everyWorker({ grant_type: 'client_credentials' }, { authorization: basic('metered', created.body.client_secret) });
    for (const answer of issued) assert.equal(answer.status, 200);
    // From an address of its own, below the brute-force limit whatever the other tests did.
    const refused = await everyWorker({ grant_type: 'client_credentials' }, { authorization: basic('metered', 'wrong'), 'x-forwarded-for': '203.0.113.78' });
    for (const answer of refused) assert.equal(answer.status, 401);
    assert.equal((await servedBy(proc, [...issued, ...refused])).size, WORKERS, 'counted at both workers');
    const res = await fetch(`${proc.adminUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(res.status, 200);
    const page = parsePrometheus(await res.text());
    assert.equal(valueOf(page, 'tessera_tokens_issued_total', { tenant: 'default', client_id: 'metered', grant_type: 'client_credentials' }), WORKERS * 2);
    assert.equal(valueOf(page, 'tessera_token_requests_refused_total', { tenant: 'default', client_id: 'metered', error: 'invalid_client' }), WORKERS * 2);
    assert.equal(
      valueOf(page, 'tessera_http_request_duration_seconds_count', { listener: 'public', method: 'POST', route: '/oauth2/token', status_code: '200' }) !==
        undefined,
      true,
    );
  });

  it('a revocation made through one worker is seen by every other before it is answered', async () => {
    const created = await admin('POST', '/clients', { client_id: 'revoker', audience: ['https://fleet.api/'], scope: 'read' });
    const auth = { authorization: basic('revoker', created.body.client_secret) };
    const issued = await postOnNewConnection(`${proc.publicUrl}/oauth2/token`, { grant_type: 'client_credentials' }, auth);
    const accessToken = issued.body.access_token as string;
    const revoked = await postOnNewConnection(`${proc.publicUrl}/oauth2/revoke`, { token: accessToken }, auth);
    assert.equal(revoked.status, 200);
    const answers = await Promise.all(
      Array.from({ length: WORKERS * 2 }, () => postOnNewConnection(`${proc.publicUrl}/oauth2/introspect`, { token: accessToken }, auth)),
    );
    for (const answer of answers) assert.deepEqual(answer.body, { active: false });
  });

  it('a DPoP proof used at one worker is refused as a replay by every other', async () => {
    const created = await admin('POST', '/clients', { client_id: 'dpop-user', audience: ['https://fleet.api/'], scope: 'read' });
    const auth = { authorization: basic('dpop-user', created.body.client_secret) };
    const key = await testKey('ES256');
    // The issuer is TESSERA_PUBLIC_URL (not set here: its default), so the proof names that URL.
    const proof = await dpopProof(key, systemClock, { htu: 'http://localhost:4444/oauth2/token' });
    const first = await postOnNewConnection(`${proc.publicUrl}/oauth2/token`, { grant_type: 'client_credentials' }, { ...auth, dpop: proof });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.token_type, 'DPoP');
    // New connections go to the workers in turn: the replays reach every worker. Each refused proof
    // counts against its source address, so they come from an address of their own.
    const replays = await everyWorker({ grant_type: 'client_credentials' }, { ...auth, dpop: proof, 'x-forwarded-for': '203.0.113.20' });
    for (const replay of replays) assert.deepEqual([replay.status, replay.body.error], [400, 'invalid_dpop_proof']);
  });

  it('an enforced token quota caps a client across the workers: requests one at a time, at most one token over per other worker (docs/quotas.md)', async () => {
    const LIMIT = 6;
    const created = await admin('POST', '/clients', {
      client_id: 'noisy',
      audience: ['https://fleet.api/'],
      scope: 'read',
      token_quota: { per_hour: LIMIT, enforce: true },
    });
    assert.equal(created.status, 201);
    const auth = { authorization: basic('noisy', created.body.client_secret) };
    const answers: Answer[] = [];
    for (let i = 0; i < LIMIT * 2; i++) answers.push(await postOnNewConnection(`${proc.publicUrl}/oauth2/token`, { grant_type: 'client_credentials' }, auth));
    const issued = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(issued.length + refused.length, answers.length);
    assert.ok(issued.length >= LIMIT && issued.length <= LIMIT + WORKERS - 1, `${issued.length} tokens issued for a quota of ${LIMIT}`);
    assert.deepEqual(await servedBy(proc, issued), workerPids(proc), 'both workers issued tokens');
    assert.deepEqual(await servedBy(proc, refused), workerPids(proc), 'both workers refused');
    assert.deepEqual(refused[0]!.body, {
      error: 'temporarily_unavailable',
      error_description: 'The client has used up its token quota (per hour); retry after the window ends.',
    });
    // The primary hears every worker's tokens.
    await eventually('the primary counts every token', async () => (await admin('GET', '/clients/noisy/quota')).body.periods[0].used === issued.length, {
      withinMs: 10_000,
    });
  });

  it('a client assertion used at one worker is refused as a replay by every other; the primary records its jti once', async () => {
    const key = await testKey('ES256', 'once');
    const created = await admin('POST', '/clients', {
      client_id: 'once-signer',
      token_endpoint_auth_method: 'private_key_jwt',
      jwks: { keys: [key.publicJwk] },
      audience: ['https://fleet.api/'],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const assertion = await clientAssertion(key, systemClock, { clientId: 'once-signer', audience: 'http://localhost:4444' });
    const form = { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion };
    const first = await postOnNewConnection(`${proc.publicUrl}/oauth2/token`, form, { 'x-forwarded-for': '203.0.113.60' });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    // New connections go to the workers in turn: the replays reach every worker, all at once.
    const replays = await everyWorker(form, { 'x-forwarded-for': '203.0.113.61' });
    for (const replay of replays) assert.deepEqual([replay.status, replay.body.error], [401, 'invalid_client']);
    // And a burst of fresh assertions, each at a worker of its own: every one works once.
    const fresh = await Promise.all(
      Array.from({ length: WORKERS * 4 }, async () => {
        const one = await clientAssertion(key, systemClock, { clientId: 'once-signer', audience: 'http://localhost:4444' });
        return postOnNewConnection(`${proc.publicUrl}/oauth2/token`, { ...form, client_assertion: one }, { 'x-forwarded-for': '203.0.113.62' });
      }),
    );
    for (const answer of fresh) assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const store = openStore(databaseUrl);
    try {
      const rows = await store.db.selectFrom('client_assertion_jtis').select('jti').where('client_id', '=', 'once-signer').execute();
      assert.equal(rows.length, 1 + WORKERS * 4);
    } finally {
      await store.close();
    }
  });

  it("drops a client's fetched jwks_uri keys in every worker when the client changes", async () => {
    const keyServer = await startJwksServer();
    try {
      const [k1, k2] = [await testKey('ES256', 'fleet-1'), await testKey('ES256', 'fleet-2')];
      keyServer.route('/fleet-keys', { keys: [k1.publicJwk, k2.publicJwk] });
      const created = await admin('POST', '/clients', {
        client_id: 'fleet-signer',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: `${keyServer.base}/fleet-keys`,
        audience: ['https://fleet.api/'],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      /** One token request per worker and then some, each with an assertion of its own, from an address of its own (below the brute-force limit). */
      const signedByEveryWorker = async (key: typeof k1) => {
        const answers: Answer[] = [];
        for (let i = 0; i < WORKERS * 2; i++) {
          const assertion = await clientAssertion(key, systemClock, { clientId: 'fleet-signer', audience: 'http://localhost:4444' });
          const form = { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion };
          answers.push(await postOnNewConnection(`${proc.publicUrl}/oauth2/token`, form, { 'x-forwarded-for': '203.0.113.50' }));
        }
        return answers;
      };
      for (const answer of await signedByEveryWorker(k1)) assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(keyServer.hits.get('/fleet-keys'), WORKERS, 'each worker fetched the keys once');

      keyServer.route('/fleet-keys', { keys: [k2.publicJwk] });
      assert.equal((await admin('PATCH', '/clients/fleet-signer', { client_name: 'fleet-1 withdrawn' })).status, 200);
      for (const answer of await signedByEveryWorker(k1)) assert.equal(answer.status, 401, 'the withdrawn key is refused by every worker, with no delay');
      for (const answer of await signedByEveryWorker(k2)) assert.equal(answer.status, 200);
    } finally {
      await keyServer.close();
    }
  });

  it('counts failed authentications across workers: one limit for the whole cluster', async () => {
    const created = await admin('POST', '/clients', { client_id: 'guarded', audience: ['https://fleet.api/'], scope: 'read' });
    // Six failures spread over both workers lock the client id (TESSERA_BRUTE_FORCE_MAX_FAILURES=6),
    // where a count per worker would allow eleven.
    for (let i = 0; i < 6; i++) {
      const answer = await postOnNewConnection(
        `${proc.publicUrl}/oauth2/token`,
        { grant_type: 'client_credentials' },
        { authorization: basic('guarded', `wrong-${i}`), 'x-forwarded-for': '203.0.113.9' },
      );
      assert.equal(answer.status, 401);
    }
    await eventually(
      'every worker refuses the locked client, right secret or not, from any address',
      async () => {
        const answers = await everyWorker(
          { grant_type: 'client_credentials' },
          { authorization: basic('guarded', created.body.client_secret), 'x-forwarded-for': '203.0.113.10' },
        );
        return answers.every((a) => a.status === 429);
      },
      // The lockout travels to the other worker through the primary: a matter of milliseconds, waited for without a tight deadline.
      { withinMs: 30_000 },
    );
  });

  it('replaces a worker that dies, and keeps serving meanwhile', async () => {
    const before = workerPids(proc);
    const victim = [...before][0]!;
    process.kill(victim, 'SIGKILL');
    const created = await admin('POST', '/clients', { client_id: 'survivor', audience: ['https://fleet.api/'], scope: 'read' }).catch((err) => {
      throw new Error(
        proc.output
          .join('')
          .split('\n')
          .filter((l) => !l.includes('request'))
          .slice(-10)
          .join('\n'),
        { cause: err },
      );
    });
    assert.equal(created.status, 201, 'the admin listener keeps answering');
    await eventually('a new worker has started', async () => workerPids(proc).size === WORKERS + 1, { withinMs: 15_000 });
    const answers = await everyWorker({ grant_type: 'client_credentials' }, { authorization: basic('survivor', created.body.client_secret) });
    for (const answer of answers) assert.equal(answer.status, 200, 'the replacement loaded the clients created while it was away');
  });

  it('the workers hand what they counted to the primary, which writes it as they stop; every process stops on SIGTERM, exiting 0', async () => {
    const created = await admin('POST', '/clients', { client_id: 'counted', audience: ['https://fleet.api/'], scope: 'read' });
    assert.equal(created.status, 201);
    const issued = await everyWorker({ grant_type: 'client_credentials' }, { authorization: basic('counted', created.body.client_secret) });
    for (const answer of issued) assert.equal(answer.status, 200);
    // From an address of its own, below the brute-force limit whatever the other tests did.
    const failed = await everyWorker({ grant_type: 'client_credentials' }, { authorization: basic('counted', 'wrong'), 'x-forwarded-for': '203.0.113.77' });
    for (const answer of failed) assert.equal(answer.status, 401, JSON.stringify(answer));
    assert.equal((await servedBy(proc, [...issued, ...failed])).size, WORKERS, 'counted at both workers');

    const pids = [...workerPids(proc)];
    const code = await stopTessera(proc);
    assert.equal(
      code,
      0,
      proc.output
        .join('')
        .split('\n')
        .filter((l) => !l.includes('"request'))
        .slice(-6)
        .join('\n'),
    );
    await eventually('no worker is left', async () => pids.every((pid) => !alive(pid)), { withinMs: 5_000 });

    // The upkeep runs every 60 s (the default) and once at start, before any of these tokens: what is written was written at the stop.
    const store = openStore(databaseUrl);
    try {
      const activity = await store.db
        .selectFrom('token_activity')
        .select((eb) => [eb.fn.sum<number | string>('issued').as('issued'), eb.fn.sum<number | string>('auth_failures').as('failures')])
        .where('tenant_id', '=', 'default')
        .where('client_id', '=', 'counted')
        .executeTakeFirstOrThrow();
      assert.deepEqual({ issued: Number(activity.issued), failures: Number(activity.failures) }, { issued: WORKERS * 2, failures: WORKERS * 2 });
      const secrets = await store.db
        .selectFrom('client_secrets')
        .select('last_used_at')
        .where('tenant_id', '=', 'default')
        .where('client_id', '=', 'counted')
        .execute();
      assert.equal(secrets.length, 1);
      for (const s of secrets) assert.notEqual(s.last_used_at, null, 'a secret used at the workers has no last use');
    } finally {
      await store.close();
    }
  });
});

// Once is enough to show it (the collection does not depend on the store).
describeEachDialect('tessera serve --workers 2 --upkeep-interval 1', (dialect) => {
  const adminToken = `cluster-${randomBytes(16).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-cluster-upkeep-'));
  let proc: TesseraProcess;
  let databaseUrl = '';

  before(async () => {
    const env = { ...(await storeEnv(dialect, dataDir)), TESSERA_ADMIN_TOKEN: adminToken };
    databaseUrl = (env as Record<string, string>).TESSERA_DATABASE_URL!;
    proc = await spawnTessera({ ...env, TESSERA_WORKERS: String(WORKERS) }, [...BUILT_CLI, 'serve', '--upkeep-interval', '1']);
  });
  after(async () => {
    if (proc) await stopTessera(proc);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every upkeep interval the primary collects what the workers counted and writes it, while they serve', async () => {
    const created = await adminCall(proc, adminToken, 'POST', '/clients', { client_id: 'minute', audience: ['https://fleet.api/'], scope: 'read' });
    assert.equal(created.status, 201);
    const issued = await Promise.all(
      Array.from({ length: WORKERS * 2 }, () =>
        postOnNewConnection(
          `${proc.publicUrl}/oauth2/token`,
          { grant_type: 'client_credentials' },
          { authorization: basic('minute', created.body.client_secret) },
        ),
      ),
    );
    for (const answer of issued) assert.equal(answer.status, 200);
    assert.equal((await servedBy(proc, issued)).size, WORKERS, 'counted at both workers');
    const store = openStore(databaseUrl);
    try {
      const written = async () => {
        const activity = await store.db
          .selectFrom('token_activity')
          .select((eb) => eb.fn.sum<number | string>('issued').as('issued'))
          .where('tenant_id', '=', 'default')
          .where('client_id', '=', 'minute')
          .executeTakeFirst();
        const secret = await store.db
          .selectFrom('client_secrets')
          .select('last_used_at')
          .where('tenant_id', '=', 'default')
          .where('client_id', '=', 'minute')
          .executeTakeFirstOrThrow();
        return Number(activity?.issued ?? 0) === WORKERS * 2 && secret.last_used_at !== null;
      };
      // Written by the round that follows within a second, while the processes serve; a generous budget for a loaded machine.
      await eventually("the workers' counts in the database", written, { withinMs: 30_000, intervalMs: 100 });
      assert.equal(proc.child.exitCode, null, 'written while the processes still serve');
    } finally {
      await store.close();
    }
  });
});

describeEachDialect('tessera serve --workers 2 with mutual TLS (RFC 8705)', (dialect) => {
  const adminToken = `cluster-${randomBytes(16).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-cluster-'));
  let proc: TesseraProcess;
  let serverCa: TestCertificate;
  let clientCa: TestCertificate;

  before(async () => {
    serverCa = makeCa('Tessera Test Server CA');
    clientCa = makeCa('Tessera Test Client CA');
    const server = writeCertificateFiles(makeServerCert(serverCa, { ip: ['127.0.0.1'] }), dataDir, 'server');
    writeFileSync(join(dataDir, 'client-ca.crt'), clientCa.certPem);
    proc = await spawnTessera({
      ...(await storeEnv(dialect, dataDir)),
      TESSERA_ADMIN_TOKEN: adminToken,
      TESSERA_WORKERS: String(WORKERS),
      TESSERA_TLS_CERT: server.certPath,
      TESSERA_TLS_KEY: server.keyPath,
      TESSERA_TLS_CLIENT_CA: join(dataDir, 'client-ca.crt'),
    });
  });
  after(async () => {
    if (proc) await stopTessera(proc);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a tls_client_auth client gets certificate-bound tokens from every worker', async () => {
    const created = await adminCall(proc, adminToken, 'POST', '/clients', {
      client_id: 'device-1',
      audience: ['https://fleet.api/'],
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=device-1,O=Fleet',
      tls_client_certificate_bound_access_tokens: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const device = makeClientCert(clientCa, { subject: '/O=Fleet/CN=device-1' });
    const tls = { ca: serverCa.certPem, cert: device.certPem, key: device.keyPem };
    const url = `${proc.publicUrl.replace('http:', 'https:')}/oauth2/token`;
    const answers = await Promise.all(
      Array.from({ length: WORKERS * 2 }, () => postOnNewConnection(url, { grant_type: 'client_credentials', client_id: 'device-1' }, {}, tls)),
    );
    const thumbprint = createHash('sha256').update(device.der).digest('base64url');
    for (const answer of answers) {
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      const payload = JSON.parse(Buffer.from(String(answer.body.access_token).split('.')[1]!, 'base64url').toString()) as { cnf: unknown };
      assert.deepEqual(payload.cnf, { 'x5t#S256': thumbprint });
    }
    assert.deepEqual(await servedBy(proc, answers), workerPids(proc), 'every worker served the certificate client');
  });
});
