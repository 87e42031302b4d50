import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AdminAppDeps } from '../../deps.js';
import { Deleted, ListOf, pathParams, ReasonQuery } from '../../schemas/common.js';
import { ServiceAccount, ServiceAccountCreate, ServiceAccountListQuery, ServiceAccountPatch } from '../../schemas/service-accounts.js';
import { actorOf, listOf, pageOf } from '../context.js';
import { presentServiceAccount } from '../present.js';
import { Problem } from '../problem.js';

const tags = ['service accounts'];

export const serviceAccountRoutes =
  (deps: Pick<AdminAppDeps, 'services'>): FastifyPluginAsyncTypebox<{ withTenant: boolean }> =>
  async (app, { withTenant }) => {
    const service = deps.services.serviceAccounts;
    const byId = pathParams(withTenant, { id: Type.String({ maxLength: 64 }) });
    const none = pathParams(withTenant, {});

    const creates = [
      ['/service-accounts', 'Create a service account'],
      // Guide 001's command, verbatim (a SCIM-style resource path).
      ['/api/v1/resources/cid/ServiceAccount', 'Create a service account (guide 001 path; accepts userName, displayName)'],
    ] as const;
    for (const [url, summary] of creates) {
      app.post(
        url,
        {
          config: { scope: 'service-accounts:write' },
          schema: { tags, summary, params: none, querystring: ReasonQuery, body: ServiceAccountCreate, response: { 201: ServiceAccount } },
        },
        async (request, reply) => {
          const b = request.body;
          const userName = b.user_name ?? b.userName;
          if (userName === undefined) {
            throw new Problem(400, 'Bad Request', 'user_name is required', [{ pointer: '/user_name', detail: 'is required' }]);
          }
          const sa = await service.create(actorOf(request), request.tenantId, {
            userName,
            displayName: b.display_name ?? b.displayName,
            active: b.active,
            claims: b.claims,
          });
          return reply.code(201).send(presentServiceAccount(sa));
        },
      );
    }

    app.get(
      '/service-accounts',
      {
        config: { scope: 'service-accounts:read' },
        schema: { tags, summary: 'List service accounts', params: none, querystring: ServiceAccountListQuery, response: { 200: ListOf(ServiceAccount) } },
      },
      async (request) => listOf(await service.list(request.tenantId, pageOf(request.query), request.query.search), presentServiceAccount),
    );
    app.get(
      '/service-accounts/:id',
      { config: { scope: 'service-accounts:read' }, schema: { tags, summary: 'Get a service account', params: byId, response: { 200: ServiceAccount } } },
      async (request) => presentServiceAccount(await service.get(request.tenantId, request.params.id)),
    );
    app.patch(
      '/service-accounts/:id',
      {
        config: { scope: 'service-accounts:write' },
        schema: {
          tags,
          summary: 'Update a service account',
          params: byId,
          querystring: ReasonQuery,
          body: ServiceAccountPatch,
          response: { 200: ServiceAccount },
        },
      },
      async (request) =>
        presentServiceAccount(
          await service.update(actorOf(request), request.tenantId, request.params.id, {
            userName: request.body.user_name,
            displayName: request.body.display_name,
            active: request.body.active,
            claims: request.body.claims,
          }),
        ),
    );
    app.delete(
      '/service-accounts/:id',
      {
        config: { scope: 'service-accounts:write' },
        schema: { tags, summary: 'Delete a service account and its grants', params: byId, querystring: ReasonQuery, response: { 204: Deleted } },
      },
      async (request, reply) => {
        await service.delete(actorOf(request), request.tenantId, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
