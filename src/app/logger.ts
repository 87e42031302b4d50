import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Fields that would hold a secret if anything logged them: replaced by `[redacted]`. Only fixed
 * paths: pino applies them when the top-level key is present, at no cost to other lines, while
 * wildcard paths (`*.client_secret`) cost about 10 µs on every line, i.e. on every request.
 * Request headers and bodies never reach a line: the `req` serializer below keeps the method,
 * the path without its query string and the address only.
 */
export const REDACTED_PATHS = [
  'authorization',
  'cookie',
  'dpop',
  'client_secret',
  'client_assertion',
  'token',
  'access_token',
  'password',
  ...['headers', 'body', 'params', 'query'].flatMap((parent) =>
    ['authorization', 'cookie', 'dpop', 'client_secret', 'client_assertion', 'token', 'access_token', 'password'].map((field) => `${parent}.${field}`),
  ),
];

/** Bytes of log lines gathered before one write to stdout. */
export const LOG_BUFFER_BYTES = 4096;
/** The longest a line waits in the buffer (ms) when fewer than LOG_BUFFER_BYTES are waiting. */
export const LOG_FLUSH_INTERVAL_MS = 100;

/**
 * Standard output, buffered: lines are gathered until LOG_BUFFER_BYTES are waiting, or for
 * LOG_FLUSH_INTERVAL_MS at most, then written in one asynchronous write — not one synchronous
 * write per line, which at the default `info` level (a line per token) cost a quarter of the
 * token endpoint's throughput. What is buffered is written synchronously when the process exits
 * (pino's exit handler: `process.exit` after a graceful shutdown, or the end of the event loop).
 * When whatever reads standard output falls behind, lines wait in memory; the process does not.
 */
export function bufferedStdout(): DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_INTERVAL_MS });
}

/** The process logger (pino), with secrets redacted; it writes to `destination`, or to standard output through a buffer. */
export function createLogger(level: string, destination: DestinationStream = bufferedStdout()): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: {
        // An allow-list: no headers (credentials), no body, no query string (credentials sent
        // there are refused, but would otherwise be logged). The request id is on every line as `reqId`.
        req: (req: { method: string; url: string; ip?: string }) => ({
          method: req.method,
          path: req.url.split('?')[0],
          remoteAddress: req.ip,
        }),
      },
    },
    destination,
  );
}

/**
 * Writes `text` (lines for people, such as the first-start banner) to the logger's own
 * destination, so that it keeps its place among the log lines: pino writes asynchronously, and
 * text written to process.stdout directly can land before lines logged earlier.
 */
export function writeAmongLogLines(logger: Logger, text: string): void {
  const destination = (logger as unknown as Record<symbol, DestinationStream | undefined>)[pino.symbols.streamSym];
  if (destination) destination.write(text);
  else process.stdout.write(text);
}

/** Resolves once every line logged so far has been written to the logger's destination (before a process exits). */
export function flushLogs(logger: Logger): Promise<void> {
  return new Promise((resolve) => logger.flush(() => resolve()));
}
