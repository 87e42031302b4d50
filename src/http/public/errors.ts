import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError, temporarilyUnavailable, toOAuthError } from '../../protocol/errors.js';
import { isConnectionFailure } from '../../domain/errors.js';
import type { LogFieldsHolder } from '../observability.js';

/** Retry-After of a 503 answered while the database is unavailable, in seconds. */
export const OUTAGE_RETRY_AFTER = 5;

/** Maps Fastify's own errors (body too large, bad media type, bad JSON) to OAuth errors. */
function fromFastify(err: FastifyError): OAuthError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new OAuthError('invalid_request', 'The request body is too large (64 KiB at most).', { status: 413 });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new OAuthError('invalid_request', 'Unsupported content type.', { status: 415 });
    case 'FST_ERR_BAD_URL':
      return new OAuthError('invalid_request', 'The request URL is malformed.', { detail: err.message });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new OAuthError('invalid_request', 'The request URL is too long.', { status: 414 });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new OAuthError('invalid_request', 'The request body is malformed.');
    default:
      return err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500
        ? new OAuthError('invalid_request', 'The request is malformed.', { status: err.statusCode, detail: err.message })
        : undefined;
  }
}

/** Headers of every token response and every public error: never cached (RFC 6749 §5.1), never sniffed as anything but JSON. */
export const PUBLIC_HEADERS: Readonly<Record<string, string>> = { 'cache-control': 'no-store', pragma: 'no-cache', 'x-content-type-options': 'nosniff' };

/** What the public listener answers for `err`: an RFC 6749 §5.2 error, never a stack. */
export function publicError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  if (isConnectionFailure(err)) return temporarilyUnavailable(OUTAGE_RETRY_AFTER, `the database is unavailable: ${(err as Error).message}`);
  return ((err as FastifyError)?.code ? fromFastify(err as FastifyError) : undefined) ?? toOAuthError(err);
}

/** The headers of a public error answer, besides its content type. */
export function publicErrorHeaders(oauth: OAuthError): Record<string, string> {
  return { ...PUBLIC_HEADERS, ...oauth.headers };
}

/**
 * Logs a public error: an outage is a warning, a failure of ours an error with its cause;
 * refusals are routine (a wrong secret, a bad scope), told on the request's one log line.
 */
export function logPublicError(oauth: OAuthError, err: unknown, log: () => Pick<FastifyBaseLogger, 'warn' | 'error'>, request: LogFieldsHolder): void {
  if (oauth.code === 'temporarily_unavailable') log().warn({ error: oauth.code, detail: oauth.message }, 'request refused');
  else if (oauth.status >= 500) log().error({ err }, 'request failed');
  else request.logFields = { ...request.logFields, error: oauth.code, detail: oauth.message };
}

/** The public listener speaks RFC 6749 §5.2 only: `{error, error_description}`, never a stack. */
export function sendOAuthError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const oauth = publicError(err);
  logPublicError(oauth, err, () => request.log, request);
  return reply.code(oauth.status).headers(publicErrorHeaders(oauth)).type('application/json').send(oauth.toJSON());
}

/** Names of the query string parameters of a request URL (the OAuth endpoints accept none). */
export function queryParameterNames(url: string): string[] {
  const at = url.indexOf('?');
  return at < 0 ? [] : [...new URLSearchParams(url.slice(at + 1)).keys()];
}

/** 405 for anything but POST on the OAuth endpoints, as an RFC 6749 error. */
export async function methodNotAllowed(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  return sendOAuthError(new OAuthError('invalid_request', 'Use POST.', { status: 405, headers: { allow: 'POST' } }), request, reply);
}
