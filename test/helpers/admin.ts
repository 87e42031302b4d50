import assert from 'node:assert/strict';
import type { Clock } from '../../src/lib/clock.js';
import { basic, type HttpResult, type TestTessera } from './tessera.js';

/** The `type` URN of each RFC 9457 problem status the admin API answers. */
const PROBLEM_TYPES: Record<number, string> = {
  400: 'urn:tessera:problem:invalid-request',
  401: 'urn:tessera:problem:unauthorized',
  403: 'urn:tessera:problem:forbidden',
  404: 'urn:tessera:problem:not-found',
  409: 'urn:tessera:problem:conflict',
  413: 'urn:tessera:problem:content-too-large',
  414: 'urn:tessera:problem:uri-too-long',
  415: 'urn:tessera:problem:unsupported-media-type',
  422: 'urn:tessera:problem:invalid-input',
  431: 'urn:tessera:problem:request-header-fields-too-large',
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  431: 'Request Header Fields Too Large',
};

export interface ExpectedProblem {
  status: number;
  detail: string;
  /** The request path without its query; undefined for answers given before a route was found (431). */
  instance: string | undefined;
  errors?: { pointer: string; detail: string }[];
  /** Extension members of the problem (RFC 9457 section 3.2), e.g. `excess_scopes`. */
  extensions?: Record<string, unknown>;
}

/** Asserts an exact RFC 9457 answer: status, content type and the whole body. */
export function assertProblem(res: HttpResult, expected: ExpectedProblem): void {
  assert.equal(res.status, expected.status, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json\b/);
  assert.deepEqual(res.body, {
    type: PROBLEM_TYPES[expected.status],
    title: TITLES[expected.status],
    status: expected.status,
    detail: expected.detail,
    ...(expected.instance !== undefined ? { instance: expected.instance } : {}),
    ...(expected.errors ? { errors: expected.errors } : {}),
    ...expected.extensions,
  });
}

/** Asserts a 201 and returns its body. */
export function created(res: HttpResult): any {
  assert.equal(res.status, 201, res.text);
  return res.body;
}

/** Asserts a 200 and returns its body. */
export function ok(res: HttpResult): any {
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/**
 * Follows `next_cursor` from the first page until it is null; every page must hold at most
 * `limit` items and every page but the last exactly `limit`. Returns the items in order.
 */
export async function walkPages(t: TestTessera, path: string, limit: number, token?: string): Promise<{ items: any[]; pages: number }> {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const url: string = `${path}${sep}limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
    const page = ok(await t.admin('GET', url, undefined, token === undefined ? {} : { token }));
    assert.ok(Array.isArray(page.items), url);
    assert.ok(page.items.length <= limit, `${url}: ${page.items.length} items`);
    assert.ok(page.next_cursor === null || typeof page.next_cursor === 'string', url);
    if (page.next_cursor !== null) assert.equal(page.items.length, limit, `${url}: a page before the last is full`);
    items.push(...page.items);
    cursor = page.next_cursor;
    pages += 1;
    assert.ok(pages < 1000, 'pagination does not end');
  } while (cursor !== null);
  return { items, pages };
}

/** A clock the test moves by hand: `{ now: () => value }` with a mutable value. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function manualClock(startIso = '2030-01-01T00:00:00.000Z'): ManualClock {
  let value = Date.parse(startIso);
  return {
    now: () => value,
    advance: (ms) => {
      value += ms;
    },
  };
}

/** POSTs a client_credentials token request with HTTP Basic to `path` on the public listener. */
export function tokenRequest(t: TestTessera, path: string, clientId: string, secret: string, params: Record<string, string> = {}): Promise<HttpResult> {
  return t.form(path, { grant_type: 'client_credentials', ...params }, { authorization: basic(clientId, secret) });
}

/** Asserts the exact 403 of a caller without `scope` (RFC 6750 section 3.1), as docs/security.md#too-few-scopes shows it. */
export function assertInsufficientScope(res: HttpResult, scope: string, instance: string): void {
  assert.equal(res.status, 403, `${instance}: ${res.text}`);
  assert.equal(res.headers.get('www-authenticate'), `Bearer realm="tessera-admin", error="insufficient_scope", scope="${scope}"`);
  assert.deepEqual(res.body, {
    type: 'urn:tessera:problem:forbidden',
    title: 'Forbidden',
    status: 403,
    detail: `this call needs the scope ${scope} (or admin)`,
    instance,
    required_scope: scope,
  });
}
