import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AdminAppDeps } from '../../deps.js';
import { ClientIdRef, pathParams, ReasonQuery } from '../../schemas/common.js';
import { TokenCutoff } from '../../schemas/revocations.js';
import { actorOf } from '../context.js';
import { presentTokenCutoff } from '../present.js';

const tags = ['clients'];

export const revocationRoutes =
  (deps: Pick<AdminAppDeps, 'services'>): FastifyPluginAsyncTypebox<{ withTenant: boolean }> =>
  async (app, { withTenant }) => {
    const service = deps.services.revocations;
    const byId = pathParams(withTenant, { client_id: ClientIdRef() });
    app.post(
      '/clients/:client_id/revoke-tokens',
      {
        config: { scope: 'clients:write' },
        schema: {
          tags,
          summary: 'Revoke every token the client holds now: introspection answers inactive and the revocation feed lists the cut-off',
          params: byId,
          querystring: ReasonQuery,
          response: { 200: TokenCutoff },
        },
      },
      async (request) => presentTokenCutoff(await service.revokeClientTokens(actorOf(request), request.tenantId, request.params.client_id)),
    );
  };
