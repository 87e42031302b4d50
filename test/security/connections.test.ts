import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDialect } from '../helpers/dialects.js';
import { eventually } from '../helpers/eventually.js';
import { createClient } from '../helpers/fixtures.js';
import { rawConnection } from '../helpers/raw-http.js';
import { basic, startTessera, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://slow.test/';
/** Each test waits on the server (a close, an answer); on a server that never closes, it fails here rather than hang. */
const BOUNDED = { timeout: 15_000 };

/** The request line and headers of a POST that promises a body of `length` bytes. */
function postHead(path: string, contentType: string, length: number, extra = ''): string {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nContent-Length: ${length}\r\n${extra}\r\n`;
}

/** The status line, headers (lower-cased names) and body of the one answer in `raw`. */
function parseAnswer(raw: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = raw.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

/** Sends `head` and part of the body it promises, then nothing more: answers what the server sent once it closed the connection. */
async function stallBody(baseUrl: string, head: string, part: string): Promise<ReturnType<typeof parseAnswer>> {
  const connection = rawConnection(baseUrl);
  await connection.opened;
  connection.write(head + part);
  return parseAnswer(await connection.closed);
}

describeEachDialect('connection limits: stalled requests and kept-alive connections', (dialect) => {
  let t: TestTessera;
  let auth: string;

  before(async () => {
    t = await startTessera({
      dialect,
      env: { TESSERA_HTTP_REQUEST_TIMEOUT: '2', TESSERA_HTTP_HEADERS_TIMEOUT: '1', TESSERA_HTTP_MAX_REQUESTS_PER_SOCKET: '3' },
    });
    const client = await createClient(t, { client_id: 'slow-job', audience: [AUD], scope: 'read' });
    auth = basic(client.clientId, client.secret);
  });
  after(() => t.close());

  const form = 'application/x-www-form-urlencoded';

  it('answers 408 and closes the connection when a form body to the token endpoint stalls (the direct path)', BOUNDED, async () => {
    const answer = await stallBody(t.publicUrl, postHead('/oauth2/token', form, 100, `Authorization: ${auth}\r\n`), 'grant_type=client_');
    assert.equal(answer.status, 408, JSON.stringify(answer));
    assert.equal(answer.headers.connection, 'close');
    assert.deepEqual(JSON.parse(answer.body), { error: 'invalid_request', error_description: 'The request took too long to arrive.' });
  });

  it('answers 408 when a body read by Fastify stalls: JSON to the token endpoint, a form to revocation', BOUNDED, async () => {
    for (const [path, type, part] of [
      ['/oauth2/token', 'application/json', '{"grant_type":'],
      ['/oauth2/revoke', form, 'token=abc'],
    ] as const) {
      const answer = await stallBody(t.publicUrl, postHead(path, type, 200, `Authorization: ${auth}\r\n`), part);
      assert.equal(answer.status, 408, `${path}: ${JSON.stringify(answer)}`);
      assert.equal(answer.headers.connection, 'close');
      assert.equal(JSON.parse(answer.body).error, 'invalid_request');
    }
  });

  it('answers 408 in problem+json when a body to the admin API stalls', BOUNDED, async () => {
    const answer = await stallBody(t.adminUrl, postHead('/clients', 'application/json', 300, `Authorization: Bearer ${t.adminToken}\r\n`), '{"client_id":"x');
    assert.equal(answer.status, 408, JSON.stringify(answer));
    assert.equal(answer.headers.connection, 'close');
    assert.match(answer.headers['content-type'] ?? '', /^application\/problem\+json/);
    assert.equal(JSON.parse(answer.body).title, 'Request Timeout');
  });

  it('answers 408 to headers that never end, and closes a connection that sends nothing without a word', BOUNDED, async () => {
    for (const url of [t.publicUrl, t.adminUrl]) {
      const partial = rawConnection(url);
      const silent = rawConnection(url);
      await Promise.all([partial.opened, silent.opened]);
      partial.write('POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty');
      const [afterPartial, afterNothing] = await Promise.all([partial.closed, silent.closed]);
      assert.equal(parseAnswer(afterPartial).status, 408, afterPartial);
      assert.equal(afterNothing, '', 'nothing asked, nothing answered');
    }
  });

  it('closes a kept-alive connection after TESSERA_HTTP_MAX_REQUESTS_PER_SOCKET requests, saying so on the last answer', BOUNDED, async () => {
    for (const [url, path] of [
      [t.publicUrl, '/.well-known/jwks.json'],
      [t.adminUrl, '/health/alive'],
    ] as const) {
      const connection = rawConnection(url);
      await connection.opened;
      for (let i = 1; i <= 3; i++) {
        connection.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        await connection.receives(new RegExp(`(HTTP/1\\.1 200 [^]*?){${i}}`));
      }
      const answers = (await connection.closed).split(/(?=HTTP\/1\.1 )/).map(parseAnswer);
      assert.equal(answers.length, 3);
      assert.deepEqual(
        answers.map((a) => a.headers.connection),
        ['keep-alive', 'keep-alive', 'close'],
      );
    }
  });
});

describeEachDialect('connection limits: the connection cap', (dialect) => {
  let t: TestTessera;

  before(async () => {
    t = await startTessera({ dialect, env: { TESSERA_HTTP_MAX_CONNECTIONS: '2' } });
  });
  after(() => t.close());

  it('closes a connection beyond TESSERA_HTTP_MAX_CONNECTIONS at once, while the ones before it are served', BOUNDED, async () => {
    const first = [rawConnection(t.publicUrl), rawConnection(t.publicUrl)];
    await Promise.all(first.map((c) => c.opened));
    const extra = rawConnection(t.publicUrl);
    await extra.opened;
    assert.equal(await extra.closed, '', 'the extra connection is closed without an answer');
    for (const connection of first) {
      connection.write('GET /.well-known/jwks.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      assert.equal(parseAnswer(await connection.closed).status, 200);
    }
  });
});

describeEachDialect('an aborted upload is not an outage', (dialect) => {
  let t: TestTessera;

  before(async () => {
    // Debug: the `incoming request` line says the server has read the headers.
    t = await startTessera({ dialect, env: { TESSERA_LOG_LEVEL: 'debug' } });
  });
  after(() => t.close());

  /** The log lines of request `id`, parsed. */
  const linesOf = (id: string) => t.logs.map((l) => JSON.parse(l) as { reqId?: string; msg: string; level: number }).filter((l) => l.reqId === id);

  it('logs a client that resets mid-body as an aborted request, not as the database being unavailable, and stays ready', BOUNDED, async () => {
    const cases = [
      ['the token endpoint through Fastify', t.publicUrl, '/oauth2/token', 'application/json'],
      ['the admin API', t.adminUrl, '/clients', 'application/json'],
      ['the direct token path', t.publicUrl, '/oauth2/token', 'application/x-www-form-urlencoded'],
    ] as const;
    for (const [i, [what, url, path, type]] of cases.entries()) {
      const id = `aborted-upload-${i}`;
      const connection = rawConnection(url);
      await connection.opened;
      connection.write(postHead(path, type, 100, `X-Request-Id: ${id}\r\nAuthorization: Bearer ${t.adminToken}\r\n`) + '{"grant_type');
      await eventually(`${what}: the request is read`, async () => linesOf(id).some((l) => l.msg === 'incoming request'), { withinMs: 5_000 });
      connection.destroy();
      // The request's end, as the log tells it.
      await eventually(`${what}: the request's end is logged`, async () => linesOf(id).some((l) => l.msg !== 'incoming request'), { withinMs: 5_000 });
      assert.deepEqual(
        linesOf(id).map((l) => [l.level, l.msg]),
        [
          [20, 'incoming request'],
          [30, 'request aborted'],
        ],
        what,
      );
    }
    assert.deepEqual(
      t.logs.filter((l) => /database is unavailable|temporarily_unavailable/.test(l)),
      [],
    );
    const ready = await fetch(`${t.adminUrl}/health/ready`);
    assert.equal(ready.status, 200);
  });
});
