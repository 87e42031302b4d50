import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FederatedIssuer as FederatedIssuerRecord } from '../../../domain/federation/model.js';
import type { FederatedIssuerPatch as PatchInput } from '../../../domain/federation/service.js';
import type { AdminAppDeps } from '../../deps.js';
import { Deleted, ListOf, PageQuery, pathParams, ReasonQuery } from '../../schemas/common.js';
import { FederatedIssuer, FederatedIssuerCreate, FederatedIssuerPatch } from '../../schemas/federated-issuers.js';
import { actorOf, listOf, pageOf, reachOf } from '../context.js';
import { presentFederatedIssuer } from '../present.js';

const tags = ['federated-issuers'];

/** API field names → the domain's. */
function settings(b: typeof FederatedIssuerPatch.static): PatchInput {
  return {
    name: b.name,
    issuer: b.issuer,
    kind: b.kind,
    jwks: b.jwks === undefined || b.jwks === null ? b.jwks : { keys: b.jwks.keys },
    jwksUri: b.jwks_uri,
    discoveryUrl: b.discovery_url,
    audiences: b.audiences,
    maxTokenAge: b.max_token_age,
    requireJti: b.require_jti,
    bearerTokenFile: b.bearer_token_file,
    allowLongerThanAssertion: b.allow_longer_than_assertion,
    algorithms: b.algorithms,
  };
}

/** Federated issuers of a tenant (docs/api.md#federated-issuers): the platforms whose tokens authenticate clients. */
export const federatedIssuerRoutes =
  (deps: Pick<AdminAppDeps, 'services'>): FastifyPluginAsyncTypebox<{ withTenant: boolean }> =>
  async (app, { withTenant }) => {
    const service = deps.services.federatedIssuers;
    const none = pathParams(withTenant, {});
    const byId = pathParams(withTenant, { id: Type.String({ maxLength: 64 }) });
    const present = (i: FederatedIssuerRecord) => presentFederatedIssuer(i, service.effectiveAudiences(i));

    app.post(
      '/federated-issuers',
      {
        config: { scope: 'federation:write' },
        schema: {
          tags,
          summary: 'Trust a federated issuer: its tokens authenticate the clients whose federated credentials they match',
          params: none,
          querystring: ReasonQuery,
          body: FederatedIssuerCreate,
          response: { 201: FederatedIssuer },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const issuer = await service.create(actorOf(request), request.tenantId, { ...settings(b), name: b.name, issuer: b.issuer });
        return reply.code(201).send(present(issuer));
      },
    );
    app.get(
      '/federated-issuers',
      {
        config: { scope: 'federation:read' },
        schema: {
          tags,
          summary: 'List federated issuers',
          params: none,
          querystring: Type.Object(PageQuery, { additionalProperties: false }),
          response: { 200: ListOf(FederatedIssuer) },
        },
      },
      async (request) => listOf(await service.list(request.tenantId, pageOf(request.query)), present),
    );
    app.get(
      '/federated-issuers/:id',
      { config: { scope: 'federation:read' }, schema: { tags, summary: 'Get a federated issuer', params: byId, response: { 200: FederatedIssuer } } },
      async (request) => present(await service.get(request.tenantId, request.params.id)),
    );
    app.patch(
      '/federated-issuers/:id',
      {
        config: { scope: 'federation:write' },
        schema: {
          tags,
          summary: 'Update a federated issuer',
          params: byId,
          querystring: ReasonQuery,
          body: FederatedIssuerPatch,
          response: { 200: FederatedIssuer },
        },
      },
      async (request) => present(await service.update(actorOf(request), request.tenantId, request.params.id, settings(request.body), reachOf(request))),
    );
    app.delete(
      '/federated-issuers/:id',
      {
        config: { scope: 'federation:write' },
        schema: {
          tags,
          summary: 'Remove a federated issuer no federated credential names',
          params: byId,
          querystring: ReasonQuery,
          response: { 204: Deleted },
        },
      },
      async (request, reply) => {
        await service.delete(actorOf(request), request.tenantId, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
