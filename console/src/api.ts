import type { Page, Problem, Whoami } from './types';

/** A failed admin API call: the RFC 9457 problem it answered, its field errors by field name. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problem ? problem.detail : `the admin API answered ${status}`);
  }

  /** Field errors by the JSON Pointer's first segment (`/user_name` → `user_name`). */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem?.errors ?? []) {
      const name = e.pointer.split('/')[1] ?? '';
      out[name] = out[name] ? `${out[name]}; ${e.detail}` : e.detail;
    }
    return out;
  }
}

/** The message to show for any thrown value. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = err.problem?.errors ?? [];
    const first = fields[0];
    return first !== undefined && !err.message.includes(first.detail)
      ? `${err.message}: ${fields.map((f) => `${f.pointer} ${f.detail}`).join('; ')}`
      : err.message;
  }
  if (err instanceof TypeError) return 'Tessera did not answer: is it still running?';
  return err instanceof Error ? err.message : String(err);
}

export type Query = Record<string, string | number | undefined | null>;

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

/**
 * Calls the admin API of this origin with `Authorization: Bearer`: no cookies are ever sent or
 * set, so no other site can make the browser act for the operator (no CSRF).
 */
export class AdminApi {
  constructor(
    readonly token: string,
    readonly tenant: string,
    private readonly onUnauthorized: () => void = () => {},
  ) {}

  /** A path under the current tenant. */
  t(path: string): string {
    return `/tenants/${encodeURIComponent(this.tenant)}${path}`;
  }

  async request<T>(method: string, path: string, options: { body?: unknown; query?: Query } = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${path}${queryString(options.query)}`, {
      method,
      headers,
      credentials: 'omit',
      cache: 'no-store',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    const body: unknown = text ? JSON.parse(text) : null;
    if (!response.ok) {
      if (response.status === 401) this.onUnauthorized();
      const problem = body && typeof body === 'object' && 'detail' in body ? (body as Problem) : null;
      throw new ApiError(response.status, problem);
    }
    return body as T;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, query === undefined ? {} : { query });
  }

  /** Every page of a list (the console's lists are small; at most `max` items). */
  async all<T>(path: string, query: Query = {}, max = 1000): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<T> = await this.get<Page<T>>(path, { ...query, limit: 200, cursor });
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor !== null && items.length < max);
    return items;
  }

  post<T>(path: string, body: unknown = {}, reason?: string): Promise<T> {
    return this.request<T>('POST', path, { body, query: { reason } });
  }

  patch<T>(path: string, body: unknown, reason?: string): Promise<T> {
    return this.request<T>('PATCH', path, { body, query: { reason } });
  }

  delete(path: string, reason?: string): Promise<null> {
    return this.request<null>('DELETE', path, { query: { reason } });
  }
}

/** Signs in: checks the token with `GET /whoami`, which any valid token may call, and returns what it may do. */
export function signIn(token: string): Promise<Whoami> {
  return new AdminApi(token, 'default').get<Whoami>('/whoami');
}
