import { CliError, EXIT } from './errors.js';

/** How long one request of the CLI may take, body included. */
const TIMEOUT_MS = 30_000;

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  readonly json: unknown;
}

/** Checks that a URL given on the command line is an absolute http(s) URL; wrong usage otherwise. */
export function httpUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(EXIT.usage, `${what} must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(EXIT.usage, `${what} must be an http(s) URL, got "${value}"`);
  return url;
}

/** Sends one request; a server that cannot be reached (or does not answer within `timeoutMs`) is exit code 3. */
export async function send(url: URL, init: RequestInit, timeoutMs = TIMEOUT_MS): Promise<HttpAnswer> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { ...init, signal, redirect: 'manual' });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = signal.aborted ? `no answer within ${timeoutMs / 1000} s` : cause?.message || cause?.code || (err as Error).message;
    throw new CliError(EXIT.unreachable, `could not reach ${url.origin}: ${why}`);
  }
}
