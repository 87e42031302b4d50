// The two ceilings the benchmark compares against: RSA-2048 signatures per second with
// node:crypto on every core, and a bare node:http server answering a fixed JSON body.
import { createServer } from 'node:http';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const mode = process.argv[2];

if (mode === 'http') {
  const body = JSON.stringify({ access_token: 'x'.repeat(600), token_type: 'Bearer', expires_in: 3600, scope: 'read' });
  createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  }).listen(Number(process.argv[3]), '127.0.0.1', () => process.stdout.write('CEILING_READY\n'));
} else if (mode === 'rsa') {
  const seconds = Number(process.argv[3] ?? 5);
  const code = `
    const { generateKeyPairSync, sign } = require('node:crypto');
    const { parentPort } = require('node:worker_threads');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const data = Buffer.alloc(600, 1);
    const end = Date.now() + ${seconds * 1000};
    let n = 0;
    while (Date.now() < end) { sign('sha256', data, privateKey); n++; }
    parentPort.postMessage(n);`;
  const cores = availableParallelism();
  const counts = await Promise.all(
    Array.from({ length: cores }, () => new Promise((resolve) => new Worker(code, { eval: true }).once('message', resolve))),
  );
  process.stdout.write(`${JSON.stringify({ rsa2048_signs_per_s: Math.round(counts.reduce((a, b) => a + b, 0) / seconds), cores })}\n`);
}
