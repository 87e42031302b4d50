// The load generator of the TLS scenarios of bench/run.mjs. wrk speaks HTTPS but cannot present
// a client certificate (no option, nothing in its Lua API), so the mutual TLS scenarios drive
// every server they compare — Tessera over plain HTTP, Tessera over mutual TLS and the bare
// node:https server — with this one program, so that the load generator costs the same in each.
//
//   node bench/tls-load.mjs '<json>'   prints BENCH_RESULT … like bench/token.lua, or BENCH_CHECKED
//
// The JSON: { url, path, body, headers, connections, duration (s), keepAlive, cert, key, ca (file
// names; cert and key only for TLS), check (one request, its answer checked in full), thumbprint
// (with check: the token's cnf["x5t#S256"] must be this), latencies (a file to write every
// request's latency to, in µs, for bench/run.mjs to merge those of several processes) }.
//
// `connections` loops each send a request, wait for the whole answer and send the next. With
// keepAlive an agent keeps one connection per loop open; without it every request opens a new
// connection (TLS 1.3, a full handshake with the client certificate: the agent keeps no TLS
// session, so none is resumed) and the server is asked to close it after the answer. The
// certificates are parsed once into one TLS context shared by every connection, as a real client
// would keep them.
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createSecureContext } from 'node:tls';

const options = JSON.parse(process.argv[2]);
const tls = options.url.startsWith('https:');
const file = (name) => (name ? readFileSync(name) : undefined);
const agentOptions = {
  keepAlive: options.keepAlive,
  maxSockets: options.connections,
  ...(tls
    ? {
        secureContext: createSecureContext({ cert: file(options.cert), key: file(options.key), ca: file(options.ca), minVersion: 'TLSv1.3' }),
        minVersion: 'TLSv1.3',
        maxCachedSessions: 0,
      }
    : {}),
};
const agent = tls ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
const send = tls ? httpsRequest : httpRequest;
const target = new URL(options.path, options.url);
const headers = {
  'content-type': 'application/x-www-form-urlencoded',
  'content-length': Buffer.byteLength(options.body),
  ...(options.keepAlive ? {} : { connection: 'close' }),
  ...options.headers,
};

/** One request: resolves { status, text } once the whole answer is read, or rejects on a socket error. */
function once() {
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'POST', agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A request's answer checked in full: 200, an access token, and (when asked) its cnf thumbprint. */
async function check() {
  const { status, text } = await once();
  let body = {};
  try {
    body = JSON.parse(text);
  } catch {}
  if (status !== 200 || typeof body.access_token !== 'string') throw new Error(`${target} answered ${status} ${text}`);
  if (options.thumbprint) {
    const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    if (claims.cnf?.['x5t#S256'] !== options.thumbprint)
      throw new Error(`the token's cnf is ${JSON.stringify(claims.cnf)}, not {"x5t#S256":"${options.thumbprint}"}`);
  }
  process.stdout.write('BENCH_CHECKED\n');
}

/** `connections` loops for `duration` seconds; prints the counts and latency percentiles. */
async function load() {
  const latencies = [];
  let non200 = 0;
  let errors = 0;
  const started = process.hrtime.bigint();
  const end = started + BigInt(Math.round(options.duration * 1e9));
  const loop = async () => {
    while (process.hrtime.bigint() < end) {
      const t0 = process.hrtime.bigint();
      try {
        const { status } = await once();
        if (status !== 200) non200++;
      } catch {
        errors++;
        continue;
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, loop));
  const durationUs = Number(process.hrtime.bigint() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  if (options.latencies) writeFileSync(options.latencies, latencies.map(Math.round).join('\n'));
  const at = (q) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  process.stdout.write(
    `BENCH_RESULT requests=${latencies.length} non200=${non200} errors=${errors} p50_us=${at(0.5)} p99_us=${at(0.99)} duration_us=${Math.round(durationUs)}\n`,
  );
}

await (options.check ? check() : load());
