// The little of node-oidc-provider (a dev dependency without type declarations) the tests use.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    /** A node:http request listener serving every endpoint of the provider. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
