import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { HttpResult } from './tessera.js';

export interface RawRequest {
  method?: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** Source address, e.g. 127.0.0.2 (all of 127/8 is loopback on Linux): a caller of its own. */
  localAddress?: string;
  /** Send the body in two chunks with `Transfer-Encoding: chunked` instead of a Content-Length. */
  chunked?: boolean;
  /** For an https:// URL: the CA that signed the server's certificate, and a client certificate and key (PEM) to present. */
  tls?: { ca: string; cert?: string; key?: string };
}

/**
 * One request through node:http (node:https for an https:// URL), which sends what fetch would refuse or normalise (any method,
 * oversized headers, a chosen source address); a connection the server closes without an answer
 * is status 0.
 */
export function rawRequest(url: string, options: RawRequest = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(
      url,
      {
        ...options.tls,
        method: options.method ?? 'GET',
        // A body always states its length: without it Node sends a GET's or HEAD's body as a pipelined next request.
        headers: {
          ...(options.body !== undefined ? (options.chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': Buffer.byteLength(options.body) }) : {}),
          ...options.headers,
        },
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
          let body: unknown;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers, text, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') resolve({ status: 0, headers: new Headers(), text: '', body: undefined });
      else reject(err);
    });
    if (options.chunked && options.body !== undefined) {
      const body = Buffer.from(options.body);
      const half = Math.ceil(body.length / 2);
      if (half > 0) req.write(body.subarray(0, half));
      req.end(body.subarray(half));
    } else {
      req.end(options.body);
    }
  });
}

/** Headers whose value differs per answer by nature. */
const VARYING = new Set(['date', 'x-request-id', 'content-length']);

/** An answer's headers, with those that differ per answer by nature (date, request id, length) as `*`: what two equal answers share. */
export function headerShape(res: HttpResult): Record<string, string> {
  const shape: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    shape[name] = VARYING.has(name) ? '*' : value;
  });
  return shape;
}

/** POSTs a form to `url` from a chosen loopback source address. */
export function postFormFrom(localAddress: string, url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<HttpResult> {
  const body = new URLSearchParams(params).toString();
  return rawRequest(url, {
    method: 'POST',
    localAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...headers },
    body,
  });
}

/** A TCP connection to a listener, written to by hand: what the server answers, and when it closes. */
export interface RawConnection {
  /** Resolves once the connection is open. */
  readonly opened: Promise<void>;
  write(data: string): void;
  /** Everything the server has sent so far (latin1). */
  received(): string;
  /** Resolves once the server has sent `pattern` (rejects if the connection closes first). */
  receives(pattern: RegExp): Promise<string>;
  /** Resolves with everything the server sent once the connection has closed (a reset included). */
  readonly closed: Promise<string>;
  /** Resets the connection from this side. */
  destroy(): void;
}

/** Opens a raw connection to the listener at `baseUrl` (http://127.0.0.1:port). */
export function rawConnection(baseUrl: string): RawConnection {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  let answer = '';
  const waiting: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    answer += chunk.toString('latin1');
    for (const wake of waiting.splice(0)) wake();
  });
  // A reset ends the connection like a close; what was sent before it is kept.
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) =>
    socket.on('close', () => {
      for (const wake of waiting.splice(0)) wake();
      resolve(answer);
    }),
  );
  return {
    opened: new Promise((resolve) => socket.once('connect', () => resolve())),
    write: (data) => void socket.write(data),
    received: () => answer,
    receives: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(answer)) resolve(answer);
          else if (socket.destroyed) reject(new Error(`connection closed before ${pattern}: ${JSON.stringify(answer)}`));
          else waiting.push(check);
        };
        check();
      }),
    closed,
    destroy: () => void socket.resetAndDestroy(),
  };
}
