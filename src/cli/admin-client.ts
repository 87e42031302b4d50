import { ProblemError, type ProblemDocument } from './errors.js';
import { httpUrl, send, type HttpAnswer } from './http.js';

/** Where and as whom the CLI calls the admin API. */
export interface AdminConnection {
  /** Base URL of the admin listener, e.g. http://127.0.0.1:4445. */
  readonly endpoint: string;
  /** The admin token or access token; absent in loopback mode. Never printed. */
  readonly token?: string | undefined;
  /** What to do when the admin API answers 401: where the token came from, and how to give another. */
  readonly unauthorizedHint?: string | undefined;
  /** The tenant whose resources are meant: `/tenants/{tenant}/…`; absent = the root paths (tenant default). */
  readonly tenant?: string | undefined;
  /** `?reason=` sent with every mutation, recorded in the audit log. */
  readonly reason?: string | undefined;
  /** How long one request may take; default 30 s (an apply of a large document takes longer). */
  readonly timeoutMs?: number | undefined;
}

/** Query parameters; undefined values are left out. */
export type Query = Record<string, string | number | undefined>;

/** A page of a list, as every list of the admin API answers (docs/api.md, "Lists and pagination"). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Encodes one path segment (an id given on the command line). */
export const segment = (value: string) => encodeURIComponent(value);

/**
 * A small client of the admin API: base URL, bearer token, tenant prefix and `?reason=` on
 * mutations; a problem+json answer becomes a ProblemError (exit 1, or 4 for 401/403).
 */
export class AdminClient {
  private readonly base: URL;

  constructor(private readonly connection: AdminConnection) {
    this.base = httpUrl(connection.endpoint, '--endpoint (TESSERA_ADMIN_URL)');
  }

  /** A path of the selected tenant's resources (`/clients` → `/tenants/acme/clients`). */
  tenantPath(path: string): string {
    return this.connection.tenant === undefined ? path : `/tenants/${segment(this.connection.tenant)}${path}`;
  }

  get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T>(path: string, body: unknown = {}, query: Query = {}): Promise<T> {
    return this.request<T>('POST', path, { body, query });
  }

  /** A GET answered in another format than JSON (e.g. YAML, with `accept`): its body as text. */
  async text(path: string, query: Query, accept: string): Promise<string> {
    return (await this.exchange('GET', path, { query, accept })).text;
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, { body });
  }

  async delete(path: string): Promise<void> {
    await this.request<unknown>('DELETE', path, {});
  }

  /** One page, or with `all` every page (following next_cursor), as one list. */
  async list<T>(path: string, query: Query, all: boolean): Promise<Page<T>> {
    const first = await this.get<Page<T>>(path, query);
    if (!all) return first;
    const items = [...first.items];
    for (let cursor = first.next_cursor; cursor !== null;) {
      const page = await this.get<Page<T>>(path, { ...query, cursor });
      items.push(...page.items);
      cursor = page.next_cursor;
    }
    return { items, next_cursor: null };
  }

  private async request<T>(method: string, path: string, options: { query?: Query; body?: unknown }): Promise<T> {
    return (await this.exchange(method, path, options)).json as T;
  }

  /** Sends one request; any answer but 2xx becomes a ProblemError. */
  private async exchange(method: string, path: string, options: { query?: Query; body?: unknown; accept?: string }): Promise<HttpAnswer> {
    const url = new URL(this.base.pathname.replace(/\/+$/, '') + path, this.base);
    const query: Query = { ...options.query, ...(method !== 'GET' ? { reason: this.connection.reason } : {}) };
    for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    if (this.connection.token !== undefined) headers.authorization = `Bearer ${this.connection.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const body = options.body !== undefined ? { body: JSON.stringify(options.body) } : {};
    const answer = await send(url, { method, headers, ...body }, this.connection.timeoutMs);
    if (answer.status >= 200 && answer.status < 300) return answer;
    const document = answer.json as ProblemDocument | undefined;
    // Something other than the admin API (a proxy, the public listener) may answer: show the start of its body.
    const start = answer.text.slice(0, 200);
    const problem: ProblemDocument = typeof document?.title === 'string' ? document : start ? { detail: start } : {};
    throw new ProblemError(answer.status, problem, answer.status === 401 ? this.connection.unauthorizedHint : undefined);
  }
}
