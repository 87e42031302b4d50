import { once } from 'node:events';
import { Server as NetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';

/**
 * How long a closing listener keeps its idle keep-alive connections open. A client that has just
 * had an answer is usually about to send its next request on the same connection: closed at once,
 * that request would be lost (a reset, or a connection closed under it). Within this time it is
 * answered, with `Connection: close`; a connection still idle after it is closed.
 */
export const DRAIN_IDLE_GRACE_MS = 500;

/**
 * Fastify options of a listener that drains when it closes (docs/hardening.md, "Shutdown"): a
 * request arriving on a kept-alive connection while it closes is answered as usual, with
 * `Connection: close` (Fastify adds it while closing), not with 503; idle connections are closed
 * by registerDrain's schedule, not at once.
 */
export function drainOptions(): { forceCloseConnections: false; return503OnClosing: false } {
  return { forceCloseConnections: false, return503OnClosing: false };
}

/**
 * When the listener closes: first no new connection (the listening socket closes; open
 * connections stay, and a client told `Connection: close` finds no listener to reconnect to, so
 * it sends nothing), then DRAIN_IDLE_GRACE_MS for the requests still coming on open connections,
 * then Fastify closes the connections left idle and waits for the requests in flight.
 */
export function registerDrain(app: FastifyInstance): void {
  app.addHook('preClose', async () => {
    const server = app.server;
    if (!server.listening) return;
    // Node's http close() would close the idle connections at once; the listening socket alone is closed here.
    NetServer.prototype.close.call(server);
    // 'close' comes once the last connection has ended: then there is nothing to wait for.
    const drained = once(server, 'close').catch(() => undefined);
    await Promise.race([sleep(DRAIN_IDLE_GRACE_MS), drained]);
  });
}
