import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { RequestDurations } from '../observability/metrics.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Fields the request's one log line adds, e.g. the token endpoint's tenant and client, or an error's private detail. */
    logFields: Record<string, unknown> | null;
  }
}

/** Where a request's one log line (`request completed`) takes its extra fields from. */
export interface LogFieldsHolder {
  logFields: Record<string, unknown> | null;
}

/** An incoming X-Request-Id is kept when it looks like this: short, and harmless in a header and a log line. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Fastify's `genReqId`: the X-Request-Id a client or a proxy in front sent, when it is safe, so
 * that one id follows a request through every hop; otherwise a random UUID.
 */
export function requestIdOf(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

/** The log line of a request whose client closed the connection before it was answered. */
export const ABORTED = 'request aborted';

/** Levels at which `request completed` (info) is written. */
const LOGS_INFO = new Set(['info', 'debug', 'trace']);

/** Whether a logger at `level` writes the `incoming request` line (debug). */
export function logsIncomingLines(level: string): boolean {
  return level === 'debug' || level === 'trace';
}

/** Whether a logger at `level` writes the `request completed` line (nothing is built for a line the level drops). */
export function logsRequestLines(level: string): boolean {
  return LOGS_INFO.has(level);
}

/**
 * One log line per request instead of Fastify's two: `request completed` at info, with the
 * method, path, client address, status, duration and the route's `logFields`; `incoming request`
 * only at debug; `request aborted` at info when the client left before its answer. Every line of a
 * request carries its `reqId`.
 */
export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // Nothing is built for a line the level drops (the benchmarks, and quiet deployments, run at warn).
    if (!error && !logsRequestLines(reply.log.level)) return;
    const line = { req: request, res: reply, responseTime: reply.elapsedTime, ...request.logFields };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

/** Fastify options every listener shares: request ids and the one-line request log. */
export function observabilityOptions(): { genReqId: (raw: IncomingMessage) => string; logController: RequestLog } {
  return { genReqId: requestIdOf, logController: new RequestLog() };
}

/**
 * Answers every request's id in `X-Request-Id`, and times every request by its route pattern.
 * Register before any route.
 */
export function registerObservability(app: FastifyInstance, durations: RequestDurations): void {
  app.decorateRequest('logFields', null);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  // A client that goes away before its answer (a reset mid-body, a timeout) is its own doing:
  // one info line, never an error, never an outage.
  app.addHook('onRequestAbort', (request, done) => {
    if (logsRequestLines(request.log.level)) request.log.info({ req: request }, ABORTED);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    durations.observe(request.routeOptions.url, request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
