import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  ConflictError,
  EscalationError,
  ForbiddenError,
  ForeignKeyViolation,
  InvalidError,
  NotFoundError,
  StoreUnavailable,
  UniqueViolation,
  translateDriverError,
  type FieldError,
} from '../../domain/errors.js';
import { PATTERN_DETAILS } from '../schemas/common.js';

/** Retry-After of a 503 answered while the database is unavailable, in seconds. */
export const ADMIN_RETRY_AFTER = 5;

/** An RFC 9457 problem, thrown by admin routes and hooks. */
export class Problem extends Error {
  override readonly name = 'Problem';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
    /** Extension members of the problem document (RFC 9457 §3.2), e.g. `required_scope`. */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

const TYPES: Record<number, string> = {
  400: 'invalid-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  408: 'request-timeout',
  409: 'conflict',
  413: 'content-too-large',
  414: 'uri-too-long',
  415: 'unsupported-media-type',
  422: 'invalid-input',
  431: 'request-header-fields-too-large',
  500: 'internal-error',
  503: 'unavailable',
};

/** Ajv's instancePath is a JSON Pointer under /body, /querystring or /params. */
function validationErrors(err: FastifyError): FieldError[] {
  const all = (err.validation ?? []).map((v) => {
    const extra = v.keyword === 'additionalProperties' ? `/${String((v.params as { additionalProperty?: string }).additionalProperty)}` : '';
    const required = v.keyword === 'required' ? `/${String((v.params as { missingProperty?: string }).missingProperty)}` : '';
    const pointer = `${v.instancePath}${extra}${required}` || '/';
    const pattern = v.keyword === 'pattern' ? PATTERN_DETAILS[String((v.params as { pattern?: string }).pattern)] : undefined;
    const detail =
      v.keyword === 'additionalProperties' ? 'unknown property' : v.keyword === 'required' ? 'is required' : (pattern ?? v.message ?? 'is invalid');
    return { pointer, detail };
  });
  // A nullable field fails both branches of its anyOf: keep the message of the real branch.
  const noise = new Set(['must be null', 'must match a schema in anyOf']);
  const seen = new Set<string>();
  return all.filter((e) => {
    const key = `${e.pointer}\u0000${e.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return !(noise.has(e.detail) && all.some((o) => o.pointer === e.pointer && !noise.has(o.detail)));
  });
}

/** Translates any error into a problem; unknown errors become a 500 that says nothing of their cause. */
export function toProblem(thrown: unknown): Problem {
  // Reads outside a transaction reach here untranslated: a lost database is a 503 all the same.
  const err = translateDriverError(thrown);
  if (err instanceof Problem) return err;
  if (err instanceof NotFoundError) return new Problem(404, 'Not Found', err.message);
  if (err instanceof ConflictError || err instanceof UniqueViolation)
    return new Problem(409, 'Conflict', err instanceof UniqueViolation ? 'the resource already exists' : err.message);
  if (err instanceof InvalidError) return new Problem(422, 'Unprocessable Content', err.message, err.fields);
  if (err instanceof ForeignKeyViolation) return new Problem(409, 'Conflict', 'the change refers to something that does not exist, or is still in use');
  if (err instanceof EscalationError) return new Problem(403, 'Forbidden', err.message, undefined, {}, { excess_scopes: err.excessScopes });
  if (err instanceof ForbiddenError) return new Problem(403, 'Forbidden', err.message);
  if (err instanceof StoreUnavailable)
    return new Problem(503, 'Service Unavailable', 'the database is unavailable; retry shortly', undefined, { 'retry-after': String(ADMIN_RETRY_AFTER) });
  const fe = err as FastifyError;
  if (fe?.validation) {
    return new Problem(400, 'Bad Request', `the request ${fe.validationContext ?? 'input'} is invalid`, validationErrors(fe));
  }
  switch (fe?.code) {
    case 'FST_ERR_BAD_URL':
      return new Problem(400, 'Bad Request', 'the request URL is malformed (bad percent-encoding)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new Problem(414, 'URI Too Long', 'a path segment of the request URL is too long');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new Problem(413, 'Content Too Large', 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new Problem(415, 'Unsupported Media Type', 'send a JSON body (Content-Type: application/json)');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new Problem(400, 'Bad Request', 'the request body is not valid JSON');
  }
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new Problem(fe.statusCode, 'Bad Request', fe.message);
  }
  return new Problem(500, 'Internal Server Error', 'an unexpected error occurred; it has been logged');
}

/** The RFC 9457 document of `problem`; `instance` is the request path when there is one. */
export function problemDocument(problem: Problem, instance?: string): Record<string, unknown> {
  return {
    type: `urn:tessera:problem:${TYPES[problem.status] ?? 'error'}`,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    ...(instance !== undefined ? { instance } : {}),
    ...(problem.errors && problem.errors.length > 0 ? { errors: problem.errors } : {}),
    ...problem.extensions,
  };
}

export function sendProblem(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = toProblem(err);
  if (problem.status === 503)
    request.log.warn({ detail: err instanceof Error ? err.message : String(err) }, 'admin request refused: the database is unavailable');
  else if (problem.status >= 500) request.log.error({ err }, 'admin request failed');
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type('application/problem+json')
    .send(problemDocument(problem, request.url.split('?')[0]));
}
