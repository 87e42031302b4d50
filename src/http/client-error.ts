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
      const lines = [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        `content-type: ${contentType}`,
        `content-length: ${Buffer.byteLength(body)}`,
        'connection: close',
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ];
      // The answer to HEAD has no body (RFC 9110 §9.3.2); the packet that failed is usually the whole request.
      // (Fastify types rawPacket as a serialised Buffer; Node passes the Buffer itself.)
      const packet: unknown = err.rawPacket;
      const head = Buffer.isBuffer(packet) && packet.subarray(0, 5).toString('latin1') === 'HEAD ';
      socket.write(`${lines.join('\r\n')}\r\n\r\n${head ? '' : body}`);
    }
    socket.destroy();
  };
}
