import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AdminAppDeps } from '../../deps.js';
import type { Grant as GrantRecord } from '../../../domain/grants/model.js';
import { Deleted, ListOf, pathParams, ReasonQuery } from '../../schemas/common.js';
import { Grant, GrantCreate, GrantListQuery, GrantPatch } from '../../schemas/grants.js';
import { actorOf, listOf, pageOf, reachOf } from '../context.js';
import { presentGrant } from '../present.js';

const tags = ['grants'];

export const grantRoutes =
  (deps: Pick<AdminAppDeps, 'readModel' | 'services'>): FastifyPluginAsyncTypebox<{ withTenant: boolean }> =>
  async (app, { withTenant }) => {
    const service = deps.services.grants;
    const none = pathParams(withTenant, {});
    const byId = pathParams(withTenant, { id: Type.String({ maxLength: 64 }) });
    /** The API identifier of a grant, from the in-memory read model. */
    const present = (tenantId: string) => (g: GrantRecord) =>
      presentGrant(g, deps.readModel.tenant(tenantId)?.settings.apisById.get(g.apiId)?.identifier ?? '');

    app.post(
      '/grants',
      {
        config: { scope: 'grants:write' },
        schema: {
          tags,
          summary: 'Grant a client or service account scopes of an API',
          params: none,
          querystring: ReasonQuery,
          body: GrantCreate,
          response: { 201: Grant },
        },
      },
      async (request, reply) => {
        const b = request.body;
        const { grant, api } = await service.create(
          actorOf(request),
          request.tenantId,
          { clientId: b.client_id, serviceAccountId: b.service_account_id, apiId: b.api_id, apiIdentifier: b.api_identifier, scopes: b.scopes },
          reachOf(request),
        );
        return reply.code(201).send(presentGrant(grant, api.identifier));
      },
    );
    app.get(
      '/grants',
      {
        config: { scope: 'grants:read' },
        schema: { tags, summary: 'List grants', params: none, querystring: GrantListQuery, response: { 200: ListOf(Grant) } },
      },
      async (request) => {
        const q = request.query;
        const page = await service.list(request.tenantId, pageOf(q), { clientId: q.client_id, serviceAccountId: q.service_account_id, apiId: q.api_id });
        return listOf(page, present(request.tenantId));
      },
    );
    app.get(
      '/grants/:id',
      { config: { scope: 'grants:read' }, schema: { tags, summary: 'Get a grant', params: byId, response: { 200: Grant } } },
      async (request) => present(request.tenantId)(await service.get(request.tenantId, request.params.id)),
    );
    app.patch(
      '/grants/:id',
      {
        config: { scope: 'grants:write' },
        schema: { tags, summary: "Replace a grant's scopes", params: byId, querystring: ReasonQuery, body: GrantPatch, response: { 200: Grant } },
      },
      async (request) => {
        const { grant, api } = await service.update(actorOf(request), request.tenantId, request.params.id, request.body.scopes, reachOf(request));
        return presentGrant(grant, api.identifier);
      },
    );
    app.delete(
      '/grants/:id',
      { config: { scope: 'grants:write' }, schema: { tags, summary: 'Revoke a grant', params: byId, querystring: ReasonQuery, response: { 204: Deleted } } },
      async (request, reply) => {
        await service.delete(actorOf(request), request.tenantId, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
