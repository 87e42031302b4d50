import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import type { AdminAppDeps } from '../deps.js';
import { registerAdminAuth } from './auth.js';
import { clientErrorHandler } from '../client-error.js';
import { connectionLimits, limitedServer } from '../connection-limits.js';
import { drainOptions, registerDrain } from '../drain.js';
import { observabilityOptions, registerObservability } from '../observability.js';
import { registerConsole, registerConsoleRedirect } from './console.js';
import { containsNul, registerAdminBodyParsers } from './body.js';
import { registerTenantScope } from './context.js';
import { adminSecuritySchemes, operationSecurity, withRouteSecurity } from './openapi-security.js';
import { registerAdminUrlChecks } from './input.js';
import { ADMIN_RETRY_AFTER, Problem, problemDocument, sendProblem } from './problem.js';
import { adminTokenRoutes } from './routes/admin-tokens.js';
import { apiRoutes } from './routes/apis.js';
import { federatedIssuerRoutes } from './routes/federated-issuers.js';
import { auditRoutes } from './routes/audit.js';
import { certificateRoutes } from './routes/certificates.js';
import { clientRoutes } from './routes/clients.js';
import { clientQuotaRoutes } from './routes/client-quota.js';
import { configRoutes } from './routes/config.js';
import { grantRoutes } from './routes/grants.js';
import { keyRoutes } from './routes/keys.js';
import { playgroundRoutes } from './routes/playground.js';
import { revocationRoutes } from './routes/revocations.js';
import { serviceAccountRoutes } from './routes/service-accounts.js';
import { tenantRoutes } from './routes/tenants.js';
import { tokenActivityRoutes } from './routes/token-activity.js';
import { whoamiRoutes } from './routes/whoami.js';

export const ADMIN_BODY_LIMIT = 256 * 1024;

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/** Titles and details of the answers to requests Node's HTTP parser refused. */
const RAW_TITLES: Record<number, string> = { 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };
const RAW_DETAILS: Record<number, string> = {
  408: 'the request took too long to arrive',
  431: 'the request header fields are too large (16 KiB at most)',
};

/**
 * The admin listener: the REST API of docs/api.md under `/tenants/{tenant}` and, for the default
 * tenant, at the root; RFC 9457 problems; `/openapi.json` generated from the route schemas.
 */
export interface AdminAppOptions {
  /** The built console (default: dist/console). */
  consoleDir?: string;
  /** Told of every route as it registers, with its config (the route table test reads them). */
  onRoute?: (route: RouteOptions) => void;
}

export async function buildAdminApp(deps: AdminAppDeps, options: AdminAppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // Typed as Fastify's logger, not pino's: the instance's type then fits the routes' FastifyInstance.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    loggerInstance: deps.logger.child({ listener: 'admin' }) as FastifyBaseLogger,
    ...observabilityOptions(),
    bodyLimit: ADMIN_BODY_LIMIT,
    serverFactory: (handler) => limitedServer(connectionLimits(deps.config), undefined, handler),
    ...drainOptions(),
    // Room for a client id of 255 characters (CLIENT_ID_PATTERN), counted after percent-decoding; longer path segments are 414.
    routerOptions: { maxParamLength: 256 },
    // Bad percent-encoding, over-long path segments: answered before any hook runs, so the headers are set here.
    frameworkErrors: (err, request, reply) =>
      void sendProblem(err, request, reply.headers({ ...SECURITY_HEADERS, 'cache-control': 'no-store', 'x-request-id': request.id })),
    clientErrorHandler: clientErrorHandler((status) => ({
      contentType: 'application/problem+json',
      body: JSON.stringify(problemDocument(new Problem(status, RAW_TITLES[status] ?? 'Bad Request', RAW_DETAILS[status] ?? 'the request is malformed'))),
      headers: { ...SECURITY_HEADERS, 'cache-control': 'no-store' },
    })),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  registerObservability(app, deps.metrics.requestDurations('admin'));
  registerDrain(app);
  registerAdminBodyParsers(app);
  registerConsoleRedirect(app);
  registerAdminAuth(app, deps);
  registerAdminUrlChecks(app);
  app.setErrorHandler((err, request, reply) => sendProblem(err, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(new Problem(404, 'Not Found', `no route ${request.method} ${request.url.split('?')[0]}`), request, reply),
  );
  // A POST or PATCH without a body means "no fields": validated as {}.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && (request.method === 'POST' || request.method === 'PATCH')) request.body = {};
    // PostgreSQL text cannot hold NUL: refused alike on every store, before any lookup.
    if (request.url.includes('%00') || containsNul(request.body)) throw new Problem(400, 'Bad Request', 'the request contains a NUL character');
  });
  app.addHook('onSend', async (_request, reply) => {
    // The console's pages set their own policy; every other answer gets `default-src 'none'`.
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(name)) reply.header(name, value);
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Tessera admin API',
        version: '1',
        description: 'Machine-to-machine identity: tenants, service accounts, clients, APIs, grants, federated issuers, keys, audit.',
      },
      components: { securitySchemes: adminSecuritySchemes(`${deps.issuers.publicUrl}/oauth2/token`) },
      security: operationSecurity('authenticated'),
    },
    transform: withRouteSecurity,
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });

  app.get('/health/alive', { config: { access: 'public' }, schema: { hide: true } }, async () => ({ status: 'alive' }));
  // Ready: the database answers and, with PostgreSQL, this process hears other processes' changes.
  app.get('/health/ready', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    const unavailable = () =>
      reply.code(503).header('retry-after', String(ADMIN_RETRY_AFTER)).send({ status: 'unavailable', detail: 'the database does not answer' });
    if (!deps.storeHealth.available) return unavailable();
    try {
      await deps.store.ping();
      return { status: 'ready' };
    } catch {
      return unavailable();
    }
  });
  // Prometheus scrapes (text format 0.0.4); left out of the OpenAPI document like the health checks.
  app.get('/metrics', { config: { access: 'metrics', scope: 'admin' }, schema: { hide: true } }, async (_request, reply) => {
    const page = await deps.metrics.render();
    return reply.type(page.contentType).send(page.body);
  });
  registerConsole(app, options.consoleDir);
  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  const tenantScoped = async (scope: FastifyInstance, { withTenant }: { withTenant: boolean }) => {
    registerTenantScope(scope, deps);
    // Only `withTenant` goes down: passing the whole options would repeat the `/tenants/:tenant` prefix.
    const opts = { withTenant };
    await scope.register(serviceAccountRoutes(deps), opts);
    await scope.register(clientRoutes(deps), opts);
    await scope.register(clientQuotaRoutes(deps), opts);
    await scope.register(apiRoutes(deps), opts);
    await scope.register(federatedIssuerRoutes(deps), opts);
    await scope.register(grantRoutes(deps), opts);
    await scope.register(keyRoutes(deps), opts);
    await scope.register(revocationRoutes(deps), opts);
    await scope.register(auditRoutes(deps), opts);
    await scope.register(tokenActivityRoutes(deps), opts);
    await scope.register(playgroundRoutes(deps), opts);
    await scope.register(certificateRoutes(), opts);
  };
  await app.register(tenantScoped, { withTenant: false });
  await app.register(tenantScoped, { prefix: '/tenants/:tenant', withTenant: true });
  await app.register(tenantRoutes(deps));
  await app.register(adminTokenRoutes(deps));
  await app.register(whoamiRoutes());
  await app.register(configRoutes(deps));
  return app;
}
