import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { PublicAppDeps } from '../deps.js';
import { authorizationServerMetadata } from '../../protocol/discovery.js';
import { OAuthError } from '../../protocol/errors.js';
import { registerRevocationRoutes } from './revocation-routes.js';
import { clientErrorHandler } from '../client-error.js';
import { connectionLimits, type ListenerTls } from '../connection-limits.js';
import { drainOptions, registerDrain } from '../drain.js';
import { observabilityOptions, registerObservability } from '../observability.js';
import { trustProxy } from './client-address.js';
import { certificateReader } from './peer-certificate.js';
import { methodNotAllowed, PUBLIC_HEADERS, sendOAuthError } from './errors.js';
import { directTokenPath } from './token-direct.js';
import { notFound, tenantResolver, tokenHttpRequest, tokenRoute, type ResolvedTenant, type TokenPath } from './token-route.js';

/** Largest accepted request body on the public listener. */
export const PUBLIC_BODY_LIMIT = 64 * 1024;

/** Descriptions of the answers to requests Node's HTTP parser refused. */
const RAW_DESCRIPTIONS: Record<number, string> = {
  408: 'The request took too long to arrive.',
  431: 'The request header fields are too large.',
};

/**
 * The public listener: per-issuer token endpoint, introspection, revocation and its feed, JWKS
 * and discovery (docs/api.md, part 2); over HTTPS only with `tls`. Building never
 * listens; `serve` does.
 */
export function buildPublicApp(deps: PublicAppDeps, tls?: ListenerTls): FastifyInstance {
  const { clock, grantTypes } = deps;
  const logger = deps.logger.child({ listener: 'public' }) as FastifyBaseLogger;
  const durations = deps.metrics.requestDurations('public');
  const trust = trustProxy(deps.config.trustProxy);
  const tenantOf = tenantResolver(deps);
  const serveToken = tokenRoute(deps, tenantOf);
  const certificates = certificateReader({
    header: deps.config.clientCertHeader,
    trust,
    ignoredHeader: (address) => logger.warn({ address }, 'client certificate header from an untrusted address ignored'),
  });
  const limits = connectionLimits(deps.config);
  const direct = directTokenPath({ serve: serveToken, logger, durations, trust, certificates, bodyLimit: PUBLIC_BODY_LIMIT, limits, tls });
  const app = Fastify({
    loggerInstance: logger,
    ...observabilityOptions(),
    serverFactory: direct.factory,
    // Fastify's own https/http notion is only how it logs the listener's address: the server is direct.factory's.
    ...(tls ? { https: {} } : {}),
    bodyLimit: PUBLIC_BODY_LIMIT,
    trustProxy: trust,
    ...drainOptions(),
    // Bad percent-encoding, over-long path parameters: RFC 6749 errors like any other.
    frameworkErrors: (err, request, reply) => void sendOAuthError(err, request, reply.header('x-request-id', request.id)),
    clientErrorHandler: clientErrorHandler((status) => ({
      contentType: 'application/json',
      body: JSON.stringify(new OAuthError('invalid_request', RAW_DESCRIPTIONS[status] ?? 'The request is malformed.', { status }).toJSON()),
      headers: PUBLIC_HEADERS,
    })),
  });
  // Once closing, every request goes through Fastify, which answers it with `Connection: close`.
  app.addHook('preClose', (done) => {
    direct.closing();
    done();
  });
  registerDrain(app);

  registerObservability(app, durations);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });
  app.removeAllContentTypeParsers();
  const raw = (_req: FastifyRequest, body: Buffer, done: (err: null, body: Buffer) => void) => done(null, body);
  // The types the endpoints read, by name: Fastify caches an exact match, while a request only
  // the catch-all takes has its Content-Type parsed again every time.
  for (const type of ['application/x-www-form-urlencoded', 'application/json', 'multipart/form-data'])
    app.addContentTypeParser(type, { parseAs: 'buffer' }, raw);
  app.addContentTypeParser('*', { parseAs: 'buffer' }, raw);
  app.setErrorHandler((err, request, reply) => sendOAuthError(err, request, reply));
  app.setNotFoundHandler((request, reply) => sendOAuthError(notFound(), request, reply));

  const resolve = (request: FastifyRequest): ResolvedTenant => tenantOf((request.params as { tenant?: string }).tenant, request.headers.host);

  /**
   * The token endpoint for what the direct path leaves to Fastify (JSON, multipart, chunked bodies,
   * a query string…): the same request, answered by the same function (tokenRoute).
   */
  const token = (endpoint: TokenPath) => async (request: FastifyRequest, reply: FastifyReply) => {
    const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
    const call = tokenHttpRequest(request.raw, (request.params as { tenant?: string }).tenant, endpoint, body, trust, certificates);
    await serveToken(call, request, {
      log: () => request.log,
      write: (status, headers, json) => void reply.code(status).headers(headers).type('application/json; charset=utf-8').send(json),
    });
    return reply;
  };
  /** RFC 9110 §15.5.6: the token endpoints take POST only, whatever the other method. */
  const notPost = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

  const routes = async (scope: FastifyInstance) => {
    scope.post('/oauth2/token', token('/oauth2/token'));
    scope.post('/oauth/token', token('/oauth/token'));
    scope.route({ method: notPost, url: '/oauth2/token', handler: methodNotAllowed });
    scope.route({ method: notPost, url: '/oauth/token', handler: methodNotAllowed });
    registerRevocationRoutes(scope, deps, resolve, certificates);
    scope.get('/.well-known/jwks.json', async (request, reply) => {
      const { state } = resolve(request);
      return reply.header('cache-control', 'public, max-age=60').send({ keys: state.jwks(clock.now()) });
    });
    const metadata = async (request: FastifyRequest, reply: FastifyReply) => {
      const { state, issuer } = resolve(request);
      return reply
        .header('cache-control', 'public, max-age=300')
        .send(authorizationServerMetadata({ issuer, grantTypes: grantTypes.names(), signingAlg: state.settings.tenant.signingAlg }));
    };
    scope.get('/.well-known/openid-configuration', metadata);
    scope.get('/.well-known/oauth-authorization-server', metadata);
  };

  app.register(routes);
  app.register(routes, { prefix: '/t/:tenant' });
  // RFC 8414 §3.1: the well-known segment inserted before the issuer's path.
  app.get('/.well-known/oauth-authorization-server/t/:tenant', async (request, reply) => {
    const { state, issuer } = resolve(request);
    return reply
      .header('cache-control', 'public, max-age=300')
      .send(authorizationServerMetadata({ issuer, grantTypes: grantTypes.names(), signingAlg: state.settings.tenant.signingAlg }));
  });
  return app;
}
