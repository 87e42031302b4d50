import type { ConnectionError } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/** How long a refused connection is kept to read what the client still sends after the answer. */
const LINGER_MS = 2_000;

/** An answer written straight to the socket, in the listener's own error dialect. */
export interface RawAnswer {
  readonly contentType: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Fastify's `clientErrorHandler`: answers a request that Node's HTTP parser refused before any
 * route saw it — headers (with the request line) over `maxHeaderSize`, 16 KiB by default, are 431;
 * a request whose headers or body did not arrive in time (src/http/connection-limits.ts) is 408;
 * anything else malformed is 400 — in `render`'s dialect, then closes the connection.
 */
export function clientErrorHandler(render: (status: number) => RawAnswer): (err: ConnectionError, socket: Socket) => void {
  return (err, socket) => {
    // A reset connection has nobody to answer (https://nodejs.org/api/http.html#event-clienterror).
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    // A connection that sent nothing before the headers timeout asked for nothing: it is closed.
    // Nor can anything more be said where an answer has begun (its headers are on the wire).
    // The answer Node has assigned the connection's current request, if it has read its headers.
    const current = (socket as { _httpMessage?: { headersSent: boolean; req?: { method?: string } } })._httpMessage;
    if (socket.bytesRead === 0 || current?.headersSent) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const { contentType, body, headers } = render(status);
    if (socket.writable) {
      // The body goes only where the request is known not to be HEAD (RFC 9110 §9.3.2: the
      // answer to HEAD has none): the failing read starts with its request line, or the method
      // itself was refused (HEAD is a valid one). The failing read can also be the tail of a
      // request that came in several reads (headers just over the limit usually do), or start
      // with the rest of the previous request's body: then the method is unknown, and the status
      // goes without a body, which suits any method.
      // (Fastify types rawPacket as a serialised Buffer; Node passes the Buffer itself.)
      // A request timed out with its headers read has its method known.
      const packet: unknown = err.rawPacket;
      const method =
        err.code === 'HPE_INVALID_METHOD'
          ? 'invalid'
          : Buffer.isBuffer(packet)
            ? /^([A-Z]+) /.exec(packet.subarray(0, 16).toString('latin1'))?.[1]
            : current?.req?.method;
      const sent = method !== undefined && method !== 'HEAD' ? body : '';
      const lines = [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        `content-type: ${contentType}`,
        `content-length: ${method === undefined ? 0 : Buffer.byteLength(body)}`,
        'connection: close',
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ];
      // Ended, not destroyed: closing a socket with request bytes still unread sends a reset,
      // and a reset makes the client drop the answer it has not read yet (a large body behind a
      // bad request line). What else arrives is read and dropped until the client closes, or
      // for LINGER_MS at most.
      socket.end(`${lines.join('\r\n')}\r\n\r\n${sent}`);
      const linger = setTimeout(() => socket.destroy(), LINGER_MS).unref();
      socket.once('close', () => clearTimeout(linger));
      return;
    }
    socket.destroy();
  };
}
