import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AdminAppDeps } from '../../deps.js';
import { Type } from '@sinclair/typebox';
import { Deleted, ListOf, pathParams, ReasonQuery } from '../../schemas/common.js';
import { RotateQuery, SigningKey } from '../../schemas/keys.js';
import { actorOf } from '../context.js';
import { presentKey } from '../present.js';

const tags = ['keys'];

export const keyRoutes =
  (deps: Pick<AdminAppDeps, 'services'>): FastifyPluginAsyncTypebox<{ withTenant: boolean }> =>
  async (app, { withTenant }) => {
    const service = deps.services.keys;
    const none = pathParams(withTenant, {});
    app.get(
      '/keys',
      {
        config: { scope: 'keys:read' },
        schema: { tags, summary: 'Signing keys of the tenant (public parts), newest first', params: none, response: { 200: ListOf(SigningKey) } },
      },
      async (request) => ({ items: (await service.list(request.tenantId)).map(presentKey), next_cursor: null }),
    );
    app.post(
      '/keys/rotate',
      {
        config: { scope: 'keys:write' },
        schema: {
          tags,
          summary:
            'Rotate now: the published next key signs (emergency=true: a fresh key signs at once and replaces the next key); the old one stays published until its tokens expire, and a new next key is published',
          params: none,
          querystring: RotateQuery,
          response: { 201: SigningKey },
        },
      },
      async (request, reply) => {
        const mode = request.query.emergency === true ? 'emergency' : 'routine';
        return reply.code(201).send(presentKey(await service.rotate(actorOf(request), request.tenantId, mode)));
      },
    );
    app.delete(
      '/keys/:kid',
      {
        config: { scope: 'keys:write' },
        schema: {
          tags,
          summary: 'Withdraw a retired or next key from the JWKS at once (a leaked key); the active key cannot be withdrawn',
          params: pathParams(withTenant, { kid: Type.String({ maxLength: 64 }) }),
          querystring: ReasonQuery,
          response: { 204: Deleted },
        },
      },
      async (request, reply) => {
        await service.withdraw(actorOf(request), request.tenantId, request.params.kid);
        return reply.code(204).send(null);
      },
    );
  };
