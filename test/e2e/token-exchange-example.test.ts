import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { importExample, jsonLines, listen, runExample } from '../helpers/examples.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';
import { issueToken } from '../helpers/tokens.js';

// examples/token-exchange, three services that exchange tokens (RFC 8693) with fetch and jose,
// against a real Tessera set up as docs/token-exchange.md does: imported in-process, and run with
// `node`. One store: what is tested is the protocol.

/** What examples/token-exchange exports. */
interface TokenExchangeExample {
  createService(options: {
    name: string;
    issuer: string;
    audience: string;
    clientId?: string;
    clientSecret?: string;
    next?: { url: string; audience: string; scope?: string };
  }): Server;
}

const example = await importExample<TokenExchangeExample>('token-exchange');

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const [B, C, E] = ['https://b.example.com/', 'https://c.example.com/', 'https://e.example.com/'];

/** What E sees at the end of the chain: A's subject, C acting, B inside. */
const SEEN_BY_E = {
  service: 'E',
  saw: {
    sub: 'svc-a',
    client_id: 'svc-c',
    scope: 'orders:read',
    act: { sub: 'svc-c', client_id: 'svc-c', act: { sub: 'svc-b', client_id: 'svc-b' } },
  },
};

describe('examples/token-exchange: a chain of three services', () => {
  let t: TestTessera;
  const secrets: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

  before(async () => {
    t = await startTessera();
    const scopes = [{ value: 'orders:read' }, { value: 'orders:write' }];
    for (const identifier of [B, C, E]) await createOk(t, '/apis', { identifier, scopes });
    secrets.a = (await createClient(t, { client_id: 'svc-a' })).secret;
    secrets.b = (await createClient(t, { client_id: 'svc-b', grant_types: [TOKEN_EXCHANGE] })).secret;
    secrets.c = (await createClient(t, { client_id: 'svc-c', grant_types: [TOKEN_EXCHANGE] })).secret;
    await createOk(t, '/grants', { client_id: 'svc-a', api_identifier: B, scopes: ['orders:read', 'orders:write'] });
    await createOk(t, '/grants', { client_id: 'svc-b', api_identifier: C, scopes: ['orders:read', 'orders:write'] });
    await createOk(t, '/grants', { client_id: 'svc-c', api_identifier: E, scopes: ['orders:read'] });
  });
  after(() => t.close());

  it('in-process: E sees A as the subject and C, then B, in act; B refuses a request without a token', async () => {
    const issuer = t.publicUrl;
    const e = await listen(example.createService({ name: 'E', issuer, audience: E }));
    const c = await listen(
      example.createService({ name: 'C', issuer, audience: C, clientId: 'svc-c', clientSecret: secrets.c, next: { url: `${e.url}/work`, audience: E } }),
    );
    const b = await listen(
      example.createService({
        name: 'B',
        issuer,
        audience: B,
        clientId: 'svc-b',
        clientSecret: secrets.b,
        next: { url: `${c.url}/work`, audience: C, scope: 'orders:read' },
      }),
    );
    try {
      const token = await issueToken(t, { clientId: 'svc-a', secret: secrets.a }, { audience: B });
      const response = await fetch(`${b.url}/work`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200);
      const answer = (await response.json()) as any;
      assert.deepEqual(answer.saw, { sub: 'svc-a', client_id: 'svc-a', scope: 'orders:read orders:write' });
      assert.deepEqual(answer.downstream.saw, { sub: 'svc-a', client_id: 'svc-b', scope: 'orders:read', act: { sub: 'svc-b', client_id: 'svc-b' } });
      assert.deepEqual(answer.downstream.downstream, SEEN_BY_E);
      const refused = await fetch(`${b.url}/work`);
      assert.deepEqual([refused.status, await refused.json()], [401, { error: 'invalid_token' }]);
    } finally {
      await Promise.all([b.close(), c.close(), e.close()]);
    }
  });

  it('as a program: node examples/token-exchange/index.mjs prints the chain and exits 0', async () => {
    const run = runExample('token-exchange', {
      TESSERA_ISSUER: t.publicUrl,
      SVC_A_SECRET: secrets.a,
      SVC_B_SECRET: secrets.b,
      SVC_C_SECRET: secrets.c,
    });
    assert.equal(await run.exited, 0, run.stderr.join(''));
    const [line] = jsonLines(run.stdout);
    assert.equal(line.msg, 'chain');
    assert.equal(line.status, 200);
    assert.deepEqual(line.answer.downstream.downstream, SEEN_BY_E);
  });
});
