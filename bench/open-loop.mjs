// An open-loop load generator (the bench's, never a test): requests are sent at a fixed rate
// whatever the answers do, and each one's latency counts from the moment it was scheduled, not
// from when it could be sent, so a stall of the server shows as the time every request scheduled
// during it waited (no coordinated omission, as wrk2 does it).
//
//   node bench/open-loop.mjs URL RATE SECONDS OUT_FILE
//     env BENCH_CONNECTIONS (default 50), BENCH_PATH (default /oauth2/token),
//         BENCH_BASIC (a file of base64 Basic values, one per line) and/or
//         BENCH_BODIES (a file of bodies, one per line; default grant_type=client_credentials),
//         BENCH_BURST (default 1: evenly spaced; n: n requests scheduled at once every n/RATE s,
//         as `hey -q` sends when its workers' tickers line up),
//         BENCH_WARMUP (default 0: seconds sent at RATE before the SECONDS measured, on the same
//         connections, whose latencies are not counted — wrk2's calibration period: this
//         process's own code warming up and both sides' first requests on fresh connections)
//
// Keep-alive connections over raw sockets, each with one request in flight (HTTP/1.1, no
// pipelining); a request whose time has come waits for a free connection, its wait counted. The
// clock is checked on a 1 ms timer and whenever an answer comes in; every request due is sent
// then. Latencies (µs, Float64) go to OUT_FILE; the last line of stdout is
// `OPEN_LOOP requests=… non200=… errors=… late=… unanswered=… reconnects=… duration_us=…`.
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';

const [url, rateArg, secondsArg, outFile] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const target = new URL(url);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const path = process.env.BENCH_PATH ?? '/oauth2/token';
const lines = (file) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
const basics = process.env.BENCH_BASIC ? lines(process.env.BENCH_BASIC) : [null];
const bodies = process.env.BENCH_BODIES ? lines(process.env.BENCH_BODIES) : ['grant_type=client_credentials'];

/** Every distinct request, built once. */
const requests = [];
for (let i = 0; i < Math.max(basics.length, bodies.length); i++) {
  const basic = basics[i % basics.length];
  const body = bodies[i % bodies.length];
  requests.push(
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: ${target.host}\r\n${basic ? `Authorization: Basic ${basic}\r\n` : ''}` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    ),
  );
}

const burst = Number(process.env.BENCH_BURST ?? 1);
const warmup = Number(process.env.BENCH_WARMUP ?? 0);
/** Requests scheduled in all, warm-up included. */
const total = Math.floor(rate * (warmup + seconds));
const latencies = new Float64Array(total);
let scheduled = 0;
let completed = 0;
/** Answers counted (scheduled after the warm-up). */
let counted = 0;
/** When the counted requests start to be scheduled (µs). */
let countFrom = 0;
let non200 = 0;
let errors = 0;
/** Requests sent later than 1 ms after their time because every connection was busy. */
let late = 0;
let unanswered = 0;
let reconnects = 0;
const waiting = [];
const idle = [];
let t0 = 0;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

const HEAD_END = Buffer.from('\r\n\r\n');
const LENGTH_HEADER = Buffer.from('\r\ncontent-length:');

/** The Content-Length of the answer whose head ends at `end` (0 when absent); the header's name in any case. */
function contentLength(buffer, end) {
  let at = buffer.indexOf(LENGTH_HEADER);
  if (at < 0 || at > end) {
    const m = /\r\ncontent-length: *(\d+)/i.exec(buffer.toString('latin1', 0, end));
    return m ? Number(m[1]) : 0;
  }
  at += LENGTH_HEADER.length;
  while (buffer[at] === 0x20) at++;
  let length = 0;
  for (; buffer[at] >= 0x30 && buffer[at] <= 0x39; at++) length = length * 10 + buffer[at] - 0x30;
  return length;
}

/** One keep-alive connection: sends a request, reads its answer (status line, Content-Length, body). */
function openConnection() {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    const conn = { socket, due: 0, busy: false, buffer: Buffer.alloc(0) };
    socket.on('connect', () => resolve(conn));
    // Closed by the server (its keep-alive timeout, a limit): a request in flight is sent again on
    // a new connection, its wait counted from its scheduled time; a write to the closed socket
    // would be lost without a word.
    socket.on('close', () => {
      if (!t0) return;
      reconnects++;
      const at = idle.indexOf(conn);
      if (at >= 0) idle.splice(at, 1);
      if (conn.busy) waiting.unshift(conn.due);
      openConnection().then(
        (fresh) => {
          idle.push(fresh);
          pump();
        },
        () => errors++,
      );
    });
    socket.on('error', (err) => {
      if (!t0) reject(err);
      errors++;
    });
    socket.on('data', (chunk) => {
      conn.buffer = conn.buffer.length ? Buffer.concat([conn.buffer, chunk]) : chunk;
      // Parsed on the bytes (no string per answer): the generator's own cost is kept low.
      const end = conn.buffer.indexOf(HEAD_END);
      if (end < 0) return;
      const length = contentLength(conn.buffer, end);
      if (conn.buffer.length < end + 4 + length) return;
      const ok = conn.buffer[9] === 0x32 && conn.buffer[10] === 0x30 && conn.buffer[11] === 0x30;
      conn.buffer = conn.buffer.subarray(end + 4 + length);
      if (!ok) non200++;
      conn.busy = false;
      if (conn.due >= countFrom) latencies[counted++] = nowUs() - conn.due;
      if (++completed === total) finish();
      idle.push(conn);
      pump();
    });
  });
}

let sent = 0;
function pump() {
  const now = nowUs();
  // Every request of a burst is due with its first.
  const elapsed = Math.floor(((now - t0) * rate) / 1e6);
  const dueCount = Math.min(total, elapsed - (elapsed % burst) + burst);
  while (scheduled < dueCount) {
    const slot = scheduled - (scheduled % burst);
    scheduled++;
    waiting.push(t0 + Math.round((slot * 1e6) / rate));
  }
  while (waiting.length && idle.length) {
    // The connection idle the longest: every connection stays in use, none reaches the server's keep-alive timeout.
    const conn = idle.shift();
    conn.busy = true;
    conn.due = waiting.shift();
    if (now - conn.due > 1000) late++;
    conn.socket.write(requests[sent++ % requests.length]);
  }
}

let timer;
function finish() {
  clearInterval(timer);
  const durationUs = nowUs() - t0;
  writeFileSync(outFile, Buffer.from(latencies.buffer, 0, counted * 8));
  process.stdout.write(
    `OPEN_LOOP requests=${counted} non200=${non200} errors=${errors} late=${late} unanswered=${unanswered} reconnects=${reconnects} duration_us=${durationUs}\n`,
  );
  process.exit(0);
}

idle.push(...(await Promise.all(Array.from({ length: connections }, openConnection))));
t0 = nowUs();
countFrom = t0 + warmup * 1e6;
timer = setInterval(pump, 1);
pump();
// Answers that never come (an overloaded server): stop 10 s after the last request's time; they
// are reported as unanswered, each at least 10 s late.
setTimeout(
  () => {
    unanswered = total - completed;
    finish();
  },
  (warmup + seconds) * 1000 + 10_000,
).unref();
