import { request } from 'node:http';
import type { HttpResult } from './tessera.js';

/**
 * POSTs a form to `url` from a chosen loopback source address (127.0.0.2, 127.0.0.3, …: all of
 * 127/8 is loopback on Linux), so that tests can play several callers with distinct addresses.
 */
export function postFormFrom(
  localAddress: string,
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const body = new URLSearchParams(params).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const responseHeaders = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) responseHeaders.set(k, Array.isArray(v) ? v.join(', ') : v);
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: responseHeaders, text, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
