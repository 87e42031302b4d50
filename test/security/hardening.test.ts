import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { assertProblem, created, ok } from '../helpers/admin.js';
import { createClient } from '../helpers/fixtures.js';
import { rawRequest } from '../helpers/raw-http.js';
import { basic, startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://orders.test/';
const CC = { grant_type: 'client_credentials' };
const ADMIN_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/** An exact RFC 6749 §5.2 answer, never cached, never sniffed. */
function assertOAuthError(res: HttpResult, status: number, error: string, description: string): void {
  assert.equal(res.status, status, res.text);
  assert.deepEqual(res.body, { error, error_description: description });
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
}

function assertAdminSecurityHeaders(res: HttpResult): void {
  for (const [name, value] of Object.entries(ADMIN_SECURITY_HEADERS)) assert.equal(res.headers.get(name), value, `${name} on ${res.status}`);
  assert.ok(res.headers.get('cache-control'), 'cache-control');
}

const invalidRequest = (description: string) => ['invalid_request', description] as const;

/** Writes a request in parts, a pause between them (so the server reads each alone), and returns everything answered until the connection closes. */
function sendInParts(baseUrl: string, parts: string[]): Promise<string> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(Number(port), '127.0.0.1', () => {
      void (async () => {
        for (const part of parts) {
          if (socket.destroyed) break;
          socket.write(part);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
    });
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
  });
}

describe('input hardening: public listener', () => {
  let t: TestTessera;
  let client: { clientId: string; secret: string };
  let auth: { authorization: string };

  before(async () => {
    t = await startTessera();
    client = await createClient(t, { client_id: 'orders-job', audience: [AUD], scope: 'read write' });
    auth = { authorization: basic(client.clientId, client.secret) };
    assert.equal((await t.admin('POST', '/tenants', { id: 'acme' })).status, 201);
  });
  after(() => t.close());

  const post = (path: string, contentType: string, body: string | FormData, headers: Record<string, string> = {}) =>
    t.publicFetch(path, { method: 'POST', headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers }, body });

  it('answers 413 for a body over 64 KiB, on every issuer, and accepts one of 64 KiB', async () => {
    for (const path of ['/oauth2/token', '/oauth/token', '/t/acme/oauth2/token']) {
      const res = await post(path, 'application/x-www-form-urlencoded', `grant_type=client_credentials&pad=${'a'.repeat(64 * 1024)}`);
      assertOAuthError(res, 413, 'invalid_request', 'The request body is too large (64 KiB at most).');
    }
    // 64 KiB exactly is read (values within the parameter limit; unknown parameters are ignored).
    const fill = Array.from({ length: 7 }, (_, i) => `p${i}=${'a'.repeat(8192)}`).join('&');
    const body = `grant_type=client_credentials&${fill}&`;
    const exact = `${body}last=${'b'.repeat(64 * 1024 - body.length - 'last='.length)}`;
    assert.equal(exact.length, 64 * 1024);
    const res = await post('/oauth2/token', 'application/x-www-form-urlencoded', exact, auth);
    assert.equal(res.status, 200, res.text);
  });

  it('answers 415 for media types other than form, multipart and JSON', async () => {
    for (const type of ['text/plain', 'application/xml', 'application/jwt', 'multipart/mixed; boundary=x', 'application/x-www-form-urlencodedx']) {
      assertOAuthError(
        await post('/oauth2/token', type, 'grant_type=client_credentials', auth),
        415,
        'invalid_request',
        'Unsupported content type; send application/x-www-form-urlencoded, multipart/form-data, application/json.',
      );
    }
    assertOAuthError(
      await post('/oauth2/token', '', 'grant_type=client_credentials', auth),
      415,
      'invalid_request',
      'Unsupported content type; send application/x-www-form-urlencoded, multipart/form-data, application/json.',
    );
  });

  it('refuses any parameter in the query string of the token endpoint (RFC 6749 §2.3.1)', async () => {
    for (const query of ['?client_secret=x', '?grant_type=client_credentials', '?foo', '?']) {
      const res = await t.publicFetch(`/oauth2/token${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth },
        body: 'grant_type=client_credentials',
      });
      if (query === '?') assert.equal(res.status, 200, 'an empty query holds no parameter');
      else assertOAuthError(res, 400, ...invalidRequest('Send parameters in the request body, not in the query string.'));
    }
  });

  it('limits the length of parameter values and names, and their number', async () => {
    const form = (params: Record<string, string>) => t.form('/oauth2/token', { ...CC, ...params }, auth);
    assertOAuthError(await form({ scope: 'r'.repeat(8193) }), 400, ...invalidRequest('The scope parameter is too long (8192 characters at most).'));
    assertOAuthError(await form({ unknown: 'x'.repeat(8193) }), 400, ...invalidRequest('The unknown parameter is too long (8192 characters at most).'));
    assert.equal((await form({ unknown: 'x'.repeat(8192) })).status, 200, '8192 characters are allowed; unknown parameters are ignored');
    assertOAuthError(await form({ ['n'.repeat(129)]: 'x' }), 400, ...invalidRequest('A parameter name is too long (128 characters at most).'));
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`p${i}`, 'x']));
    assertOAuthError(await form(many), 400, ...invalidRequest('Too many parameters (100 at most).'));
    delete many.p99;
    assert.equal((await form(many)).status, 200, '100 parameters with grant_type');
    const json = await post('/oauth2/token', 'application/json', JSON.stringify({ ...CC, audience: Array.from({ length: 100 }, () => AUD) }), auth);
    assertOAuthError(json, 400, ...invalidRequest('Too many parameters (100 at most).'));
  });

  it('refuses control characters in any parameter value or name, in every body format', async () => {
    for (const ch of ['\u0000', '\u0001', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009f']) {
      const description = 'The scope parameter contains a control character.';
      assertOAuthError(await t.form('/oauth2/token', { ...CC, scope: `read${ch}write` }, auth), 400, ...invalidRequest(description));
      assertOAuthError(
        await post('/oauth2/token', 'application/json', JSON.stringify({ ...CC, scope: `read${ch}` }), auth),
        400,
        ...invalidRequest(description),
      );
      const multipart = new FormData();
      multipart.append('grant_type', 'client_credentials');
      multipart.append('scope', `${ch}read`);
      assertOAuthError(await post('/oauth2/token', '', multipart, auth), 400, ...invalidRequest(description));
      assertOAuthError(
        await t.form('/oauth2/token', { ...CC, [`x${ch}`]: 'y' }, auth),
        400,
        ...invalidRequest('A parameter name contains a control character.'),
      );
      assertOAuthError(
        await t.form('/oauth2/token', { ...CC, client_id: client.clientId, client_secret: `${client.secret}${ch}` }),
        400,
        ...invalidRequest('The client_secret parameter contains a control character.'),
      );
    }
    // Printable non-ASCII is not a control character: it is simply a scope nobody has.
    assertOAuthError(await t.form('/oauth2/token', { ...CC, scope: 'lecture-é' }, auth), 400, 'invalid_scope', 'The scope parameter is malformed.');
  });

  it('answers control characters in Basic credentials with invalid_client', async () => {
    for (const id of [`${client.clientId}\u0000`, `${client.clientId}%00`, `orders%01job`]) {
      const header = `Basic ${Buffer.from(`${id}:${client.secret}`).toString('base64')}`;
      const res = await t.form('/oauth2/token', CC, { authorization: header });
      assertOAuthError(res, 401, 'invalid_client', 'Client authentication failed.');
    }
  });

  it('refuses deeply nested JSON with 400, never a stack overflow', async () => {
    const deep = (n: number) => `${'{"a":'.repeat(n)}"x"${'}'.repeat(n)}`;
    assertOAuthError(await post('/oauth2/token', 'application/json', deep(33), auth), 400, ...invalidRequest('The JSON request body is nested too deeply.'));
    assertOAuthError(
      await post('/oauth2/token', 'application/json', `[${'['.repeat(30_000)}${']'.repeat(30_000)}]`, auth),
      400,
      ...invalidRequest('The JSON request body is nested too deeply.'),
    );
    assertOAuthError(await post('/oauth2/token', 'application/json', deep(32), auth), 400, ...invalidRequest('The a parameter must be a string.'));
    // A string full of brackets is not nesting.
    const brackets = await post('/oauth2/token', 'application/json', JSON.stringify({ ...CC, note: '[{'.repeat(2000) + '\\"' }), auth);
    assert.equal(brackets.status, 200, brackets.text);
  });

  it('keeps error_description to the characters RFC 6749 §5.2 allows, and short, when it quotes the request', async () => {
    const quoted = await t.form('/oauth2/token', { grant_type: 'urn:"évil"\\x' }, auth);
    assertOAuthError(quoted, 400, 'unsupported_grant_type', 'The grant type urn:??vil?\\x is not supported.'.replace('\\', '?'));
    const long = await t.form('/oauth2/token', { grant_type: 'g'.repeat(5000) }, auth);
    assert.equal(long.body.error, 'unsupported_grant_type');
    assert.equal(long.body.error_description.length, 300);
    assert.ok(long.body.error_description.endsWith('...'));
  });

  it('answers 431 in RFC 6749 JSON for headers over 16 KiB, and keeps serving', async () => {
    for (const path of ['/oauth2/token', '/.well-known/jwks.json', '/nowhere']) {
      const res = await rawRequest(`${t.publicUrl}${path}`, { method: 'POST', headers: { 'x-padding': 'p'.repeat(17 * 1024) } });
      assertOAuthError(res, 431, 'invalid_request', 'The request header fields are too large.');
    }
    const huge = await rawRequest(`${t.publicUrl}/oauth2/token`, { method: 'POST', headers: { authorization: `Basic ${'A'.repeat(20_000)}` } });
    assertOAuthError(huge, 431, 'invalid_request', 'The request header fields are too large.');
    const head = await rawRequest(`${t.publicUrl}/.well-known/jwks.json`, { method: 'HEAD', headers: { 'x-padding': 'p'.repeat(17 * 1024) } });
    assert.equal(head.status, 431);
    assert.equal(head.text, '', 'no body in an answer to HEAD');
    assert.equal((await t.form('/oauth2/token', CC, auth)).status, 200);
  });

  it('answers a refused method with its JSON body even behind the previous request on the connection', async () => {
    const answer = await sendInParts(t.publicUrl, [
      `GET /.well-known/jwks.json HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\naaaaaFOO /oauth2/token HTTP/1.1\r\nhost: x\r\n\r\n`,
    ]);
    const refused = answer.slice(answer.indexOf('HTTP/1.1 400 '));
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.match(refused, /^HTTP\/1\.1 400 /);
    assert.deepEqual(JSON.parse(refused.split('\r\n\r\n')[1]!), { error: 'invalid_request', error_description: 'The request is malformed.' });
  });

  it('answers a refused request line in full even when a large body follows it (no reset that loses the answer)', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await rawRequest(`${t.publicUrl}/oauth2/token`, {
        method: 'FOO',
        headers: { 'content-type': 'application/json' },
        body: 'x'.repeat(256 * 1024),
      });
      assertOAuthError(res, 400, 'invalid_request', 'The request is malformed.');
    }
    assert.equal((await t.form('/oauth2/token', CC, auth)).status, 200);
  });

  it('answers 431 without a body when the headers came in several reads (the method is then unknown: HEAD or not)', async () => {
    for (const method of ['HEAD', 'GET']) {
      const answer = await sendInParts(t.publicUrl, [
        `${method} /.well-known/jwks.json HTTP/1.1\r\nhost: x\r\nx-padding: ${'p'.repeat(10_000)}`,
        `${'p'.repeat(10_000)}\r\n\r\n`,
      ]);
      const [head, body] = answer.split('\r\n\r\n');
      assert.match(head!, /^HTTP\/1\.1 431 /, method);
      assert.match(head!, /\r\ncontent-length: 0\r\n/, method);
      assert.match(head!, /\r\nconnection: close\r\n/, method);
      assert.equal(body, '', `${method}: nothing after the headers`);
    }
    assert.equal((await t.form('/oauth2/token', CC, auth)).status, 200);
  });

  it('answers malformed and over-long URLs in RFC 6749 JSON', async () => {
    assertOAuthError(await rawRequest(`${t.publicUrl}/t/%zz/oauth2/token`, { method: 'POST' }), 400, ...invalidRequest('The request URL is malformed.'));
    assertOAuthError(await rawRequest(`${t.publicUrl}/%E0%A4%A/.well-known/jwks.json`), 400, ...invalidRequest('The request URL is malformed.'));
    assertOAuthError(
      await rawRequest(`${t.publicUrl}/t/${'a'.repeat(101)}/oauth2/token`, { method: 'POST' }),
      414,
      ...invalidRequest('The request URL is too long.'),
    );
    assertOAuthError(await rawRequest(`${t.publicUrl}/t/${'a'.repeat(64)}/oauth2/token`, { method: 'POST' }), 404, ...invalidRequest('No such endpoint.'));
    assertOAuthError(await rawRequest(`${t.publicUrl}/oauth2/token`, { method: 'PROPFIND' }), 404, ...invalidRequest('No such endpoint.'));
  });

  it('answers GET on the token endpoint with 405, Allow: POST and an RFC 6749 body', async () => {
    for (const path of ['/oauth2/token', '/oauth/token', '/t/acme/oauth2/token']) {
      const res = await t.publicFetch(path);
      assertOAuthError(res, 405, 'invalid_request', 'Use POST.');
      assert.equal(res.headers.get('allow'), 'POST');
    }
  });

  it('sends x-content-type-options: nosniff on every public answer', async () => {
    const answers = [
      await t.form('/oauth2/token', CC, auth),
      await t.publicFetch('/.well-known/jwks.json'),
      await t.publicFetch('/.well-known/openid-configuration'),
      await t.publicFetch('/.well-known/oauth-authorization-server/t/acme'),
      await t.publicFetch('/oauth2/token'),
      await t.publicFetch('/no-such-path'),
      await t.form('/oauth2/token', CC),
    ];
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 200, 200, 200, 405, 404, 401],
    );
    for (const res of answers) assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${res.status} ${res.text.slice(0, 60)}`);
  });
});

describe('input hardening: admin listener', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera();
  });
  after(() => t.close());

  const json = { 'content-type': 'application/json' };

  it('sends the security headers on every admin answer: success, problems, 404, 401, public documents', async () => {
    const answers = [
      await t.admin('GET', '/clients'),
      await t.admin('POST', '/service-accounts', { user_name: 'headers' }),
      await t.admin('POST', '/service-accounts', { nope: 1 }),
      await t.admin('GET', '/no-such-route'),
      await t.admin('GET', '/clients', undefined, { token: null }),
      await t.admin('GET', '/health/alive', undefined, { token: null }),
      await t.admin('GET', '/openapi.json', undefined, { token: null }),
      await rawRequest(`${t.adminUrl}/clients/%zz`, { headers: { authorization: `Bearer ${t.adminToken}` } }),
    ];
    assert.deepEqual(
      answers.map((r) => r.status),
      [200, 201, 400, 404, 401, 200, 200, 400],
    );
    for (const res of answers) assertAdminSecurityHeaders(res);
    assert.equal(answers[0]!.headers.get('cache-control'), 'no-store');
  });

  it('answers 413 over 256 KiB and 415 for bodies that are not JSON objects', async () => {
    const big = `{"user_name":"big","display_name":"${'a'.repeat(256 * 1024)}"}`;
    assertProblem(await t.admin('POST', '/service-accounts', big), { status: 413, detail: 'the request body is too large', instance: '/service-accounts' });
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
      const res = await t.admin('POST', '/service-accounts', 'user_name=x', { headers: { 'content-type': type } });
      assertProblem(res, { status: 415, detail: 'send a JSON object (Content-Type: application/json)', instance: '/service-accounts' });
      assertAdminSecurityHeaders(res);
    }
  });

  it('refuses JSON nested deeper than 32 levels with 400, never a stack overflow', async () => {
    const deep = (n: number) => `{"user_name":"deep","x":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;
    for (const headers of [json, { 'content-type': 'text/plain' }]) {
      assertProblem(await t.admin('POST', '/service-accounts', deep(33), { headers }), {
        status: 400,
        detail: 'the request body is nested too deeply (32 levels at most)',
        instance: '/service-accounts',
      });
    }
    const flood = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    assertProblem(await t.admin('POST', '/clients', flood, { headers: json }), {
      status: 400,
      detail: 'the request body is nested too deeply (32 levels at most)',
      instance: '/clients',
    });
    // 32 levels reach the schema, which answers about the field.
    assertProblem(await t.admin('POST', '/service-accounts', deep(32), { headers: json }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/service-accounts',
      errors: [{ pointer: '/x', detail: 'unknown property' }],
    });
    assertProblem(
      await t.admin('POST', '/service-accounts', JSON.stringify({ user_name: 'brackets', display_name: '[[[[{{{{'.repeat(30) }), { headers: json }),
      {
        status: 400,
        detail: 'the request body is invalid',
        instance: '/service-accounts',
        errors: [{ pointer: '/display_name', detail: 'must NOT have more than 200 characters' }],
      },
    );
  });

  it('refuses control characters in body strings and keys, path parameters and the query string', async () => {
    for (const ch of ['\u0000', '\u0001', '\u001f', '\u007f']) {
      assertProblem(await t.admin('POST', '/clients', { client_name: 'ok', audience: [`https://a.test/${ch}`] }), {
        status: 400,
        detail: 'the request body contains a control character',
        instance: '/clients',
        errors: [{ pointer: '/audience/0', detail: 'contains a control character' }],
      });
      assertProblem(await t.admin('POST', '/service-accounts', { user_name: 'ok', [`k${ch}/~`]: 1 }), {
        status: 400,
        detail: 'the request body contains a control character',
        instance: '/service-accounts',
        errors: [{ pointer: `/k${ch}~1~0`, detail: 'contains a control character' }],
      });
    }
    assertProblem(await t.admin('POST', '/service-accounts?reason=a%00b', { user_name: 'nul-reason' }), {
      status: 400,
      detail: 'the request URL contains a control character',
      instance: '/service-accounts',
      errors: [{ pointer: '/reason', detail: 'contains a control character' }],
    });
    assertProblem(await t.admin('GET', '/clients/a%00b'), {
      status: 400,
      detail: 'the request URL contains a control character',
      instance: '/clients/a%00b',
      errors: [{ pointer: '/client_id', detail: 'contains a control character' }],
    });
    // Tab, LF and CR pass the generic check; free-text fields refuse them by schema.
    assertProblem(await t.admin('POST', '/service-accounts', { user_name: 'tab', display_name: 'a\tb' }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/service-accounts',
      errors: [
        {
          pointer: '/display_name',
          detail: 'must be printable text: no control characters, line or paragraph separators, or bidirectional overrides and isolates',
        },
      ],
    });
    const names = ok(await t.admin('GET', '/service-accounts')).items.map((s: any) => s.user_name);
    assert.deepEqual(
      names.filter((n: string) => ['ok', 'nul-reason', 'tab'].includes(n)),
      [],
      'nothing refused was created',
    );
    assert.deepEqual(ok(await t.admin('GET', '/clients')).items, []);
  });

  it('answers 431 in problem+json for headers over 16 KiB', async () => {
    const res = await rawRequest(`${t.adminUrl}/clients`, { headers: { authorization: `Bearer ${t.adminToken}`, 'x-padding': 'p'.repeat(17 * 1024) } });
    assertProblem(res, { status: 431, detail: 'the request header fields are too large (16 KiB at most)', instance: undefined });
    assertAdminSecurityHeaders(res);
    assert.equal((await t.admin('GET', '/clients')).status, 200);
  });

  it('serves client ids of 255 characters by path, and answers 414 for longer path segments', async () => {
    const id = 'c'.repeat(255);
    created(await t.admin('POST', '/clients', { client_id: id }));
    assert.equal(ok(await t.admin('GET', `/clients/${id}`)).client_id, id);
    assert.equal((await t.admin('DELETE', `/clients/${id}`)).status, 204);
    const res = await t.admin('GET', `/clients/${'c'.repeat(257)}`);
    assertProblem(res, { status: 414, detail: 'a path segment of the request URL is too long', instance: `/clients/${'c'.repeat(257)}` });
    assertAdminSecurityHeaders(res);
    assertProblem(await rawRequest(`${t.adminUrl}/clients/%zz`, { headers: { authorization: `Bearer ${t.adminToken}` } }), {
      status: 400,
      detail: 'the request URL is malformed (bad percent-encoding)',
      instance: '/clients/%zz',
    });
  });
});
