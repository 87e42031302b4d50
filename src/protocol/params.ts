import { jsonNestedDeeperThan, MAX_JSON_DEPTH } from '../lib/json-depth.js';
import { invalidRequest, OAuthError } from './errors.js';

/** Longest parameter value, in characters: room for a client_assertion with a certificate chain. */
export const MAX_PARAMETER_LENGTH = 8192;
/** Longest parameter name. */
export const MAX_PARAMETER_NAME_LENGTH = 128;
/** Most parameters (counting repeats) in one request. */
export const MAX_PARAMETERS = 100;

/**
 * C0 controls, DEL and C1 controls. No OAuth parameter carries one legitimately: client ids and
 * secrets are VSCHAR (RFC 6749 Appendix A.1, A.2), scope tokens NQCHAR (A.4), targets are URIs
 * and assertions base64url JWTs; a NUL would also be refused by PostgreSQL.
 */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** The parameters of a token-endpoint-style request, every value kept (RFC 6749 §3.2). */
export class RequestParams {
  constructor(private readonly values: ReadonlyMap<string, readonly string[]>) {}

  /** The single value of `name`; parameters without a value count as omitted (RFC 6749 §3.1). */
  get(name: string): string | undefined {
    return this.values.get(name)?.[0];
  }

  all(name: string): readonly string[] {
    return this.values.get(name) ?? [];
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  names(): string[] {
    return [...this.values.keys()];
  }

  /** Rejects any parameter given more than once, except those allowed to repeat. RFC 6749 §3.2. */
  assertSingle(repeatable: readonly string[]): void {
    for (const [name, list] of this.values) {
      if (list.length > 1 && !repeatable.includes(name)) throw invalidRequest(`The ${name} parameter was given more than once.`);
    }
  }
}

/** Client credentials and other parameters belong in the body, never the URL (RFC 6749 §2.3.1, §3.2). */
export function assertNoQueryParameters(queryParameters: readonly string[]): void {
  if (queryParameters.length > 0) throw invalidRequest('Send parameters in the request body, not in the query string.');
}

/** Collects parameters, refusing too many, too long, or any with a control character (docs/hardening.md#input-limits). */
function collect(entries: Iterable<[string, string]>): RequestParams {
  const map = new Map<string, string[]>();
  let count = 0;
  for (const [name, value] of entries) {
    if (++count > MAX_PARAMETERS) throw invalidRequest(`Too many parameters (${MAX_PARAMETERS} at most).`);
    if (name.length > MAX_PARAMETER_NAME_LENGTH) throw invalidRequest(`A parameter name is too long (${MAX_PARAMETER_NAME_LENGTH} characters at most).`);
    if (CONTROL_CHARACTER.test(name)) throw invalidRequest('A parameter name contains a control character.');
    if (value.length > MAX_PARAMETER_LENGTH) throw invalidRequest(`The ${name} parameter is too long (${MAX_PARAMETER_LENGTH} characters at most).`);
    if (CONTROL_CHARACTER.test(value)) throw invalidRequest(`The ${name} parameter contains a control character.`);
    if (value === '') continue;
    const list = map.get(name) ?? [];
    list.push(value);
    map.set(name, list);
  }
  return new RequestParams(map);
}

/**
 * The name-value pairs of an `application/x-www-form-urlencoded` string (WHATWG URL §5.1). A
 * string with no `%` and no `+` has nothing to decode: split, it gives what URLSearchParams
 * gives, at a fraction of its cost (every token request's `grant_type=client_credentials`).
 */
export function formPairs(text: string): Iterable<[string, string]> {
  if (text.includes('%') || text.includes('+')) return new URLSearchParams(text);
  const pairs: [string, string][] = [];
  for (const piece of text.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    pairs.push(eq < 0 ? [piece, ''] : [piece.slice(0, eq), piece.slice(eq + 1)]);
  }
  return pairs;
}

function fromJson(body: string): RequestParams {
  if (jsonNestedDeeperThan(body, MAX_JSON_DEPTH)) throw invalidRequest('The JSON request body is nested too deeply.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw invalidRequest('The request body is not valid JSON.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidRequest('The JSON request body must be an object.');
  const entries: [string, string][] = [];
  for (const [name, value] of Object.entries(parsed)) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v !== 'string') throw invalidRequest(`The ${name} parameter must be a string.`);
      entries.push([name, v]);
    }
  }
  return collect(entries);
}

async function fromMultipart(contentType: string, body: Buffer): Promise<RequestParams> {
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch {
    throw invalidRequest('The multipart/form-data body could not be parsed.');
  }
  const entries: [string, string][] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value !== 'string') throw invalidRequest(`The ${name} parameter must not be a file.`);
    entries.push([name, value]);
  }
  return collect(entries);
}

/** The media types a token request may use. */
export const TOKEN_MEDIA_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json'] as const;

/**
 * Reads request parameters from an `application/x-www-form-urlencoded` (RFC 6749 §4.4.2),
 * `multipart/form-data` (what `curl -F` sends) or `application/json` body.
 */
export async function parseRequestBody(contentType: string | undefined, body: Buffer): Promise<RequestParams> {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (body.length === 0) return collect([]);
  switch (mediaType) {
    case 'application/x-www-form-urlencoded':
      return collect(formPairs(body.toString('utf8')));
    case 'multipart/form-data':
      return fromMultipart(contentType!, body);
    case 'application/json':
      return fromJson(body.toString('utf8'));
    default:
      throw new OAuthError('invalid_request', `Unsupported content type; send ${TOKEN_MEDIA_TYPES.join(', ')}.`, { status: 415 });
  }
}
