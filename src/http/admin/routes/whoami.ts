import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Whoami } from '../../schemas/whoami.js';

/** `GET /whoami`: the caller as the admin API sees it, so that a console or a script can offer only what it may do. */
export const whoamiRoutes = (): FastifyPluginAsyncTypebox => async (app) => {
  app.get(
    '/whoami',
    {
      config: { scope: 'authenticated' },
      schema: { tags: ['admin tokens'], summary: 'The calling token: who it is, the tenant it is limited to, the scopes it holds', response: { 200: Whoami } },
    },
    async (request) => {
      const caller = request.admin;
      // Authenticated by the onRequest hook: a request reaching here always has a caller.
      if (caller === null) throw new Error('no caller');
      return { actor: caller.actorId, kind: caller.kind, tenant: caller.tenantId, scopes: [...caller.scopes] };
    },
  );
};
