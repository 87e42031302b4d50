import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyBaseLogger } from 'fastify';
import { createLogger } from '../../src/app/logger.js';
import { requestCompletedWriter, type CompletedTokenRequest } from '../../src/http/public/request-completed-line.js';

/** A logger as the public listener has one (a child with its binding), writing into `lines`. */
function publicLogger(lines: string[]): FastifyBaseLogger {
  return createLogger('info', { write: (line: string) => void lines.push(line) }).child({ listener: 'public' });
}

/** The line pino itself writes for the same request. */
function pinoLine(line: CompletedTokenRequest): string {
  const lines: string[] = [];
  const { reqId, path, remoteAddress, statusCode, responseTime, fields } = line;
  publicLogger(lines).info({ reqId, req: { method: 'POST', url: path, ip: remoteAddress }, res: { statusCode }, responseTime, ...fields }, 'request completed');
  return lines[0]!;
}

/** The line the writer writes. */
function writtenLine(line: CompletedTokenRequest): string {
  const lines: string[] = [];
  requestCompletedWriter(publicLogger(lines))(line);
  assert.equal(lines.length, 1);
  return lines[0]!;
}

/** A line without its clock, which differs between two writes. */
const timeless = (line: string): string => line.replace(/"time":\d+,/, '');

const request = (fields: CompletedTokenRequest['fields'], more: Partial<CompletedTokenRequest> = {}): CompletedTokenRequest => ({
  reqId: 'f3b2a1c4-1234-4abc-9def-0123456789ab',
  path: '/t/acme/oauth2/token',
  remoteAddress: '10.0.0.7',
  statusCode: 200,
  responseTime: 1.2345,
  fields,
  ...more,
});

describe('the token path’s request completed line', () => {
  it('is the very line pino writes: same fields, same order, same values', () => {
    for (const line of [
      request({ tenant: 'acme', client_id: 'billing' }),
      request({
        tenant: 'acme',
        client_id: 'ci',
        federated_iss: 'https://token.actions.githubusercontent.com',
        federated_sub: 'repo:acme/app:ref:refs/heads/main',
      }),
      request({ tenant: 'acme', client_id: 'gateway', subject_sub: 'orders', actors: [{ sub: 'gateway', client_id: 'gateway' }] }),
      request({ tenant: 'acme' }, { statusCode: 401, path: '/oauth2/token?x=1', responseTime: 0.25 }),
      request(null, { statusCode: 400 }),
      request({ tenant: 'acme', client_id: undefined }),
    ]) {
      const written = writtenLine(line);
      assert.equal(timeless(written), timeless(pinoLine(line)));
      assert.ok(written.endsWith('}\n'));
      const parsed = JSON.parse(written);
      assert.equal(parsed.msg, 'request completed');
      assert.equal(parsed.listener, 'public');
    }
  });

  it('is the line pino writes whatever the strings hold (quotes, control characters, any code point)', () => {
    fc.assert(
      fc.property(
        fc.record({
          reqId: fc.string(),
          path: fc.string(),
          remoteAddress: fc.string(),
          tenant: fc.string(),
          client: fc.string({ unit: 'binary' }),
          ms: fc.double({ noNaN: true }),
        }),
        ({ reqId, path, remoteAddress, tenant, client, ms }) => {
          const line = request({ tenant, client_id: client }, { reqId, path, remoteAddress, responseTime: Math.abs(ms) });
          const written = writtenLine(line);
          assert.deepEqual(JSON.parse(written), { ...JSON.parse(pinoLine(line)), time: JSON.parse(written).time });
        },
      ),
    );
  });

  it('leaves to pino a line with a field of another kind, which redaction may concern', () => {
    const line = request({ tenant: 'acme', client_secret: 's-should-not-appear' });
    const written = writtenLine(line);
    assert.ok(!written.includes('s-should-not-appear'), written);
    assert.equal(JSON.parse(written).client_secret, '[redacted]');
    assert.equal(timeless(written), timeless(pinoLine(line)));
  });

  it('logs through the logger when it is not a plain pino logger', () => {
    const calls: unknown[][] = [];
    const logger = { info: (...args: unknown[]) => void calls.push(args) } as unknown as FastifyBaseLogger;
    requestCompletedWriter(logger)(request({ tenant: 'acme', client_id: 'billing' }));
    assert.deepEqual(calls, [
      [
        {
          reqId: request(null).reqId,
          req: { method: 'POST', url: '/t/acme/oauth2/token', ip: '10.0.0.7' },
          res: { statusCode: 200 },
          responseTime: 1.2345,
          tenant: 'acme',
          client_id: 'billing',
        },
        'request completed',
      ],
    ]);
  });
});
