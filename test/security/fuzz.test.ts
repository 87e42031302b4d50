import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { manualClock, type ManualClock } from '../helpers/admin.js';
import { createClient } from '../helpers/fixtures.js';
import { rawRequest } from '../helpers/raw-http.js';
import { basic, startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';

/**
 * Property-based fuzzing of both listeners with malformed requests: no 5xx,
 * every error in the listener's dialect, no secret or key material in any answer, and the
 * process still issues valid tokens afterwards. Runs a real server over real HTTP.
 *
 * Runs the same fixed seeds every time (CI included), so that a run that passed passes again.
 * FUZZ_RANDOM=1 adds a random seed, FUZZ_SEED=random runs a random one alone, and either prints
 * it; FUZZ_SEED=<seed> replays one seed alone (and FUZZ_RUNS=<n> runs more requests per seed).
 */
const FIXED_SEEDS = [20_261_207, -1_553_981_742, 7];
const randomSeed = () => randomBytes(4).readInt32LE();
const SEEDS = fuzzSeeds(process.env.FUZZ_SEED, process.env.FUZZ_RANDOM === '1');
const RUNS = Number(process.env.FUZZ_RUNS ?? 800);

/** The seeds to run: the fixed ones, one given, or a random one (alone, or after the fixed ones). */
function fuzzSeeds(given: string | undefined, addRandom: boolean): number[] {
  if (given === undefined || given === '') return addRandom ? [...FIXED_SEEDS, randomSeed()] : FIXED_SEEDS;
  if (given === 'random') return [randomSeed()];
  if (!/^-?\d+$/.test(given)) throw new Error(`FUZZ_SEED must be a whole number or random, got ${JSON.stringify(given)}`);
  return [Number(given)];
}

const AUD = 'https://fuzz.test/';
const KEEPER = 'fuzz-keeper';

// ---------------------------------------------------------------- arbitraries

/** encodeURIComponent, except that a lone surrogate becomes the invalid UTF-8 `%ED%A0%80` instead of throwing. */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return Array.from(text, (ch) => {
      try {
        return encodeURIComponent(ch);
      } catch {
        return '%ED%A0%80';
      }
    }).join('');
  }
}

const controlChar = fc.constantFrom('\u0000', '\u0001', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u2028', '\ufeff', '\ud800');
/** Strings that go wrong: unicode, control characters, long, empty, bracket soup. */
const nastyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 3, arbitrary: fc.tuple(fc.string({ maxLength: 10 }), controlChar, fc.string({ maxLength: 10 })).map(([a, c, b]) => `${a}${c}${b}`) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'client_credentials',
      'password',
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
      'read write',
      'https://fuzz.test/',
      '%00',
      '"',
      '\\',
      '{}',
      '[]',
      'null',
    ),
  },
  fc.integer({ min: 1, max: 20_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1, max: 200 }).map((n) => '[{'.repeat(n)),
);

const paramName = fc.oneof(
  fc.constantFrom(
    'grant_type',
    'client_id',
    'client_secret',
    'scope',
    'audience',
    'resource',
    'client_assertion',
    'client_assertion_type',
    'token',
    'token_type_hint',
    'user_name',
    'client_name',
    'identifier',
    'scopes',
    'expires_in',
    '__proto__',
    'constructor',
  ),
  nastyString,
);
const params = fc.array(fc.tuple(paramName, nastyString), { maxLength: 12 });

