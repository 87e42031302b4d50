import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AdminAppDeps } from '../../deps.js';
import { AdminToken, AdminTokenCreate, AdminTokenCreated } from '../../schemas/admin-tokens.js';
import { Deleted, ListOf, PageQuery, ReasonQuery } from '../../schemas/common.js';
import { actorOf, listOf, pageOf, reachOf } from '../context.js';
import { presentAdminToken } from '../present.js';

const tags = ['admin tokens'];
const read = { access: 'global' as const, scope: 'admin-tokens:read' as const };
const write = { access: 'global' as const, scope: 'admin-tokens:write' as const };

/** Admin tokens are installation-wide: managed with an unrestricted token only. */
export const adminTokenRoutes =
  (deps: Pick<AdminAppDeps, 'services'>): FastifyPluginAsyncTypebox =>
  async (app) => {
    const service = deps.services.adminTokens;
    app.post(
      '/admin-tokens',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create an admin token (shown once); with tenant, it acts on that tenant only',
          querystring: ReasonQuery,
          body: AdminTokenCreate,
          response: { 201: AdminTokenCreated },
        },
      },
      async (request, reply) => {
        const { token, value } = await service.create(
          actorOf(request),
          { name: request.body.name, tenantId: request.body.tenant, scopes: request.body.scopes, expiresIn: request.body.expires_in },
          reachOf(request),
        );
        return reply
          .code(201)
          .header('cache-control', 'no-store')
          .send({ ...presentAdminToken(token), token: value });
      },
    );
    app.get(
      '/admin-tokens',
      {
        config: read,
        schema: {
          tags,
          summary: 'List admin tokens (never their values)',
          querystring: Type.Object(PageQuery, { additionalProperties: false }),
          response: { 200: ListOf(AdminToken) },
        },
      },
      async (request) => listOf(await service.list(pageOf(request.query)), presentAdminToken),
    );
    app.delete(
      '/admin-tokens/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Revoke an admin token (the record of TESSERA_ADMIN_TOKEN returns at the next start while the variable is set)',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          querystring: ReasonQuery,
          response: { 204: Deleted },
        },
      },
      async (request, reply) => {
        await service.delete(actorOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
