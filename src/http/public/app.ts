import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Deps } from '../../app/deps.js';
import type { TenantState } from '../../domain/read-model/tenant-state.js';
import { DEFAULT_TENANT, TENANT_ID_PATTERN } from '../../domain/tenants/model.js';
import { authorizationServerMetadata } from '../../protocol/discovery.js';
import { OAuthError, temporarilyUnavailable } from '../../protocol/errors.js';
import { parseRequestBody } from '../../protocol/params.js';
import { handleTokenRequest } from '../../protocol/token-endpoint.js';
import { registerRevocationRoutes } from './revocation-routes.js';
import { clientErrorHandler } from '../client-error.js';
import { observabilityOptions, registerObservability } from '../observability.js';
import { methodNotAllowed, OUTAGE_RETRY_AFTER, PUBLIC_HEADERS, queryParameterNames, sendOAuthError } from './errors.js';

/** Largest accepted request body on the public listener. */
export const PUBLIC_BODY_LIMIT = 64 * 1024;

const TENANT_ID = new RegExp(TENANT_ID_PATTERN);

/** Descriptions of the answers to requests Node's HTTP parser refused. */
const RAW_DESCRIPTIONS: Record<number, string> = {
  408: 'The request took too long to arrive.',
  431: 'The request header fields are too large.',
};

interface ResolvedTenant {
  state: TenantState;
  issuer: string;
}

/** Every value of a header, one per header line (a DPoP proof must come alone, RFC 9449 §4.3); from rawHeaders so inject() works too. */
function headerValues(request: FastifyRequest, name: string): string[] | undefined {
  const raw = request.raw.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) values.push(raw[i + 1]!);
  return values.length > 0 ? values : undefined;
}

function notFound(): OAuthError {
  return new OAuthError('invalid_request', 'No such endpoint.', { status: 404 });
}

/** TESSERA_TRUST_PROXY as Fastify takes it (a hop count becomes the function Fastify would build). */
function trustProxyOption(value: boolean | number | readonly string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value === 'number') return (_address, hop) => hop < value;
  return typeof value === 'boolean' ? value : [...value];
}

/**
 * The public listener: per-issuer token endpoint, introspection, revocation and its feed, JWKS
 * and discovery (DESIGN §3). Building never
 * listens; `serve` does.
 */
export function buildPublicApp(deps: Deps): FastifyInstance {
  const { readModel, issuers, clock, grantTypes } = deps;
  const app = Fastify({
    loggerInstance: deps.logger.child({ listener: 'public' }) as FastifyBaseLogger,
    ...observabilityOptions(),
    bodyLimit: PUBLIC_BODY_LIMIT,
    trustProxy: trustProxyOption(deps.config.trustProxy),
    return503OnClosing: true,
    // Bad percent-encoding, over-long path parameters: RFC 6749 errors like any other.
    frameworkErrors: (err, request, reply) => sendOAuthError(err, request, reply.header('x-request-id', request.id)),
    clientErrorHandler: clientErrorHandler((status) => ({
      contentType: 'application/json',
      body: JSON.stringify(new OAuthError('invalid_request', RAW_DESCRIPTIONS[status] ?? 'The request is malformed.', { status }).toJSON()),
      headers: PUBLIC_HEADERS,
    })),
  });

  registerObservability(app, deps.metrics.requestDurations('public'));
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });
  app.removeAllContentTypeParsers();
  const raw = (_req: FastifyRequest, body: Buffer, done: (err: null, body: Buffer) => void) => done(null, body);
  // The types the endpoints read, by name: Fastify caches an exact match, while a request only
  // the catch-all takes has its Content-Type parsed again every time.
  for (const type of ['application/x-www-form-urlencoded', 'application/json', 'multipart/form-data']) app.addContentTypeParser(type, { parseAs: 'buffer' }, raw);
  app.addContentTypeParser('*', { parseAs: 'buffer' }, raw);
  app.setErrorHandler((err, request, reply) => sendOAuthError(err, request, reply));
  app.setNotFoundHandler((request, reply) => sendOAuthError(notFound(), request, reply));

  /** The tenant a request addresses: `/t/{id}` in path mode, the Host header in host mode, else default. */
  const resolve = (request: FastifyRequest): ResolvedTenant => {
    const fromPath = (request.params as { tenant?: string }).tenant;
    let id: string;
    if (fromPath !== undefined) {
      if (issuers.hostMode || fromPath === DEFAULT_TENANT || !TENANT_ID.test(fromPath)) throw notFound();
      id = fromPath;
    } else {
      id = issuers.tenantOfHost(request.headers.host) ?? DEFAULT_TENANT;
    }
    const state = readModel.tenant(id);
    if (!state) throw notFound();
    return { state, issuer: issuers.issuerOf(id) };
  };

  /**
   * While the database is unavailable the read model may be stale. Clients it holds keep getting
   * tokens for TESSERA_OUTAGE_GRACE seconds, then nobody does. A client that fails to
   * authenticate meanwhile (unknown here: it may exist by now) is told to retry, not refused;
   * whether the client is known or its secret wrong, the answer is the same, so an outage does
   * not reveal which clients exist.
   */
  const outage = (): 'none' | 'grace' | 'over' => {
    const since = deps.storeHealth.downSinceMs;
    if (since === null) return 'none';
    return clock.now() - since < deps.config.outageGrace * 1000 ? 'grace' : 'over';
  };

  const token = async (request: FastifyRequest, reply: FastifyReply) => {
    const { state, issuer } = resolve(request);
    const tenant = state.settings.tenant.id;
    request.logFields = { tenant };
    const during = outage();
    if (during === 'over') throw temporarilyUnavailable(OUTAGE_RETRY_AFTER, 'the database has been unavailable for longer than TESSERA_OUTAGE_GRACE');
    const params = await parseRequestBody(request.headers['content-type'], (request.body as Buffer | undefined) ?? Buffer.alloc(0));
    const query = queryParameterNames(request.url);
    // The URL under the issuer this request was made to: a DPoP proof's htu (RFC 9449 §4.3).
    const endpointUrl = `${issuer}${request.routeOptions.url?.endsWith('/oauth/token') ? '/oauth/token' : '/oauth2/token'}`;
    const { response, client } = await handleTokenRequest(
      {
        tenant: state,
        issuer,
        authorization: request.headers.authorization,
        queryParameters: query,
        params,
        dpop: headerValues(request, 'dpop'),
        endpointUrl,
        address: request.ip,
      },
      deps.tokenEndpoint,
    ).catch((err: unknown) => {
      if (during === 'grace' && err instanceof OAuthError && err.code === 'invalid_client') {
        throw temporarilyUnavailable(OUTAGE_RETRY_AFTER, `the database is unavailable; client authentication failed: ${err.message}`);
      }
      throw err;
    });
    if (client.secretId !== null) deps.secretUsage.record(tenant, client.secretId);
    // On the request's one log line (`request completed`): a line of its own per token costs throughput.
    request.logFields = { tenant, client_id: client.entry.client.clientId };
    return reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send(response);
  };

  const routes = async (scope: FastifyInstance) => {
    scope.post('/oauth2/token', token);
    scope.post('/oauth/token', token);
    scope.get('/oauth2/token', methodNotAllowed);
    scope.get('/oauth/token', methodNotAllowed);
    registerRevocationRoutes(scope, deps, resolve);
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
