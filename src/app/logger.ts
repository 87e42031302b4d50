import pino, { type DestinationStream, type Logger } from 'pino';

/** Paths that may carry secrets: never written to the log. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers.dpop',
  '*.client_secret',
  '*.client_assertion',
  '*.token',
  '*.access_token',
  '*.password',
];

/** The process logger (pino), with secrets redacted. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: {
        // Paths only: a query string may carry credentials that must never reach the log.
        req: (req: { method: string; url: string; id: string; ip?: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
          remoteAddress: req.ip,
        }),
      },
    },
    destination,
  );
}
