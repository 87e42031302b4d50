import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { FastifyBaseLogger } from 'fastify';
import type { RequestDurations } from '../../observability/metrics.js';
import { limitedServer, type ConnectionLimits, type ListenerTls } from '../connection-limits.js';
import { ABORTED, logsIncomingLines, logsRequestLines, requestIdOf, type LogFieldsHolder } from '../observability.js';
import { clientAddress, type TrustProxy } from './client-address.js';
import type { CertificateReader } from './peer-certificate.js';
import { requestCompletedWriter, type CompletedTokenRequest } from './request-completed-line.js';
import { TENANT_ID, tokenHttpRequest, type TokenEndpoint, type TokenHttpRequest, type TokenPath, type TokenReply } from './token-route.js';

/** The form content types the direct path takes; any other (JSON, multipart, odd parameters) goes through Fastify. */
const FORM = new Set([
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded;charset=utf-8',
  'application/x-www-form-urlencoded; charset=utf-8',
]);

interface TokenRouteMatch {
  pathTenant: string | undefined;
  endpoint: TokenPath;
  /** The route pattern, as request durations are labelled. */
  pattern: string;
}

const ROOT: Record<string, TokenRouteMatch> = {
  '/oauth2/token': { pathTenant: undefined, endpoint: '/oauth2/token', pattern: '/oauth2/token' },
  '/oauth/token': { pathTenant: undefined, endpoint: '/oauth/token', pattern: '/oauth/token' },
};

/** `/oauth2/token`, `/oauth/token` or the same under `/t/{id}` with a well-formed id and no query string; else undefined. */
function matchTokenRoute(url: string): TokenRouteMatch | undefined {
  const root = ROOT[url];
  if (root !== undefined || !url.startsWith('/t/')) return root;
  const slash = url.indexOf('/', 3);
  if (slash < 0) return undefined;
  const endpoint = url.slice(slash);
  if (endpoint !== '/oauth2/token' && endpoint !== '/oauth/token') return undefined;
  const pathTenant = url.slice(3, slash);
  return TENANT_ID.test(pathTenant) ? { pathTenant, endpoint, pattern: `/t/:tenant${endpoint}` } : undefined;
}

export interface DirectTokenPathOptions {
  /** The token endpoint (tokenRoute), as Fastify's route answers with it. */
  serve: TokenEndpoint;
  logger: FastifyBaseLogger;
  durations: RequestDurations;
  trust: TrustProxy | false;
  /** Reads a request's client certificate (built once per listener). */
  certificates: CertificateReader;
  bodyLimit: number;
  /** The listener's timeouts and caps: the direct path reads its bodies on the same server, under the same limits. */
  limits: ConnectionLimits;
  /** The listener's certificate and key: HTTPS only (TESSERA_TLS_CERT); absent, plain HTTP. */
  tls?: ListenerTls | undefined;
}

/** The direct path's options, with the writer of its `request completed` lines. */
interface DirectPath extends DirectTokenPathOptions {
  readonly completed: (line: CompletedTokenRequest) => void;
}

/** One token request on the direct path: its log line's fields, its logger and the writing of its answer, with its request line and duration metric. */
class DirectExchange implements LogFieldsHolder, TokenReply {
  logFields: Record<string, unknown> | null = null;

  constructor(
    private readonly options: DirectPath,
    private readonly res: ServerResponse,
    private readonly pattern: string,
    private readonly requestId: string,
    private readonly call: TokenHttpRequest,
    private readonly started: number,
  ) {}

  log(): FastifyBaseLogger {
    return this.options.logger.child({ reqId: this.requestId });
  }

  write(status: number, headers: Readonly<Record<string, string>>, body: string): void {
    const { res, requestId, started, options } = this;
    const flat: string[] = ['x-request-id', requestId];
    // `name` is one of the record's own keys (for…in over a plain object, no allocation as Object.entries would).
    for (const name in headers) flat.push(name, headers[name]!);
    flat.push('content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(body)));
    res.writeHead(status, flat);
    res.end(body);
    options.durations.observe(this.pattern, 'POST', status, (performance.now() - started) / 1000);
    if (!logsRequestLines(options.logger.level)) return;
    options.completed({
      reqId: requestId,
      path: this.call.url,
      remoteAddress: this.call.address,
      statusCode: status,
      responseTime: performance.now() - started,
      fields: this.logFields,
    });
  }
}

/**
 * The public listener's HTTP server (Fastify's `serverFactory`). The token endpoint is most of
 * the traffic, so a plain form POST to it is answered here, straight from Node's request, by the
 * same function Fastify's route answers with (tokenRoute: every rule, the answer's status, headers
 * and body), with the same request id, log line and duration metric: Fastify's request life cycle
 * (routing, hooks, reply objects, a child logger per request) cost a quarter of each token's time.
 * Everything else — other routes and methods, a query string, JSON or multipart bodies, a chunked
 * or oversized body, and every request once the listener is closing — goes to Fastify.
 */
export function directTokenPath(options: DirectTokenPathOptions): {
  factory: (fastify: (req: IncomingMessage, res: ServerResponse) => void) => Server;
  closing(): void;
} {
  const { serve, logger, trust, certificates, bodyLimit, limits, tls } = options;
  const path: DirectPath = { ...options, completed: requestCompletedWriter(logger) };
  let closing = false;

  const handle = (req: IncomingMessage, res: ServerResponse, route: TokenRouteMatch, requestId: string, body: Buffer, started: number): void => {
    const call = tokenHttpRequest(req, route.pathTenant, route.endpoint, body, trust, certificates);
    // One object per request is its log line, its logger and where its answer goes.
    const exchange = new DirectExchange(path, res, route.pattern, requestId, call, started);
    void serve(call, exchange, exchange);
  };

  /** A request's `req` log field before its body is read. */
  const described = (req: IncomingMessage) => ({ method: 'POST', url: req.url, ip: clientAddress(req, trust) });

  const factory = (fastify: (req: IncomingMessage, res: ServerResponse) => void): Server => {
    // A stalled body is timed out by the server (limitedServer) whichever path reads it.
    return limitedServer(limits, tls, (req, res) => {
      const route = req.method === 'POST' && !closing ? matchTokenRoute(req.url!) : undefined;
      const headers = req.headers;
      const length = headers['content-length'];
      if (
        route === undefined ||
        length === undefined ||
        headers['transfer-encoding'] !== undefined ||
        !FORM.has(headers['content-type']?.toLowerCase() ?? '') ||
        // Node's parser has checked it is a decimal number.
        Number(length) > bodyLimit
      ) {
        fastify(req, res);
        return;
      }
      const started = performance.now();
      const requestId = requestIdOf(req);
      // Told as Fastify tells its requests (registerObservability), from when the headers are in.
      if (logsIncomingLines(logger.level)) logger.debug({ reqId: requestId, req: described(req) }, 'incoming request');
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      // One chunk checked just before: taken as it is, without a copy.
      req.on('end', () => handle(req, res, route, requestId, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), started));
      // An aborted request has nobody left to answer.
      req.on('error', () => {
        if (logsRequestLines(logger.level)) logger.info({ reqId: requestId, req: described(req) }, ABORTED);
      });
    });
  };

  return {
    factory,
    closing: () => {
      closing = true;
    },
  };
}