/** JSON nested `depth` levels, objects or arrays. */
const deepJson = fc
  .tuple(fc.integer({ min: 1, max: 40_000 }), fc.boolean())
  .map(([depth, objects]) => (objects ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`));

const multipartGarbage = fc.tuple(params, fc.boolean(), fc.string({ maxLength: 30 })).map(([entries, withFile, junk]) => {
  const parts = entries.map(([n, v]) => `--XyZ\r\nContent-Disposition: form-data; name="${n}"${withFile ? '; filename="f.txt"' : ''}\r\n\r\n${v}\r\n`);
  return `${parts.join('')}${junk}--XyZ${junk ? '' : '--'}\r\n`;
});

/** A token request that parses: grant_type=client_credentials and a few more parameters, some nasty. */
const plausibleToken = fc
  .array(
    fc.tuple(
      fc.constantFrom('scope', 'audience', 'resource', 'client_id', 'client_secret', 'extra'),
      fc.oneof(fc.constantFrom('read', 'https://fuzz.test/', 'fuzz-keeper'), nastyString),
    ),
    { maxLength: 3 },
  )
  .map((entries) => [['grant_type', 'client_credentials'], ...entries] as [string, string][]);

const body = fc.oneof(
  fc.constant(undefined),
  params.map((entries) => entries.map(([n, v]) => `${encode(n)}=${encode(v)}`).join('&')),
  params.map((entries) => entries.map(([n, v]) => `${n}=${v}`).join('&')), // unencoded, with stray % and &
  fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
  params.map((entries) => `{${entries.map(([n, v]) => `${JSON.stringify(n)}:${JSON.stringify(v)}`).join(',')}}`), // duplicate keys kept
  fc.dictionary(paramName, fc.oneof(nastyString, fc.array(nastyString, { maxLength: 3 }), fc.jsonValue({ maxDepth: 3 }))).map((o) => JSON.stringify(o)),
  deepJson,
  multipartGarbage,
  fc.uint8Array({ maxLength: 2000 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(70 * 1024, 257 * 1024, 1024 * 1024).map((n) => `grant_type=client_credentials&pad=${'a'.repeat(n)}`),
  fc.string({ unit: 'binary', maxLength: 500 }),
);

const contentType = fc.option(
  fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'multipart/form-data; boundary=XyZ') },
    fc.constantFrom(
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded; charset=ISO-8859-1',
      'multipart/form-data; boundary=XyZ',
      'multipart/form-data',
      'multipart/form-data; boundary=',
      'application/json',
      'application/json; charset=utf-8',
      'application/merge-patch+json',
      'text/plain',
      'text/html',
      'application/xml',
      'application/jwt',
      '*/*',
      'application/',
      ';',
      'APPLICATION/JSON',
    ),
    fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
  ),
  { nil: undefined, freq: 8 },
);

/** Content type and body: mostly a parseable token request in one of the three formats, else anything with anything. */
type Payload = readonly [string | undefined, string | Buffer | undefined];

const publicPayload: fc.Arbitrary<Payload> = fc.oneof(
  { weight: 3, arbitrary: plausibleToken.map((e) => ['application/x-www-form-urlencoded', e.map(([n, v]) => `${encode(n)}=${encode(v)}`).join('&')] as const) },
  { weight: 2, arbitrary: plausibleToken.map((e) => ['application/json', JSON.stringify(Object.fromEntries(e))] as const) },
  {
    weight: 1,
    arbitrary: plausibleToken.map(
      (e) =>
        [
          'multipart/form-data; boundary=XyZ',
          `${e.map(([n, v]) => `--XyZ\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`).join('')}--XyZ--\r\n`,
        ] as const,
    ),
  },
  { weight: 6, arbitrary: fc.tuple(contentType, body) },
);

const adminField = fc.constantFrom(
  'client_id',
  'client_name',
  'client_type',
  'audience',
  'scope',
  'grant_types',
  'token_endpoint_auth_method',
  'service_account_id',
  'access_token_ttl',
  'active',
  'jwks',
  'user_name',
  'userName',
  'display_name',
  'name',
  'identifier',
  'scopes',
  'api_id',
  'api_identifier',
  'id',
  'tenant',
  'signing_alg',
  'expires_in',
  '__proto__',
  'constructor',
);
const adminValue = fc.oneof(
  nastyString,
  fc.array(nastyString, { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 4 }),
  fc.array(fc.record({ value: nastyString, description: nastyString }), { maxLength: 3 }),
);

/** Content type and body: mostly a JSON object of admin fields with odd values, else anything with anything. */
const adminPayload: fc.Arbitrary<Payload> = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(adminField, adminValue, { maxKeys: 5 }).map((o) => ['application/json', JSON.stringify(o)] as const) },
  { weight: 1, arbitrary: fc.dictionary(adminField, adminValue, { maxKeys: 5 }).map((o) => [undefined, JSON.stringify(o)] as const) },
  { weight: 5, arbitrary: fc.tuple(contentType, body) },
);

/** A path segment: encoded text, malformed escapes, dot segments, or long. */
const segment = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 20 }).map(encode),
  fc.constantFrom('%zz', '%', '%00', '%C0%AF', '..', '.', '%2e%2e', '%2F', 'default', 'acme', '%E0%A4%A', ''),
  fc.integer({ min: 60, max: 400 }).map((n) => 'a'.repeat(n)),
);

const query = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  fc.constantFrom(
    '?',
    '?client_secret=x',
    '?grant_type=client_credentials',
    '?reason=fuzz',
    '?reason=%00',
    '?limit=0',
    '?limit=abc',
    '?cursor=%zz',
    '?a=1&a=2',
  ),
  params.map((entries) => `?${entries.map(([n, v]) => `${encode(n)}=${encode(v)}`).join('&')}`),
);

const publicPath = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('/oauth2/token', '/oauth/token', '/t/acme/oauth2/token') },
  fc.constantFrom(
    '/oauth2/token',
    '/oauth/token',
    '/oauth2/introspect',
    '/oauth2/revoke',
    '/oauth2/revoked',
    '/t/acme/oauth2/token',
    '/t/default/oauth2/token',
    '/.well-known/jwks.json',
    '/.well-known/openid-configuration',
    '/.well-known/oauth-authorization-server',
    '/t/acme/.well-known/jwks.json',
    '/',
  ),
  segment.map((s) => `/t/${s}/oauth2/token`),
  fc.tuple(fc.constantFrom('oauth2/introspect', 'oauth2/revoke', '.well-known/jwks.json'), segment).map(([p, s]) => `/t/${s}/${p}`),
  segment.map((s) => `/.well-known/${s}`),
  segment.map((s) => `/.well-known/oauth-authorization-server/t/${s}`),
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
);

const adminPath = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('/clients', '/service-accounts', '/apis', '/grants', '/tenants', '/api/v1/resources/cid/ServiceAccount') },
  fc.constantFrom(
    '/clients',
    '/client',
    '/clients/fuzz-target',
    '/clients/fuzz-target/secrets',
    '/clients/fuzz-target/secrets/sec_x',
    '/clients/fuzz-target/revoke-tokens',
    '/service-accounts',
    '/service-accounts/sa_x',
    '/api/v1/resources/cid/ServiceAccount',
    '/apis',
    '/apis/api_x',
    '/grants',
    '/grants/gr_x',
    '/keys',
    '/keys/rotate',
    '/audit-events',
    '/tenants',
    '/tenants/acme',
    '/tenants/acme/clients',
    '/tenants/acme/keys',
    '/admin-tokens',
    '/admin-tokens/at_x',
    '/openapi.json',
    '/health/alive',
    '/health/ready',
    '/console',
    '/',
  ),
  segment.map((s) => `/tenants/${s}/clients`),
  segment.map((s) => `/clients/${s}`),
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`),
);

