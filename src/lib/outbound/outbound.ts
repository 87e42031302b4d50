import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { cacheControlMaxAge } from './cache-control.js';
import { checkDestination, systemResolver, type Destination, type DestinationRules, type Resolver } from './destination.js';
import { OutboundError } from './outbound-error.js';

/** An outbound fetch, DNS and body included, ends within 5 s. */
export const OUTBOUND_TIMEOUT_MS = 5_000;
/** At most 256 KiB of body. */
export const OUTBOUND_MAX_BYTES = 256 * 1024;

/**
 * Headers every outbound request carries, whatever the caller adds. Fetch metadata says the
 * request is made for someone else's URL, so a local service that trusts local callers without
 * credentials, but not browsers, refuses it.
 */
export const OUTBOUND_HEADERS: Readonly<Record<string, string>> = { 'sec-fetch-site': 'cross-site', 'user-agent': 'Tessera' };

export interface OutboundOptions extends DestinationRules {
  /** Milliseconds for the whole fetch (default OUTBOUND_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /** Largest body, in bytes (default OUTBOUND_MAX_BYTES). */
  readonly maxBytes?: number;
  /** How host names are resolved (default: the system's resolver). */
  readonly resolve?: Resolver;
}

/** A fetched JSON document, and how long its server says it may be kept. */
export interface FetchedDocument {
  readonly json: unknown;
  /** The response's Cache-Control `max-age` in seconds; null when absent, `no-store`/`no-cache` or unreadable. */
  readonly maxAgeSeconds: number | null;
}

/** Connects to the checked address whatever the name resolves to now: DNS rebinding between check and connect gains nothing. */
function pinnedLookup(destination: Destination): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: destination.address, family: destination.family }]);
    else callback(null, destination.address, destination.family);
  };
}

function describeSize(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

/**
 * GETs JSON documents from URLs others chose (docs/hardening.md, "Outbound fetches"): only https to
 * public addresses, or what the allow list names; every address the host resolves to is checked
 * and the connection is pinned to the checked one (the host name still goes in SNI, the
 * certificate check and Host); no redirects; one deadline and a body limit. Every failure is an
 * OutboundError whose message is the reason.
 */
export class Outbound {
  readonly #rules: DestinationRules;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #resolve: Resolver;

  constructor(options: OutboundOptions) {
    this.#rules = { allow: options.allow, allowName: options.allowName, refuse: options.refuse };
    this.#timeoutMs = options.timeoutMs ?? OUTBOUND_TIMEOUT_MS;
    this.#maxBytes = options.maxBytes ?? OUTBOUND_MAX_BYTES;
    this.#resolve = options.resolve ?? systemResolver;
  }

  /**
   * Why a URL may not be fetched, or null: checked as a fetch would be, before anything is
   * registered. A host that does not resolve (yet) is not refused here; each fetch checks again.
   */
  async refusal(url: string): Promise<string | null> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'not an absolute URL';
    }
    const unresolved = Symbol('unresolved');
    const resolve: Resolver = async (host) => {
      const answer = await Promise.race([this.#resolve(host).catch(() => unresolved), delay(this.#timeoutMs, unresolved, { ref: false })]);
      if (answer === unresolved) throw new Unresolved();
      return answer as string[];
    };
    try {
      await checkDestination(parsed, this.#rules, resolve);
      return null;
    } catch (err) {
      if (!(err instanceof OutboundError)) throw err;
      if (!(err.cause instanceof Unresolved)) return err.message;
      // Nothing to connect to yet: plain http is still refused unless the name is allowed.
      return parsed.protocol === 'http:' && !this.#rules.allow.hasName(parsed.hostname)
        ? `http is only for hosts and addresses in ${this.#rules.allowName}; use https`
        : null;
    }
  }

  /** The JSON document at `url`; `headers` are sent too. Throws an OutboundError saying why not. */
  async fetchJson(url: string, options: { headers?: Readonly<Record<string, string>> } = {}): Promise<unknown> {
    return (await this.fetchDocument(url, options)).json;
  }

  /** The JSON document at `url` with its Cache-Control max-age; `headers` are sent too. Throws an OutboundError saying why not. */
  async fetchDocument(url: string, options: { headers?: Readonly<Record<string, string>> } = {}): Promise<FetchedDocument> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new OutboundError('not an absolute URL');
    }
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#timeoutMs);
    const timedOut = new Promise<never>((_, reject) => {
      deadline.signal.addEventListener('abort', () => reject(new OutboundError(`timed out after ${this.#timeoutMs} ms`)));
    });
    timedOut.catch(() => {});
    try {
      const destination = await Promise.race([checkDestination(parsed, this.#rules, this.#resolve), timedOut]);
      return await Promise.race([this.#get(destination, options.headers ?? {}, deadline.signal), timedOut]);
    } finally {
      clearTimeout(timer);
      deadline.abort();
    }
  }

  #get(destination: Destination, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<FetchedDocument> {
    const maxBytes = this.#maxBytes;
    return new Promise((resolve, reject) => {
      const fail = (reason: string) => reject(new OutboundError(reason));
      const transport = destination.url.protocol === 'https:' ? https : http;
      const request = transport.request(
        destination.url,
        {
          method: 'GET',
          agent: false,
          signal,
          lookup: pinnedLookup(destination),
          headers: { accept: 'application/json', ...headers, ...OUTBOUND_HEADERS },
        },
        (response) => {
          const status = response.statusCode ?? 0;
          if (status !== 200) {
            response.destroy();
            return fail(status >= 300 && status < 400 ? `redirect not followed (HTTP ${status})` : `answered HTTP ${status}`);
          }
          if (Number(response.headers['content-length'] ?? 0) > maxBytes) {
            response.destroy();
            return fail(`body over ${describeSize(maxBytes)}`);
          }
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= maxBytes) return void chunks.push(chunk);
            response.destroy();
            fail(`body over ${describeSize(maxBytes)}`);
          });
          response.on('end', () => {
            try {
              const json: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
              resolve({ json, maxAgeSeconds: cacheControlMaxAge(response.headers['cache-control']) });
            } catch {
              fail('body is not JSON');
            }
          });
          response.on('error', () => fail('the answer was cut short'));
          response.on('close', () => {
            if (!response.complete) fail('the answer was cut short');
          });
        },
      );
      request.on('error', (err: NodeJS.ErrnoException) => fail(`request failed (${err.code ?? err.message})`));
      request.end();
    });
  }
}

/** A host name that did not resolve in time, or at all (registration tolerates it). */
class Unresolved extends Error {}
