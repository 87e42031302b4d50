import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AdminAppDeps } from '../../deps.js';
import { Api, ApiCreate, ApiPatch } from '../../schemas/apis.js';
import { Deleted, ListOf, PageQuery, pathParams, ReasonQuery } from '../../schemas/common.js';
import { actorOf, listOf, pageOf } from '../context.js';
import { presentApi } from '../present.js';

const tags = ['apis'];

export const apiRoutes =
  (deps: Pick<AdminAppDeps, 'services'>): FastifyPluginAsyncTypebox<{ withTenant: boolean }> =>
  async (app, { withTenant }) => {
    const service = deps.services.apis;
    const none = pathParams(withTenant, {});
    const byId = pathParams(withTenant, { id: Type.String({ maxLength: 64 }) });

    app.post(
      '/apis',
      {
        config: { scope: 'apis:write' },
        schema: {
          tags,
          summary: 'Register an API (resource server) with its scopes',
          params: none,
          querystring: ReasonQuery,
          body: ApiCreate,
          response: { 201: Api },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const api = await service.create(actorOf(request), request.tenantId, {
          name: b.name,
          identifier: b.identifier,
          scopes: b.scopes,
          accessTokenTtl: b.access_token_ttl,
          dpopBoundAccessTokens: b.dpop_bound_access_tokens,
          claims: b.claims,
          tokenExchange: b.token_exchange,
        });
        return reply.code(201).send(presentApi(api));
      },
    );
    app.get(
      '/apis',
      {
        config: { scope: 'apis:read' },
        schema: {
          tags,
          summary: 'List APIs',
          params: none,
          querystring: Type.Object(PageQuery, { additionalProperties: false }),
          response: { 200: ListOf(Api) },
        },
      },
      async (request) => listOf(await service.list(request.tenantId, pageOf(request.query)), presentApi),
    );
    app.get('/apis/:id', { config: { scope: 'apis:read' }, schema: { tags, summary: 'Get an API', params: byId, response: { 200: Api } } }, async (request) =>
      presentApi(await service.get(request.tenantId, request.params.id)),
    );
    app.patch(
      '/apis/:id',
      {
        config: { scope: 'apis:write' },
        schema: {
          tags,
          summary: 'Update an API; removed scopes leave its grants',
          params: byId,
          querystring: ReasonQuery,
          body: ApiPatch,
          response: { 200: Api },
        },
      },
      async (request) => {
        const b = request.body;
        return presentApi(
          await service.update(actorOf(request), request.tenantId, request.params.id, {
            name: b.name,
            identifier: b.identifier,
            scopes: b.scopes,
            accessTokenTtl: b.access_token_ttl,
            dpopBoundAccessTokens: b.dpop_bound_access_tokens,
            claims: b.claims,
            tokenExchange: b.token_exchange,
          }),
        );
      },
    );
    app.delete(
      '/apis/:id',
      {
        config: { scope: 'apis:write' },
        schema: { tags, summary: 'Delete an API and its grants', params: byId, querystring: ReasonQuery, response: { 204: Deleted } },
      },
      async (request, reply) => {
        await service.delete(actorOf(request), request.tenantId, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