const method = fc.oneof({ weight: 8, arbitrary: fc.constant('POST') }, fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'FOO'));

/** Header values a client can send: printable ASCII, sometimes very long. */
const headerText = fc.oneof(
  { weight: 20, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 80 }).filter((s) => /^[\x20-\x7e]*$/.test(s)) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 20_000 }).map((n) => 'A'.repeat(n)) },
);

interface Secrets {
  keeper: { clientId: string; secret: string };
  adminToken: string;
}

/** Credentials, right and wrong; `adminWeight` sets how often the real admin token is sent. */
const authorization = (s: Secrets, adminWeight: number) =>
  fc.option(
    fc.oneof(
      fc.constant(basic(s.keeper.clientId, s.keeper.secret)),
      { weight: 3, arbitrary: headerText.map((secret) => basic(s.keeper.clientId, secret)) },
      fc.tuple(nastyString, nastyString).map(([id, secret]) => `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`),
      fc.uint8Array({ maxLength: 60 }).map((b) => `Basic ${Buffer.from(b).toString('base64')}`),
      headerText.map((h) => `Basic ${h}`),
      { weight: adminWeight, arbitrary: fc.constant(`Bearer ${s.adminToken}`) },
      headerText.map((h) => `Bearer ${h}`),
      headerText,
    ),
    { nil: undefined, freq: 6 },
  );

const extraHeaders = fc.dictionary(
  fc.constantFrom('host', 'dpop', 'x-forwarded-for', 'accept', 'content-encoding', 'transfer-encoding-x', 'x-anything'),
  headerText,
  { maxKeys: 3 },
);

interface FuzzRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  body: string | Buffer | undefined;
  authorization: string | undefined;
  headers: Record<string, string>;
  /** Move the clock past the brute-force window first, so lockouts come and go. */
  advance: boolean;
}

/** Long strings cut short, so that a counterexample stays readable. */
const short = (v: unknown) => {
  const text = Buffer.isBuffer(v) ? `<${v.length} bytes>` : (JSON.stringify(v) ?? 'undefined');
  return text.length > 200 ? `${text.slice(0, 200)}…(${text.length} characters)` : text;
};

