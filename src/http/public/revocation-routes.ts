import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PublicAppDeps } from '../deps.js';
import type { TenantState } from '../../domain/read-model/tenant-state.js';
import type { ClientEndpointRequest } from '../../protocol/endpoint-client.js';
import { handleIntrospectionRequest } from '../../protocol/introspection.js';
import { parseRequestBody } from '../../protocol/params.js';
import { ifNoneMatchMatches, revocationFeed } from '../../protocol/revocation-feed.js';
import { handleRevocationRequest } from '../../protocol/revocation.js';
import { methodNotAllowed, queryParameterNames } from './errors.js';
import type { CertificateReader } from './peer-certificate.js';

/** How long a verifier may reuse the feed before asking again (with If-None-Match). */
export const REVOCATION_FEED_CACHE_CONTROL = 'public, max-age=15';

export type TenantResolver = (request: FastifyRequest) => { state: TenantState; issuer: string };

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

async function endpointRequest(request: FastifyRequest, resolve: TenantResolver, certificates: CertificateReader): Promise<ClientEndpointRequest> {
  const { state, issuer } = resolve(request);
  const params = await parseRequestBody(request.headers['content-type'], (request.body as Buffer | undefined) ?? Buffer.alloc(0));
  const query = queryParameterNames(request.url);
  const certificate = certificates(request.raw);
  return { tenant: state, issuer, authorization: request.headers.authorization, address: request.ip, queryParameters: query, params, certificate };
}

/**
 * Introspection (RFC 7662), revocation (RFC 7009) and the revocation feed, under one issuer's
 * routes. Routes only parse and serialise; the rules are in protocol/, the write in the domain.
 */
export function registerRevocationRoutes(scope: FastifyInstance, deps: PublicAppDeps, resolve: TenantResolver, certificates: CertificateReader): void {
  const { clock } = deps;

  scope.post('/oauth2/introspect', async (request, reply) => {
    const req = await endpointRequest(request, resolve, certificates);
    const { response, client, inactiveReason } = await handleIntrospectionRequest(req, deps.tokenEndpoint);
    request.log.info(
      { client_id: client.entry.client.clientId, tenant: req.tenant.settings.tenant.id, active: response.active, detail: inactiveReason },
      'token introspected',
    );
    return reply.headers(NO_STORE).send(response);
  });

  scope.post('/oauth2/revoke', async (request, reply) => {
    const req = await endpointRequest(request, resolve, certificates);
    const { client, revoke, reason } = await handleRevocationRequest(req, deps.tokenEndpoint);
    const clientId = client.entry.client.clientId;
    const tenantId = req.tenant.settings.tenant.id;
    if (revoke) await deps.services.revocations.revokeToken({ id: `client:${clientId}`, requestId: request.id }, tenantId, revoke);
    request.log.info({ client_id: clientId, tenant: tenantId, revoked: revoke?.jti ?? null, detail: reason }, 'revocation request');
    // RFC 7009 §2.2: 200 whether or not there was anything to revoke; the body is empty.
    return reply.code(200).headers(NO_STORE).send();
  });

  scope.get('/oauth2/introspect', methodNotAllowed);
  scope.get('/oauth2/revoke', methodNotAllowed);

  scope.get('/oauth2/revoked', async (request, reply) => {
    const { state, issuer } = resolve(request);
    const feed = revocationFeed(state, issuer, clock.now());
    reply.headers({ 'cache-control': REVOCATION_FEED_CACHE_CONTROL, etag: feed.etag });
    if (ifNoneMatchMatches(request.headers['if-none-match'], feed.etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(feed.body);
  });
}
