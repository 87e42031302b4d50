import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import type { AdminAppDeps } from '../../deps.js';
import { MAX_CONFIG_BYTES } from '../../../domain/configuration/document.js';
import { ConfigApplyBody, ConfigApplyQuery, ConfigApplyResult, ConfigDocument, ConfigExportQuery, publishedConfigSchema } from '../../schemas/config.js';
import { actorOf, reachOf } from '../context.js';
import { acceptsYaml, registerYamlBodyParser } from '../yaml-body.js';
import { stringify } from 'yaml';

const tags = ['configuration'];

/** Tessera as code (DESIGN §13, docs/gitops.md): apply and export configuration documents, and their JSON Schema. */
export const configRoutes =
  (deps: Pick<AdminAppDeps, 'services'>): FastifyPluginAsyncTypebox =>
  async (app) => {
    const service = deps.services.configuration;
    const schema = publishedConfigSchema();
    // POST /config/apply also takes YAML (this plugin's routes only).
    registerYamlBodyParser(app);

    app.get('/config/schema.json', { config: { access: 'public' }, schema: { hide: true } }, async () => schema);

    app.post(
      '/config/apply',
      {
        bodyLimit: MAX_CONFIG_BYTES,
        config: { scope: 'config:write' },
        schema: {
          tags,
          summary: 'Plan or apply a configuration document: all of it in one transaction, or nothing',
          querystring: ConfigApplyQuery,
          body: ConfigApplyBody,
          response: { 200: ConfigApplyResult },
        },
      },
      async (request) => {
        const { client_secrets: clientSecrets, ...document } = request.body;
        return service.apply(
          actorOf(request),
          document,
          { dryRun: request.query.dry_run === true, prune: request.query.prune === true, clientSecrets: clientSecrets ?? [] },
          reachOf(request),
        );
      },
    );

    app.get(
      '/config/export',
      {
        config: { scope: 'config:read' },
        schema: {
          tags,
          summary: 'The current configuration as a document: applying it changes nothing',
          querystring: ConfigExportQuery,
          response: { 200: ConfigDocument },
        },
      },
      async (request, reply) => {
        const document = await service.export(request.query.tenant === undefined ? null : [request.query.tenant], reachOf(request));
        const yaml = request.query.format === 'yaml' || (request.query.format === undefined && acceptsYaml(request.headers.accept));
        // A string with a non-JSON type is sent as it is: the response schema (JSON) does not apply to it.
        if (yaml) return reply.type('application/yaml; charset=utf-8').send(stringify(document) as never);
        // JWK members are the domain's JSONWebKeySet, which jose types with an optional kty: every stored key has one.
        return document as Static<typeof ConfigDocument>;
      },
    );
  };