const request = (paths: fc.Arbitrary<string>, auth: fc.Arbitrary<string | undefined>, payload: fc.Arbitrary<Payload>): fc.Arbitrary<FuzzRequest> =>
  fc
    .record({
      method,
      path: fc.tuple(paths, query).map(([p, q]) => `${p}${q}`),
      payload,
      authorization: auth,
      headers: extraHeaders,
      advance: fc.integer({ min: 0, max: 99 }).map((n) => n === 0),
    })
    .map(({ payload: [contentType, body], ...r }) => ({ ...r, contentType, body }))
    .map((r) => ({
      ...r,
      [fc.toStringMethod]: () =>
        `{${Object.entries(r)
          .map(([k, v]) => `${k}: ${short(v)}`)
          .join(', ')}}`,
    }));

// ---------------------------------------------------------------- checks

const RFC6749_TEXT = /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/;
const PRIVATE_JWK_MEMBER = /"(d|p|q|dp|dq|qi|k)"\s*:/;

/** Answers with no secret of the server's in them (the caller's own input aside). */
function assertNoSecrets(res: HttpResult, secrets: string[], where: string): void {
  for (const secret of secrets) assert.ok(!res.text.includes(secret), `${where}: a secret appears in the answer`);
  assert.doesNotMatch(res.text, PRIVATE_JWK_MEMBER, `${where}: private JWK member`);
  assert.doesNotMatch(res.text, /-----BEGIN|PRIVATE KEY/, `${where}: PEM key material`);
  assert.doesNotMatch(res.text, /\bat [^\s]+ \(?(file:|node:|\/)[^\s]*:\d+/, `${where}: a stack trace`);
}

/**
 * A request Node's parser refuses (400, 408, 431) is answered without a body when the read that
 * failed does not show its method — headers over 16 KiB that came in several reads, or a request
 * behind the rest of the previous one's body (src/http/client-error.ts): it might be HEAD.
 */
const bodilessParserRefusal = (res: HttpResult) => [400, 408, 431].includes(res.status) && res.text === '' && res.headers.get('content-length') === '0';

function assertPublicAnswer(req: FuzzRequest, res: HttpResult): void {
  const where = `${req.method} ${req.path.slice(0, 120)} → ${res.status} ${res.text.slice(0, 200)}`;
  assert.ok(res.status < 500, where);
  if (res.status === 0) {
    assert.ok(Buffer.byteLength(req.body ?? '') > 64 * 1024, `${where}: connection closed without an answer`);
    return;
  }
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', where);
  if (res.status >= 400 && req.method !== 'HEAD' && !bodilessParserRefusal(res)) {
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/, where);
    assert.equal(res.headers.get('cache-control'), 'no-store', where);
    assert.ok(res.body && typeof res.body === 'object' && !Array.isArray(res.body), where);
    for (const key of Object.keys(res.body)) assert.ok(['error', 'error_description', 'error_uri'].includes(key), `${where}: member ${key}`);
    assert.match(res.body.error, RFC6749_TEXT, where);
    if (res.body.error_description !== undefined) assert.match(res.body.error_description, RFC6749_TEXT, where);
    if (res.status === 429) assert.match(res.headers.get('retry-after') ?? '', /^[1-9]\d*$/, where);
  }
}

const ADMIN_HEADERS = ['x-content-type-options', 'x-frame-options', 'referrer-policy', 'content-security-policy'];

function assertAdminAnswer(req: FuzzRequest, res: HttpResult): void {
  const where = `${req.method} ${req.path.slice(0, 120)} → ${res.status} ${res.text.slice(0, 200)}`;
  assert.ok(res.status < 500, where);
  if (res.status === 0) {
    assert.ok(Buffer.byteLength(req.body ?? '') > 256 * 1024, `${where}: connection closed without an answer`);
    return;
  }
  for (const name of ADMIN_HEADERS) assert.ok(res.headers.get(name), `${where}: ${name}`);
  if (res.status >= 400 && req.method !== 'HEAD' && !bodilessParserRefusal(res)) {
    assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, where);
    assert.match(res.body?.type ?? '', /^urn:tessera:problem:[a-z-]+$/, where);
    assert.equal(typeof res.body.title, 'string', where);
    assert.equal(res.body.status, res.status, where);
    assert.equal(typeof res.body.detail, 'string', where);
  }
}

// ---------------------------------------------------------------- the run

