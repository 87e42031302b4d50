import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PERIOD_SECONDS, quotaMembers } from '../../../domain/quotas/model.js';
import { isoTime } from '../../../lib/clock.js';
import type { AdminAppDeps } from '../../deps.js';
import { ClientQuotaUse } from '../../schemas/client-quota.js';
import { ClientIdRef, pathParams } from '../../schemas/common.js';

/** `GET /clients/{client_id}/quota`: the client's use of its token quota in the current UTC hour and day (docs/quotas.md). */
export const clientQuotaRoutes =
  (deps: Pick<AdminAppDeps, 'services' | 'clock' | 'tokenEndpoint'>): FastifyPluginAsyncTypebox<{ withTenant: boolean }> =>
  async (app, { withTenant }) => {
    app.get(
      '/clients/:client_id/quota',
      {
        config: { scope: 'clients:read' },
        schema: {
          tags: ['clients'],
          summary: "The client's use of its token quota in the current hour and day",
          params: pathParams(withTenant, { client_id: ClientIdRef() }),
          response: { 200: ClientQuotaUse },
        },
      },
      async (request) => {
        const client = await deps.services.clients.get(request.tenantId, request.params.client_id);
        const nowMs = deps.clock.now();
        const use = deps.tokenEndpoint.quotas.use(client.tenantId, client.clientId, client.tokenQuota, nowMs);
        return {
          client_id: client.clientId,
          token_quota: client.tokenQuota && quotaMembers(client.tokenQuota),
          periods: use.map((u) => ({
            period: u.period,
            limit: u.limit,
            used: u.used,
            remaining: u.limit === null ? null : Math.max(0, u.limit - u.used),
            window_start: isoTime(u.windowStart * 1000),
            resets_at: isoTime((u.windowStart + PERIOD_SECONDS[u.period]) * 1000),
          })),
        };
      },
    );
  };
