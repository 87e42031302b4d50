import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A JSON document answered with 200, or a handler for anything else. */
export type Answer = ((req: IncomingMessage, res: ServerResponse) => void) | Record<string, unknown>;

/** A tiny HTTP server on 127.0.0.1 playing a client's key server; counts requests per path. */
export interface JwksServer {
  readonly base: string;
  /** GETs served so far, per path. */
  readonly hits: Map<string, number>;
  /** Every request so far, in order: its path (without the query) and Authorization header. */
  readonly requests: ServedRequest[];
  /** What a path answers: a JSON value (200), or a handler for anything else. */
  route(path: string, answer: Answer): void;
  close(): Promise<void>;
}

/** A request a test server saw. */
export interface ServedRequest {
  readonly path: string;
  readonly authorization: string | undefined;
}

export async function startJwksServer(): Promise<JwksServer> {
  const routes = new Map<string, Answer>();
  const hits = new Map<string, number>();
  const requests: ServedRequest[] = [];
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    requests.push({ path, authorization: req.headers.authorization });
    const answer = routes.get(path);
    if (answer === undefined) {
      res.writeHead(404).end();
    } else if (typeof answer === 'function') {
      answer(req, res);
    } else {
      res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(answer));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    requests,
    route: (path, answer) => void routes.set(path, answer),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