describe(`fuzz: malformed requests at both listeners (seeds ${SEEDS.join(', ')})`, () => {
  let t: TestTessera;
  let clock: ManualClock;
  let s: Secrets;
  let secrets: string[];
  const kek = randomBytes(32).toString('hex');
  /** How often each answer came, by status and error text: printed, to show what the run reached. */
  const answers = new Map<string, number>();
  const tally = (res: HttpResult) => {
    const what = `${res.status} ${res.body?.error_description ?? res.body?.detail ?? ''}`.slice(0, 70);
    answers.set(what, (answers.get(what) ?? 0) + 1);
  };
  const report = () =>
    [...answers]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([what, n]) => `${n}× ${what}`)
      .join(' | ');

  const send = (base: string, req: FuzzRequest) => {
    if (req.advance) clock.advance(61_000);
    const headers: Record<string, string> = { ...req.headers };
    if (req.contentType !== undefined) headers['content-type'] = req.contentType;
    if (req.authorization !== undefined) headers.authorization = req.authorization;
    return rawRequest(`${base}${req.path}`, { method: req.method, headers, ...(req.body !== undefined ? { body: req.body } : {}) });
  };

  before(async () => {
    clock = manualClock(new Date().toISOString());
    // Brute-force protection at its defaults, so that lockouts and their 429s are fuzzed too.
    t = await startTessera({ clock, env: { TESSERA_SECRET: kek, TESSERA_BRUTE_FORCE_MAX_FAILURES: '10', TESSERA_BRUTE_FORCE_WINDOW: '60' } });
    assert.equal((await t.admin('POST', '/tenants', { id: 'acme' })).status, 201);
    const keeper = await createClient(t, { client_id: KEEPER, audience: [AUD], scope: 'read' });
    const target = await createClient(t, { client_id: 'fuzz-target', audience: [AUD] });
    s = { keeper, adminToken: t.adminToken };
    secrets = [keeper.secret, target.secret, t.adminToken, kek];
  });
  after(async () => {
    await t.close();
  });

  for (const seed of SEEDS) {
    it(`FUZZ_SEED=${seed}: answers ${RUNS} malformed public requests with RFC 6749 errors, never 5xx, never a secret`, async (ctx) => {
      ctx.diagnostic(`FUZZ_SEED=${seed}, ${RUNS} runs`);
      await fc.assert(
        fc.asyncProperty(request(publicPath, authorization(s, 1), publicPayload), async (req) => {
          const res = await send(t.publicUrl, req);
          tally(res);
          assertPublicAnswer(req, res);
          assertNoSecrets(res, secrets, `${req.method} ${req.path.slice(0, 120)}`);
        }),
        { seed, numRuns: RUNS, includeErrorInReport: true },
      );
      ctx.diagnostic(`most frequent public answers: ${report()}`);
      answers.clear();
    });

    it(`FUZZ_SEED=${seed}: answers ${RUNS} malformed admin requests with problem+json, never 5xx, never a secret`, async (ctx) => {
      ctx.diagnostic(`FUZZ_SEED=${seed}, ${RUNS} runs`);
      await fc.assert(
        fc.asyncProperty(request(adminPath, authorization(s, 16), adminPayload), async (req) => {
          const res = await send(t.adminUrl, req);
          tally(res);
          assertAdminAnswer(req, res);
          // An admin answer may hold secrets it just created (POST /clients, /admin-tokens): never the ones of before.
          assertNoSecrets(res, secrets, `${req.method} ${req.path.slice(0, 120)}`);
        }),
        { seed, numRuns: RUNS, includeErrorInReport: true },
      );
      ctx.diagnostic(`most frequent admin answers: ${report()}`);
      answers.clear();
    });
  }

  it('still issues a valid token afterwards, and the admin API still answers', async () => {
    clock.advance(61_000); // past any lockout the fuzzing caused
    const res = await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(s.keeper.clientId, s.keeper.secret) });
    assert.equal(res.status, 200, res.text);
    const jwks = createRemoteJWKSet(new URL(`${t.publicUrl}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(res.body.access_token, jwks, {
      issuer: t.publicUrl,
      audience: AUD,
      typ: 'at+jwt',
      currentDate: new Date(clock.now()),
    });
    assert.equal(payload.client_id, KEEPER);
    assert.equal((await t.admin('GET', `/clients/${KEEPER}`)).status, 200);
    assert.ok(!t.logs.some((line) => line.includes(s.keeper.secret) || line.includes(s.adminToken)), 'no secret in the log');
  });
});
