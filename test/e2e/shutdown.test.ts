import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { describeEachDialect } from '../helpers/dialects.js';
import { adminCall, spawnTessera, type TesseraProcess } from '../helpers/process.js';
import { basic, storeEnv } from '../helpers/tessera.js';

/** Keep-alive connections sending token requests back to back, as a busy caller's pool does. */
const CONNECTIONS = 16;
/** Answers received before the signal: the load is under way. */
const ANSWERS_BEFORE_SIGNAL = 10 * CONNECTIONS;

/** What became of each token request sent. */
interface Outcome {
  answers: { status: number; connection: string | undefined }[];
  /** Requests written that got no answer (a reset, a connection closed under them). */
  lost: string[];
}

/** One POST on `agent`'s connection; resolves with its answer, or with its error (and whether the request was written). */
function post(
  url: string,
  agent: Agent,
  authorization: string,
): Promise<{ status: number; connection: string | undefined } | { error: NodeJS.ErrnoException; written: boolean }> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      res.on('error', (error) => resolve({ error, written: true }));
    });
    let written = false;
    req.on('finish', () => (written = true));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error, written: written && error.code !== 'ECONNREFUSED' }));
    req.end('grant_type=client_credentials');
  });
}

/**
 * Runs CONNECTIONS loops of token requests until the listener refuses new connections; once
 * ANSWERS_BEFORE_SIGNAL answers have come, sends SIGTERM. Answers every outcome and the exit code.
 */
async function loadThenTerminate(proc: TesseraProcess, authorization: string): Promise<{ outcome: Outcome; code: number | string }> {
  const outcome: Outcome = { answers: [], lost: [] };
  const url = `${proc.publicUrl}/oauth2/token`;
  let signalled = false;
  const loop = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (;;) {
        const result = await post(url, agent, authorization);
        if ('error' in result) {
          // Refused: the listener is closed, and this request was never sent.
          if (!result.written) return;
          outcome.lost.push(`${result.error.code ?? ''} ${result.error.message}`);
          return;
        }
        outcome.answers.push(result);
        if (!signalled && outcome.answers.length >= ANSWERS_BEFORE_SIGNAL) {
          signalled = true;
          proc.child.kill('SIGTERM');
        }
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  return { outcome, code: await proc.exited };
}

describeEachDialect('graceful shutdown under load', (dialect) => {
  const dataDirs: string[] = [];
  after(() => {
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  for (const workers of [1, 2]) {
    it(`SIGTERM with ${workers === 1 ? 'one process' : `${workers} workers`}: every request sent is answered in full, then the process exits 0`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tessera-shutdown-'));
      dataDirs.push(dataDir);
      const adminToken = `shutdown-${randomBytes(16).toString('hex')}`;
      const proc = await spawnTessera({
        ...(await storeEnv(dialect, dataDir)),
        TESSERA_ADMIN_TOKEN: adminToken,
        TESSERA_WORKERS: String(workers),
        TESSERA_BRUTE_FORCE_MAX_FAILURES: '0',
      });
      // Every byte the processes wrote to stdout has been read once the child's streams close.
      const streamsClosed = new Promise((resolve) => proc.child.once('close', resolve));
      const created = await adminCall(proc, adminToken, 'POST', '/clients', { client_id: 'busy-job', audience: ['https://busy.test/'], scope: 'read' });
      assert.equal(created.status, 201);

      const { outcome, code } = await loadThenTerminate(proc, basic('busy-job', created.body.client_secret));
      await streamsClosed;

      assert.deepEqual(outcome.lost, [], 'no request that was sent is lost');
      assert.ok(outcome.answers.length >= ANSWERS_BEFORE_SIGNAL);
      assert.deepEqual(
        outcome.answers.filter((a) => a.status !== 200),
        [],
        'every request is answered normally, none with 503',
      );
      assert.ok(
        outcome.answers.some((a) => a.connection === 'close'),
        'requests that came on kept-alive connections during the drain were answered, with Connection: close',
      );
      assert.equal(
        code,
        0,
        proc.output
          .join('')
          .split('\n')
          .filter((l) => !l.includes('"request'))
          .slice(-8)
          .join('\n'),
      );
      assert.match(proc.output.join(''), /"signal":"SIGTERM","msg":"shutting down"/);
      // Log lines are buffered: those of the last requests answered before the exit are written too.
      const tokenLines = proc.output
        .join('')
        .split('\n')
        .filter((l) => l.includes('"msg":"request completed"') && l.includes('"path":"/oauth2/token"'));
      assert.equal(tokenLines.length, outcome.answers.length, 'one `request completed` line for every token request answered');
    });
  }
});
