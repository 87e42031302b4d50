import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

/** What one listener allows each connection (docs/hardening.md, "Connection limits and timeouts"). */
export interface ConnectionLimits {
  /** A whole request, headers and body, must have arrived within this time (then 408). */
  readonly requestTimeoutMs: number;
  /** A request's headers must have arrived within this time (then 408); a new connection that sends nothing in this time is closed. */
  readonly headersTimeoutMs: number;
  /** How long an idle keep-alive connection is kept between requests. */
  readonly keepAliveTimeoutMs: number;
  /** Open connections the listener accepts; one more is closed at once. */
  readonly maxConnections: number;
  /** Requests answered on one connection, the last with `Connection: close`; 0 = no limit. */
  readonly maxRequestsPerSocket: number;
  /** Request line and headers together, in bytes (then 431); Node's 16 KiB when absent. */
  readonly maxHeaderSize?: number;
}

/**
 * How often Node looks for requests past their timeouts (its default, 30 s, would let a 10 s
 * timeout run to 40 s): a walk over the open connections, once a second.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/** The TESSERA_HTTP_* settings (timeouts in seconds). */
export interface ConnectionSettings {
  readonly httpRequestTimeout: number;
  readonly httpHeadersTimeout: number;
  readonly httpKeepAliveTimeout: number;
  readonly httpMaxConnections: number;
  readonly httpMaxRequestsPerSocket: number;
}

/** The limits of TESSERA_HTTP_* (seconds in the settings, milliseconds here). */
export function connectionLimits(config: ConnectionSettings): ConnectionLimits {
  return {
    requestTimeoutMs: config.httpRequestTimeout * 1000,
    headersTimeoutMs: config.httpHeadersTimeout * 1000,
    keepAliveTimeoutMs: config.httpKeepAliveTimeout * 1000,
    maxConnections: config.httpMaxConnections,
    maxRequestsPerSocket: config.httpMaxRequestsPerSocket,
  };
}

/** A listener's own certificate (and chain) and key, PEM: with them it speaks HTTPS only. */
export interface ListenerTls {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * A node:http server (node:https with `tls`) that holds no connection longer than `limits` allow: Node times every
 * request from its first byte (and a new connection from its opening), and one whose headers or
 * body stall is handed to Fastify's `clientErrorHandler` (src/http/client-error.ts, 408), whichever
 * code was reading it (Fastify, or the token endpoint's direct path). Both listeners are made by
 * it (Fastify's `serverFactory`). Over TLS: 1.2 at least (1.3 preferred, Node's default), and a
 * client certificate requested but not required nor checked here (RFC 8705 §2: the endpoint
 * decides), so that an unknown or self-signed one still completes the handshake.
 */
export function limitedServer(limits: ConnectionLimits, tls: ListenerTls | undefined, handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const options = {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: limits.headersTimeoutMs,
    connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    ...(limits.maxHeaderSize === undefined ? {} : { maxHeaderSize: limits.maxHeaderSize }),
  };
  const server = tls
    ? // An https.Server is an http.Server on TLS sockets: every method used of it here and by Fastify is the same.
      (createHttpsServer(
        { ...options, cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: false },
        handler,
      ) as unknown as Server)
    : createServer(options, handler);
  server.maxConnections = limits.maxConnections;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  // No inactivity timeout while a request is answered: a slow answer is the server's own doing.
  server.setTimeout(0);
  return server;
}
