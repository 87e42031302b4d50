import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AdminAppDeps } from '../../deps.js';
import type { Tenant as TenantRecord } from '../../../domain/tenants/model.js';
import { Deleted, ListOf, PageQuery, ReasonQuery, TenantId } from '../../schemas/common.js';
import { Tenant, TenantCreate, TenantPatch } from '../../schemas/tenants.js';
import { actorOf, listOf, pageOf, reachOf } from '../context.js';
import { presentTenant } from '../present.js';
import type { AdminPrincipal } from '../auth.js';
import { limitedToTenant } from '../challenges.js';

const tags = ['tenants'];

export const tenantRoutes =
  (deps: Pick<AdminAppDeps, 'issuers' | 'services'>): FastifyPluginAsyncTypebox =>
  async (app) => {
    const service = deps.services.tenants;
    const present = (t: TenantRecord) => presentTenant(t, deps.issuers.issuerOf(t.id));
    const byId = Type.Object({ tenant: TenantId });
    /** A tenant-limited token sees and changes its own tenant only. */
    const allowed = (request: { admin: AdminPrincipal | null }, id: string) => {
      const caller = request.admin;
      if (caller !== null && caller.tenantId !== null && caller.tenantId !== id) throw limitedToTenant(caller);
    };

    app.get(
      '/tenants',
      {
        config: { scope: 'tenants:read' },
        schema: { tags, summary: 'List tenants', querystring: Type.Object(PageQuery, { additionalProperties: false }), response: { 200: ListOf(Tenant) } },
      },
      async (request) => listOf(await service.list(pageOf(request.query), request.admin?.tenantId ?? undefined), present),
    );
    app.post(
      '/tenants',
      {
        config: { access: 'global', scope: 'tenants:write' },
        schema: { tags, summary: 'Create a tenant with its first signing key', querystring: ReasonQuery, body: TenantCreate, response: { 201: Tenant } },
      },
      async (request, reply) => {
        const b = request.body;
        const tenant = await service.create(actorOf(request), {
          id: b.id,
          name: b.name,
          signingAlg: b.signing_alg,
          accessTokenTtl: b.access_token_ttl,
          tlsClientCas: b.tls_client_cas,
        });
        return reply.code(201).send(present(tenant));
      },
    );
    app.get(
      '/tenants/:tenant',
      { config: { scope: 'tenants:read' }, schema: { tags, summary: 'Get a tenant', params: byId, response: { 200: Tenant } } },
      async (request) => {
        allowed(request, request.params.tenant);
        return present(await service.get(request.params.tenant));
      },
    );
    app.patch(
      '/tenants/:tenant',
      {
        config: { scope: 'tenants:write' },
        schema: {
          tags,
          summary: 'Update a tenant; a new signing_alg rotates to a key of that algorithm',
          params: byId,
          querystring: ReasonQuery,
          body: TenantPatch,
          response: { 200: Tenant },
        },
      },
      async (request) => {
        allowed(request, request.params.tenant);
        const b = request.body;
        return present(
          await service.update(
            actorOf(request),
            request.params.tenant,
            {
              name: b.name,
              signingAlg: b.signing_alg,
              accessTokenTtl: b.access_token_ttl,
              tlsClientCas: b.tls_client_cas,
            },
            reachOf(request),
          ),
        );
      },
    );
    app.delete(
      '/tenants/:tenant',
      {
        config: { access: 'global', scope: 'tenants:write' },
        schema: { tags, summary: 'Delete a tenant and everything it owns', params: byId, querystring: ReasonQuery, response: { 204: Deleted } },
      },
      async (request, reply) => {
        await service.delete(actorOf(request), request.params.tenant);
        return reply.code(204).send(null);
      },
    );
  };
