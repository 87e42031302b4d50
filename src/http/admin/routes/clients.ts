import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AdminAppDeps } from '../../deps.js';
import { TLS_CLIENT_AUTH_FIELDS, type Client as ClientRecord, type TlsClientAuthName } from '../../../domain/clients/model.js';
import { tlsClientAuthOfMembers } from '../../../domain/clients/tls-names.js';
import { InvalidError } from '../../../domain/errors.js';
import type { ClientPatch as ClientPatchInput } from '../../../domain/clients/service.js';
import { Client, ClientCreate, ClientCreated, ClientListQuery, ClientPatch, SecretCreate, SecretCreated } from '../../schemas/clients.js';
import { ClientIdRef, Deleted, ListOf, pathParams, ReasonQuery } from '../../schemas/common.js';
import { actorOf, listOf, pageOf, reachOf } from '../context.js';
import { presentClient } from '../present.js';
import { quotaOfMembers } from '../../../domain/quotas/model.js';

const tags = ['clients'];

/**
 * The tls_client_auth name a body sets (RFC 8705 §2.1.2): the one of the five fields given a value; null when it
 * gives only nulls (clearing the name); undefined when it names none. 422 when it gives two values.
 */
function tlsClientAuth(b: typeof ClientPatch.static): TlsClientAuthName | null | undefined {
  const { name, errors } = tlsClientAuthOfMembers((member) => b[member as `tls_client_auth_${(typeof TLS_CLIENT_AUTH_FIELDS)[number]}`]);
  if (errors.length > 0) throw new InvalidError('the client metadata is not valid', errors);
  return name;
}

/** API metadata names (RFC 7591) → the domain's. */
function metadata(b: typeof ClientPatch.static): ClientPatchInput {
  return {
    clientName: b.client_name,
    clientType: b.client_type,
    grantTypes: b.grant_types,
    responseTypes: b.response_types,
    audience: b.audience,
    scope: b.scope,
    tokenEndpointAuthMethod: b.token_endpoint_auth_method,
    jwks: b.jwks === undefined || b.jwks === null ? b.jwks : { keys: b.jwks.keys },
    jwksUri: b.jwks_uri,
    serviceAccountId: b.service_account_id,
    accessTokenTtl: b.access_token_ttl,
    active: b.active,
    dpopBoundAccessTokens: b.dpop_bound_access_tokens,
    tlsClientAuth: tlsClientAuth(b),
    tlsClientCertificateBoundAccessTokens: b.tls_client_certificate_bound_access_tokens,
    tokenQuota: b.token_quota && quotaOfMembers(b.token_quota),
    federatedCredentials: b.federated_credentials,
    claims: b.claims,
    claimMappings: b.claim_mappings,
  };
}

export const clientRoutes =
  (deps: Pick<AdminAppDeps, 'services'>): FastifyPluginAsyncTypebox<{ withTenant: boolean }> =>
  async (app, { withTenant }) => {
    const service = deps.services.clients;
    const present = async (tenantId: string, client: ClientRecord) => presentClient(client, await service.issuerNames(tenantId, [client]));
    const none = pathParams(withTenant, {});
    const byId = pathParams(withTenant, { client_id: ClientIdRef() });
    const bySecret = pathParams(withTenant, { client_id: ClientIdRef(), secret_id: Type.String({ maxLength: 64 }) });

    // `/client` is guide 000's path (Ory Hydra's), verbatim.
    for (const url of ['/clients', '/client']) {
      app.post(
        url,
        {
          config: { scope: 'clients:write' },
          schema: {
            tags,
            summary: 'Register a client; the answer alone holds client_secret',
            params: none,
            querystring: ReasonQuery,
            body: ClientCreate,
            response: { 201: ClientCreated },
          },
        },
        async (request, reply) => {
          const { client, secret } = await service.create(
            actorOf(request),
            request.tenantId,
            { clientId: request.body.client_id, ...metadata(request.body) },
            reachOf(request),
          );
          return reply
            .code(201)
            .header('cache-control', 'no-store')
            .send({ ...(await present(request.tenantId, client)), ...(secret ? { client_secret: secret.value, client_secret_expires_at: 0 } : {}) });
        },
      );
    }
    app.get(
      '/clients',
      {
        config: { scope: 'clients:read' },
        schema: { tags, summary: 'List clients', params: none, querystring: ClientListQuery, response: { 200: ListOf(Client) } },
      },
      async (request) => {
        const page = await service.list(request.tenantId, pageOf(request.query), { serviceAccountId: request.query.service_account_id });
        const names = await service.issuerNames(request.tenantId, page.items);
        return listOf(page, (c) => presentClient(c, names));
      },
    );
    app.get(
      '/clients/:client_id',
      { config: { scope: 'clients:read' }, schema: { tags, summary: 'Get a client (never its secrets)', params: byId, response: { 200: Client } } },
      async (request) => present(request.tenantId, await service.get(request.tenantId, request.params.client_id)),
    );
    app.patch(
      '/clients/:client_id',
      {
        config: { scope: 'clients:write' },
        schema: { tags, summary: 'Update a client', params: byId, querystring: ReasonQuery, body: ClientPatch, response: { 200: Client } },
      },
      async (request) =>
        present(request.tenantId, await service.update(actorOf(request), request.tenantId, request.params.client_id, metadata(request.body), reachOf(request))),
    );
    app.delete(
      '/clients/:client_id',
      {
        config: { scope: 'clients:write' },
        schema: { tags, summary: 'Delete a client with its secrets and grants', params: byId, querystring: ReasonQuery, response: { 204: Deleted } },
      },
      async (request, reply) => {
        await service.delete(actorOf(request), request.tenantId, request.params.client_id);
        return reply.code(204).send(null);
      },
    );
    app.post(
      '/clients/:client_id/secrets',
      {
        config: { scope: 'clients:write' },
        schema: {
          tags,
          summary: 'Add a secret (rotation); expires_in puts an expiry on the existing ones',
          params: byId,
          querystring: ReasonQuery,
          body: SecretCreate,
          response: { 201: SecretCreated },
        },
      },
      async (request, reply) => {
        const secret = await service.addSecret(actorOf(request), request.tenantId, request.params.client_id, reachOf(request), request.body?.expires_in);
        return reply
          .code(201)
          .header('cache-control', 'no-store')
          .send({ id: secret.id, client_secret: secret.value, created_at: secret.createdAt, expires_at: secret.expiresAt });
      },
    );
    app.delete(
      '/clients/:client_id/secrets/:secret_id',
      {
        config: { scope: 'clients:write' },
        schema: { tags, summary: 'Remove one secret', params: bySecret, querystring: ReasonQuery, response: { 204: Deleted } },
      },
      async (request, reply) => {
        await service.deleteSecret(actorOf(request), request.tenantId, request.params.client_id, request.params.secret_id);
        return reply.code(204).send(null);
      },
    );
  };
