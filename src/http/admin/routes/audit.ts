import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AdminAppDeps } from '../../deps.js';
import { DEFAULT_TENANT } from '../../../domain/tenants/model.js';
import { AuditEvent, AuditQuery } from '../../schemas/audit.js';
import { ListOf, pathParams } from '../../schemas/common.js';
import { listOf, pageOf } from '../context.js';
import { ADMIN_TOKEN_ACTOR } from '../auth.js';
import { presentAuditEvent } from '../present.js';

export const auditRoutes =
  (deps: Pick<AdminAppDeps, 'services'>): FastifyPluginAsyncTypebox<{ withTenant: boolean }> =>
  async (app, { withTenant }) => {
    app.get(
      '/audit-events',
      {
        config: { scope: 'audit:read' },
        schema: {
          tags: ['audit'],
          summary: 'Who did what, when and why, newest first (the root log also shows installation-wide events to unrestricted tokens)',
          params: pathParams(withTenant, {}),
          querystring: AuditQuery,
          response: { 200: ListOf(AuditEvent) },
        },
      },
      async (request) => {
        const q = request.query;
        const page = await deps.services.audit.list(request.tenantId, pageOf(q), {
          includeGlobal: !withTenant && request.tenantId === DEFAULT_TENANT && request.admin?.tenantId === null,
          actor: q.actor,
          action: q.action,
          targetType: q.target_type,
          targetId: q.target_id,
          since: q.since && new Date(q.since).toISOString(),
          until: q.until && new Date(q.until).toISOString(),
        });
        // The admin tokens' names, in one query for the page: events store the actor's id only.
        const tokenIds = new Set<string>();
        for (const e of page.items) if (e.actor.startsWith(ADMIN_TOKEN_ACTOR)) tokenIds.add(e.actor.slice(ADMIN_TOKEN_ACTOR.length));
        const names = await deps.services.adminTokens.namesOf([...tokenIds]);
        return listOf(page, (e) => ({
          ...presentAuditEvent(e),
          actor_name: e.actor.startsWith(ADMIN_TOKEN_ACTOR) ? (names.get(e.actor.slice(ADMIN_TOKEN_ACTOR.length)) ?? null) : null,
        }));
      },
    );
  };
