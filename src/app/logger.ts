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

/** The process logger (pino), with secrets redacted. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
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
