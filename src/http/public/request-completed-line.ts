import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';

/** The token path's own log fields (token-route.ts): tenant and client ids, a federated workload's issuer and subject, a delegation's subject and actors. None holds a secret. */
const PLAIN_FIELDS = new Set(['tenant', 'client_id', 'federated_iss', 'federated_sub', 'subject_sub', 'actors']);

/** A token request's `request completed` line: what the direct path knows of it. */
export interface CompletedTokenRequest {
  readonly reqId: string;
  readonly path: string;
  readonly remoteAddress: string;
  readonly statusCode: number;
  readonly responseTime: number;
  readonly fields: Readonly<Record<string, unknown>> | null;
}

/** What a pino logger writes every line with: its level prefix, clock, bindings, end of line and destination. */
interface PinoParts {
  readonly prefix: string;
  readonly time: () => string;
  readonly bindings: string;
  readonly end: string;
  readonly messageKey: string;
  readonly stream: { write(line: string): unknown };
}

/** The parts of `logger` if it is a pino logger formatting lines its own way (no hooks, mixin, log formatter or nested key), else undefined. */
function pinoParts(logger: FastifyBaseLogger): PinoParts | undefined {
  const own = logger as unknown as Record<symbol, unknown>;
  const { symbols } = pino;
  const stream = own[symbols.streamSym] as PinoParts['stream'] | undefined;
  const prefix = (own[symbols.lsCacheSym] as Record<number, string> | undefined)?.[30];
  const formatters = own[symbols.formattersSym] as { log?: unknown } | undefined;
  const hooks = own[symbols.hooksSym] as { logMethod?: unknown; streamWrite?: unknown } | undefined;
  if (stream === undefined || prefix === undefined || formatters?.log !== undefined || hooks?.logMethod || hooks?.streamWrite) return undefined;
  if (own[symbols.mixinSym] || own[symbols.nestedKeySym]) return undefined;
  return {
    prefix,
    time: own[symbols.timeSym] as () => string,
    bindings: own[symbols.chindingsSym] as string,
    end: own[symbols.endSym] as string,
    messageKey: own[symbols.messageKeySym] as string,
    stream,
  };
}

/**
 * Writes a token request's `request completed` line at info, the line pino would write for
 * `logger.info({ reqId, req, res, responseTime, ...fields }, 'request completed')` — the same
 * fields, in the same order, with the same values — but built here: pino's generic path (a
 * serializer per key, the redaction check, a stringifier lookup) costs about 40% more per line,
 * on every token at the default level. Only the token path's own fields (PLAIN_FIELDS, none a
 * secret) are written this way; a line with any other field, or a logger that is not a plain pino
 * logger, goes through pino.
 */
export function requestCompletedWriter(logger: FastifyBaseLogger): (line: CompletedTokenRequest) => void {
  const parts = pinoParts(logger);
  const viaPino = ({ reqId, path, remoteAddress, statusCode, responseTime, fields }: CompletedTokenRequest): void =>
    logger.info({ reqId, req: { method: 'POST', url: path, ip: remoteAddress }, res: { statusCode }, responseTime, ...fields }, 'request completed');
  if (parts === undefined) return viaPino;
  const message = `,${JSON.stringify(parts.messageKey)}:"request completed"${parts.end}`;
  return (line) => {
    let extra = '';
    for (const key in line.fields) {
      if (!PLAIN_FIELDS.has(key)) return viaPino(line);
      const value = line.fields[key];
      if (value !== undefined) extra += `,"${key}":${JSON.stringify(value)}`;
    }
    parts.stream.write(
      `${parts.prefix}${parts.time()}${parts.bindings},"reqId":${JSON.stringify(line.reqId)},"req":{"method":"POST","path":${JSON.stringify(line.path.split('?')[0])},"remoteAddress":${JSON.stringify(line.remoteAddress)}},"res":{"statusCode":${line.statusCode}},"responseTime":${JSON.stringify(line.responseTime)}${extra}${message}`,
    );
  };
}
