import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { refuseEscalation, wouldHold } from '../../../domain/admin-reach.js';
import { ADMIN_API_IDENTIFIER } from '../../../domain/admin-scopes.js';
import { splitScope } from '../../../domain/apis/model.js';
import type { AdminAppDeps } from '../../deps.js';
import { toOAuthError } from '../../../protocol/errors.js';
import { RequestParams } from '../../../protocol/params.js';
import { handleTokenRequest } from '../../../protocol/token-endpoint.js';
import { pathParams } from '../../schemas/common.js';
import { PlaygroundToken, PlaygroundTokenRequest } from '../../schemas/playground.js';
import { reachOf } from '../context.js';
import { Problem } from '../problem.js';

/** The JSON of one base64url JWT segment. */
const segment = (jwt: string, i: number) => JSON.parse(Buffer.from(jwt.split('.')[i] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

/**
 * The console's token playground: a client_credentials request (`client_secret_post`) run
 * through the tenant's token endpoint in this process, answered with the decoded token. The
 * console cannot call the public listener itself: its policy allows this origin only.
 */
export const playgroundRoutes =
  (deps: Pick<AdminAppDeps, 'issuers' | 'readModel' | 'secretUsage' | 'tokenEndpoint'>): FastifyPluginAsyncTypebox<{ withTenant: boolean }> =>
  async (app, { withTenant }) => {
    app.post(
      '/playground/token',
      {
        config: { scope: 'clients:read' },
        schema: {
          tags: ['playground'],
          summary: "Request a token as a client (client_secret_post) through the tenant's token endpoint; answers the decoded header and claims",
          params: pathParams(withTenant, {}),
          body: PlaygroundTokenRequest,
          response: { 200: PlaygroundToken },
        },
      },
      async (request) => {
        const tenant = deps.readModel.tenant(request.tenantId);
        if (!tenant) throw new Problem(503, 'Service Unavailable', 'the tenant is not loaded yet; retry shortly');
        const b = request.body;
        const params = new Map<string, string[]>([
          ['grant_type', ['client_credentials']],
          ['client_id', [b.client_id]],
          ['client_secret', [b.client_secret]],
        ]);
        if (b.scope !== undefined && b.scope !== '') params.set('scope', [b.scope]);
        if (b.audience !== undefined) params.set('audience', [b.audience]);
        const issuer = deps.issuers.issuerOf(request.tenantId);
        let issued: Awaited<ReturnType<typeof handleTokenRequest>>;
        try {
          issued = await handleTokenRequest(
            {
              tenant,
              issuer,
              authorization: undefined,
              queryParameters: [],
              params: new RequestParams(params),
              dpop: undefined,
              endpointUrl: `${issuer}/oauth2/token`,
              address: request.ip,
              certificate: null,
            },
            deps.tokenEndpoint,
          );
        } catch (err) {
          const oauth = toOAuthError(err);
          return { status: oauth.status, response: oauth.toJSON(), header: null, claims: null };
        }
        const { response, client } = issued;
        if (client.secretId !== null) deps.secretUsage.record(client.entry.slot, client.secretId);
        const claims = segment(response.access_token, 1);
        // A token for the admin API is shown only to a caller that holds its scopes itself.
        if ([claims.aud].flat().includes(ADMIN_API_IDENTIFIER)) {
          refuseEscalation(
            reachOf(request),
            splitScope(typeof claims.scope === 'string' ? claims.scope : ''),
            wouldHold(`the token for ${ADMIN_API_IDENTIFIER}`),
          );
        }
        return { status: 200, response: { ...response }, header: segment(response.access_token, 0), claims };
      },
    );
  };
