import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AdminAppDeps } from '../../deps.js';
import { MINUTE_MS } from '../../../domain/token-activity/model.js';
import { pathParams } from '../../schemas/common.js';
import { TokenActivity, TokenActivityQuery } from '../../schemas/token-activity.js';
import { presentTokenActivity } from '../present.js';
import { Problem } from '../problem.js';

/** The default range of a token activity query. */
const DEFAULT_RANGE_MS = 24 * 3600_000;

export const tokenActivityRoutes =
  (deps: Pick<AdminAppDeps, 'clock' | 'tokenActivity'>): FastifyPluginAsyncTypebox<{ withTenant: boolean }> =>
  async (app, { withTenant }) => {
    app.get(
      '/token-activity',
      {
        config: { scope: 'audit:read' },
        schema: {
          tags: ['token activity'],
          summary: 'Tokens issued and refused per client over time (counted in memory, stored once a minute)',
          params: pathParams(withTenant, {}),
          querystring: TokenActivityQuery,
          response: { 200: TokenActivity },
        },
      },
      async (request) => {
        const q = request.query;
        // By default up to the end of the current minute, which holds what was counted just now.
        const toMs = q.to === undefined ? (Math.floor(deps.clock.now() / MINUTE_MS) + 1) * MINUTE_MS : Date.parse(q.to);
        if (q.from !== undefined && q.last !== undefined) {
          throw new Problem(400, 'Bad Request', 'give from or last, not both', [{ pointer: '/last', detail: 'cannot be used with from' }]);
        }
        const fromMs = q.from === undefined ? toMs - (q.last === undefined ? DEFAULT_RANGE_MS : q.last * 1000) : Date.parse(q.from);
        const report = await deps.tokenActivity.report(request.tenantId, { fromMs, toMs, bucketSeconds: q.bucket, clientId: q.client_id });
        return presentTokenActivity(report);
      },
    );
  };
