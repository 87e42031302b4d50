import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { decodeJwt } from 'jose';
import { manualClock, type ManualClock } from '../helpers/admin.js';
import { dpopProof } from '../helpers/assertions.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { createClient } from '../helpers/fixtures.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { headerShape, rawRequest, type RawRequest } from '../helpers/raw-http.js';
import { basic, startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://paths.test';
const FORM = 'application/x-www-form-urlencoded';
const CC = 'grant_type=client_credentials&scope=read';

/** A token response with what differs per token (its id, and so its signature) set aside. */
function comparable(res: HttpResult): unknown {
  if (res.status !== 200 || typeof res.body?.access_token !== 'string') return res.text;
  const { jti, ...claims } = decodeJwt(res.body.access_token);
  assert.equal(typeof jti, 'string');
  return { ...res.body, access_token: claims };
}

/** One token request: where it goes and what it sends; built afresh for each sending (a DPoP proof is good once). */
interface Case {
  name: string;
  /** The status both ways must answer. */
  status: number;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body: string;
}

/**
 * The token endpoint has two ways in (src/http/public/token-direct.ts): a plain form POST with a
 * Content-Length is answered by the direct path, everything else by Fastify's route. The same
 * request sent once with a Content-Length and once chunked (which the direct path always leaves to
 * Fastify) must get the same answer: status, headers and body.
 */
describeEachDialect('token endpoint: the direct path and the Fastify route apply the same rules', (dialect) => {
  let t: TestTessera;
  let clock: ManualClock;
  let secret: string;
  let key: TestKey;

  before(async () => {
    clock = manualClock();
    t = await startTessera({ dialect, clock, env: { TESSERA_BRUTE_FORCE_MAX_FAILURES: '10', TESSERA_BRUTE_FORCE_WINDOW: '60' } });
    ({ secret } = await createClient(t, { client_id: 'paths', audience: [AUD], scope: 'read write' }));
    key = await testKey('ES256');
  });
  after(() => t.close());

  const auth = (s = secret) => ({ authorization: basic('paths', s) });
  const form = (extra: Record<string, string> = {}) => ({ ...auth(), 'content-type': FORM, ...extra });
  const proof = (htu = `${t.publicUrl}/oauth2/token`) => dpopProof(key, clock, { htu });

  const cases = async (): Promise<Case[]> => [
    { name: 'a form request', status: 200, headers: form(), body: CC },
    { name: 'a form with a charset', status: 200, headers: form({ 'content-type': `${FORM}; charset=UTF-8` }), body: CC },
    { name: 'a form, upper case type', status: 200, headers: form({ 'content-type': 'Application/X-WWW-Form-Urlencoded' }), body: CC },
    { name: 'a form with another charset', status: 200, headers: form({ 'content-type': `${FORM}; charset=iso-8859-1` }), body: CC },
    { name: 'the Auth0 path', status: 200, path: '/oauth/token', headers: form(), body: CC },
    { name: 'client_secret_post', status: 200, headers: { 'content-type': FORM }, body: `${CC}&client_id=paths&client_secret=${encodeURIComponent(secret)}` },
    {
      name: 'JSON',
      status: 200,
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', scope: 'read' }),
    },
    { name: 'bad JSON', status: 400, headers: { ...auth(), 'content-type': 'application/json' }, body: '{"grant_type":' },
    { name: 'a JSON array', status: 400, headers: { ...auth(), 'content-type': 'application/json' }, body: '[]' },
    {
      name: 'multipart',
      status: 200,
      headers: { ...auth(), 'content-type': 'multipart/form-data; boundary=x' },
      body: '--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--x--\r\n',
    },
    { name: 'text/plain', status: 415, headers: { ...auth(), 'content-type': 'text/plain' }, body: CC },
    { name: 'no content type', status: 415, headers: auth(), body: CC },
    { name: 'an empty body', status: 400, headers: form(), body: '' },
    { name: 'no grant_type', status: 400, headers: form(), body: 'scope=read' },
    { name: 'an unknown grant_type', status: 400, headers: form(), body: 'grant_type=password&username=a&password=b' },
    { name: 'a duplicate parameter', status: 400, headers: form(), body: `${CC}&scope=write` },
    { name: 'a duplicate grant_type', status: 400, headers: form(), body: `${CC}&grant_type=client_credentials` },
    { name: 'bad percent-encoding', status: 400, headers: form(), body: 'grant_type=client_credentials&scope=%zz' },
    { name: 'a control character', status: 400, headers: form(), body: 'grant_type=client_credentials&scope=read%00' },
    { name: 'a scope not allowed', status: 400, headers: form(), body: 'grant_type=client_credentials&scope=admin' },
    { name: 'an oversized body', status: 413, headers: form(), body: `${CC}&pad=${'x'.repeat(70 * 1024)}` },
    { name: 'a query string', status: 400, path: '/oauth2/token?client_id=paths', headers: form(), body: CC },
    { name: 'a wrong secret', status: 401, headers: form(auth(`${secret}x`)), body: CC },
    { name: 'an unknown client', status: 401, headers: form({ authorization: basic('nobody', 'x') }), body: CC },
    { name: 'Basic without credentials', status: 401, headers: form({ authorization: 'Basic' }), body: CC },
    { name: 'Basic, not base64', status: 401, headers: form({ authorization: 'Basic !!!' }), body: CC },
    { name: 'Basic without a colon', status: 401, headers: form({ authorization: `Basic ${Buffer.from('paths').toString('base64')}` }), body: CC },
    { name: 'basic in lower case', status: 200, headers: form({ authorization: `basic ${Buffer.from(`paths:${secret}`).toString('base64')}` }), body: CC },
    { name: 'a Bearer authorization', status: 401, headers: form({ authorization: 'Bearer abc' }), body: CC },
    { name: 'Basic and a secret in the body', status: 400, headers: form(), body: `${CC}&client_secret=x` },
    { name: 'a DPoP proof', status: 200, headers: form({ dpop: await proof() }), body: CC },
    { name: 'a DPoP proof for another URL', status: 400, headers: form({ dpop: await proof(`${t.publicUrl}/elsewhere`) }), body: CC },
    { name: 'a malformed DPoP proof', status: 400, headers: form({ dpop: 'not-a-jwt' }), body: CC },
    { name: 'an empty DPoP header', status: 400, headers: form({ dpop: '' }), body: CC },
    { name: 'an unknown tenant', status: 404, path: '/t/nope/oauth2/token', headers: form(), body: CC },
    { name: 'the default tenant by path', status: 404, path: '/t/default/oauth2/token', headers: form(), body: CC },
    { name: 'a GET', status: 405, method: 'GET', headers: form(), body: CC },
    { name: 'a PUT', status: 405, method: 'PUT', headers: form(), body: CC },
    { name: 'a DELETE', status: 405, method: 'DELETE', headers: form(), body: CC },
  ];

  /** Sends a case once with a Content-Length and once chunked, each with a fresh DPoP proof, at the same time on the clock. */
  const bothWays = async (pick: (all: Case[]) => Case): Promise<{ name: string; status: number; sized: HttpResult; chunked: HttpResult }> => {
    const send = async (chunked: boolean) => {
      const c = pick(await cases());
      const options: RawRequest = { method: c.method ?? 'POST', headers: c.headers ?? {}, body: c.body, chunked };
      return rawRequest(`${t.publicUrl}${c.path ?? '/oauth2/token'}`, options);
    };
    const { name, status } = pick(await cases());
    const answers = { name, status, sized: await send(false), chunked: await send(true) };
    // Past the brute-force window the two requests' failures, if any, opened.
    clock.advance(3_600_000);
    return answers;
  };

  it('answers every request of the table alike, whichever way it came in', async () => {
    const count = (await cases()).length;
    const differences: string[] = [];
    for (let i = 0; i < count; i++) {
      const { name, status, sized, chunked } = await bothWays((all) => all[i]!);
      if (sized.status !== status) differences.push(`${name}: ${sized.status} instead of ${status}: ${sized.text}`);
      const a = { status: sized.status, headers: headerShape(sized), body: comparable(sized) };
      const b = { status: chunked.status, headers: headerShape(chunked), body: comparable(chunked) };
      try {
        assert.deepEqual(a, b);
      } catch {
        differences.push(`${name}:\n  sized   ${JSON.stringify(a)}\n  chunked ${JSON.stringify(b)}`);
      }
    }
    assert.deepEqual(differences, []);
  });

  it('answers a locked-out client alike, whichever way it came in (429, Retry-After)', async () => {
    const answers: HttpResult[] = [];
    for (const chunked of [false, true]) {
      for (let i = 0; i < 10; i++) await rawRequest(`${t.publicUrl}/oauth2/token`, { method: 'POST', headers: form(auth('wrong')), body: CC, chunked });
      answers.push(await rawRequest(`${t.publicUrl}/oauth2/token`, { method: 'POST', headers: form(), body: CC, chunked }));
      clock.advance(3_600_000);
    }
    const [sized, chunked] = answers as [HttpResult, HttpResult];
    assert.equal(sized.status, 429, sized.text);
    assert.deepEqual([chunked.status, headerShape(chunked), chunked.text], [sized.status, headerShape(sized), sized.text]);
  });

  it('refuses every method but POST with 405 and Allow: POST, on both token paths', async () => {
    for (const path of ['/oauth2/token', '/oauth/token']) {
      for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        const res = await rawRequest(`${t.publicUrl}${path}`, { method, headers: form(), ...(method === 'HEAD' ? {} : { body: CC }) });
        assert.equal(res.status, 405, `${method} ${path}: ${res.text}`);
        assert.equal(res.headers.get('allow'), 'POST', `${method} ${path}`);
        assert.equal(res.headers.get('cache-control'), 'no-store', `${method} ${path}`);
        if (method !== 'HEAD') assert.deepEqual(res.body, { error: 'invalid_request', error_description: 'Use POST.' }, `${method} ${path}`);
      }
    }
  });
});
