// The two ceilings the benchmark compares against: RSA-2048 signatures per second with
// node:crypto on every core, and a bare node:http server answering a fixed JSON body. Also
// references for RS256 and ES256: the least a node:http server can do per token. And the bare
// node:https server of the TLS scenarios.
import cluster from 'node:cluster';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

const mode = process.argv[2];

/** Answers every request, once its body is read, with a fixed JSON body of the size of a token response. */
function fixedAnswer(req, res) {
  const body = JSON.stringify({ access_token: 'x'.repeat(600), token_type: 'Bearer', expires_in: 3600, scope: 'read' });
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}

if (mode === 'http') {
  createServer(fixedAnswer).listen(Number(process.argv[3]), '127.0.0.1', () => process.stdout.write('CEILING_READY\n'));
} else if (mode === 'https') {
  // node bench/ceilings.mjs https PORT WORKERS CERT KEY: one process per worker, as tessera serve,
  // each a node:https server with the same certificate and TLS options as Tessera's listener
  // (src/http/connection-limits.ts: a client certificate requested, not required, and not checked
  // by TLS), answering the fixed body.
  const [port, workers, cert, key] = process.argv.slice(3);
  if (cluster.isPrimary) {
    let ready = 0;
    for (let i = 0; i < Number(workers); i++) cluster.fork().on('message', () => ++ready === Number(workers) && process.stdout.write('CEILING_READY\n'));
  } else {
    const tls = { cert: readFileSync(cert), key: readFileSync(key), requestCert: true, rejectUnauthorized: false, minVersion: 'TLSv1.2' };
    createHttpsServer(tls, fixedAnswer).listen(Number(port), '127.0.0.1', () => process.send('listening'));
  }
} else if (mode === 'http-rs256' || mode === 'http-es256') {
  // One process per worker, as tessera serve: each reads the body, builds the claims of an access
  // token, signs it and answers the token response — RSA-2048 on the thread pool, P-256 on the
  // event loop (as Tessera signs each). No client authentication, no checks, no metrics: what is
  // left of a token server on node:http.
  const workers = Number(process.argv[4] ?? availableParallelism());
  if (cluster.isPrimary) {
    let ready = 0;
    for (let i = 0; i < workers; i++) cluster.fork().on('message', () => ++ready === workers && process.stdout.write('CEILING_READY\n'));
  } else {
    const rs256 = mode === 'http-rs256';
    const { privateKey } = rs256 ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = rs256 ? privateKey : { key: privateKey, dsaEncoding: 'ieee-p1363' };
    const header = Buffer.from(JSON.stringify({ alg: rs256 ? 'RS256' : 'ES256', typ: 'at+jwt', kid: 'reference' })).toString('base64url');
    const answer = (res, input, signature) => {
      const body = JSON.stringify({ access_token: `${input}.${signature.toString('base64url')}`, token_type: 'Bearer', expires_in: 3600, scope: 'read' });
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const now = Math.floor(Date.now() / 1000);
        const claims = {
          iss: 'http://127.0.0.1/',
          sub: 'bench',
          aud: 'https://api.bench/',
          client_id: 'bench',
          scope: 'read',
          iat: now,
          exp: now + 3600,
          jti: randomBytes(16).toString('base64url'),
        };
        const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
        if (rs256) sign('sha256', Buffer.from(input), key, (err, signature) => answer(res, input, signature));
        else answer(res, input, sign('sha256', Buffer.from(input), key));
      });
    }).listen(Number(process.argv[3]), '127.0.0.1', () => process.send('listening'));
  }
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
  const counts = await Promise.all(Array.from({ length: cores }, () => new Promise((resolve) => new Worker(code, { eval: true }).once('message', resolve))));
  process.stdout.write(`${JSON.stringify({ rsa2048_signs_per_s: Math.round(counts.reduce((a, b) => a + b, 0) / seconds), cores })}\n`);
}
