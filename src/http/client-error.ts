import type { ConnectionError } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/** An answer written straight to the socket, in the listener's own error dialect. */
export interface RawAnswer {
  readonly contentType: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Fastify's `clientErrorHandler`: answers a request that Node's HTTP parser refused before any
 * route saw it — headers (with the request line) over `maxHeaderSize`, 16 KiB by default, are 431;
 * a timeout is 408; anything else malformed is 400 — in `render`'s dialect, then closes the connection.
 */
export function clientErrorHandler(render: (status: number) => RawAnswer): (err: ConnectionError, socket: Socket) => void {
  return (err, socket) => {
    // A reset connection has nobody to answer (https://nodejs.org/api/http.html#event-clienterror).
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const { contentType, body, headers } = render(status);
    if (socket.writable) {
      // The body goes only where the request line shows a method other than HEAD (RFC 9110
      // §9.3.2: the answer to HEAD has none). The packet that failed is the whole request, or its
      // tail when the request came in several reads (headers just over the limit usually do):
      // then the method is unknown, and the status is sent without a body, which suits any method.
      // (Fastify types rawPacket as a serialised Buffer; Node passes the Buffer itself.)
      const packet: unknown = err.rawPacket;
      const method = Buffer.isBuffer(packet) ? /^([A-Z]+) /.exec(packet.subarray(0, 16).toString('latin1'))?.[1] : undefined;
      const sent = method !== undefined && method !== 'HEAD' ? body : '';
      const lines = [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        `content-type: ${contentType}`,
        `content-length: ${method === undefined ? 0 : Buffer.byteLength(body)}`,
        'connection: close',
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n${sent}`);
    }
    socket.destroy();
  };
}
