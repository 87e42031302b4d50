import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { PublicAppDeps } from '../deps.js';
import type { TenantState } from '../../domain/read-model/tenant-state.js';
import { DEFAULT_TENANT, TENANT_ID_PATTERN } from '../../domain/tenants/model.js';
import { OAuthError, temporarilyUnavailable } from '../../protocol/errors.js';
import type { TokenResponse } from '../../protocol/grant-types/registry.js';
import { parseRequestBody } from '../../protocol/params.js';
import { handleTokenRequest } from '../../protocol/token-endpoint.js';
import type { LogFieldsHolder } from '../observability.js';
import { clientAddress, type TrustProxy } from './client-address.js';
import type { CertificateReader } from './peer-certificate.js';
import type { PresentedCertificate } from '../../protocol/presented-certificate.js';
import { logPublicError, OUTAGE_RETRY_AFTER, PUBLIC_HEADERS, publicError, publicErrorHeaders, queryParameterNames } from './errors.js';

export const TENANT_ID = new RegExp(TENANT_ID_PATTERN);

/** The two paths of the token endpoint under an issuer (`/oauth/token` is Auth0's). */
export type TokenPath = '/oauth2/token' | '/oauth/token';

export interface ResolvedTenant {
  state: TenantState;
  issuer: string;
}

export function notFound(): OAuthError {
  return new OAuthError('invalid_request', 'No such endpoint.', { status: 404 });
}

/** The tenant a request addresses: `/t/{id}` in path mode, the Host header in host mode, else default. */
export function tenantResolver(
  deps: Pick<PublicAppDeps, 'readModel' | 'issuers'>,
): (pathTenant: string | undefined, host: string | undefined) => ResolvedTenant {
  const { readModel, issuers } = deps;
  return (pathTenant, host) => {
    let id: string;
    if (pathTenant !== undefined) {
      if (issuers.hostMode || pathTenant === DEFAULT_TENANT || !TENANT_ID.test(pathTenant)) throw notFound();
      id = pathTenant;
    } else {
      id = issuers.tenantOfHost(host) ?? DEFAULT_TENANT;
    }
    const state = readModel.tenant(id);
    if (!state) throw notFound();
    return { state, issuer: issuers.issuerOf(id) };
  };
}

/** A token request as HTTP delivered it, whichever way it came in (Fastify's route or the direct path). */
export interface TokenHttpRequest {
  /** The `{id}` of a `/t/{id}/…` path; undefined for a request to the root. */
  pathTenant: string | undefined;
  host: string | undefined;
  contentType: string | undefined;
  body: Buffer;
  authorization: string | undefined;
  /** Every value of the DPoP header, one per header line, or undefined when there is none. */
  dpop: string[] | undefined;
  /** Path and query string as requested. */
  url: string;
  endpoint: TokenPath;
  /** The client's address (the proxy's view of it when TESSERA_TRUST_PROXY says so). */
  address: string;
  /** The client certificate (TLS handshake or trusted proxy header), or null. */
  certificate: PresentedCertificate | null;
}

/**
 * A token request as Node received it, whichever way it came in: the same headers read the same
 * way (every line of the DPoP header, RFC 9449 §4.3; the client address as TESSERA_TRUST_PROXY
 * says; the client certificate as `certificates` reads it), so the direct path and Fastify's route see one request alike.
 */
export function tokenHttpRequest(
  raw: IncomingMessage,
  pathTenant: string | undefined,
  endpoint: TokenPath,
  body: Buffer,
  trust: TrustProxy | false,
  certificates: CertificateReader,
): TokenHttpRequest {
  const headers = raw.headers;
  return {
    pathTenant,
    host: headers.host,
    contentType: headers['content-type'],
    body,
    authorization: headers.authorization,
    // Node keeps only the first of repeated unknown headers in `headers`: the raw lines tell them all.
    dpop: headers.dpop === undefined ? undefined : headerValues(raw.rawHeaders, 'dpop'),
    url: raw.url ?? '',
    endpoint,
    address: clientAddress(raw, trust),
    certificate: certificates(raw),
  };
}

/** Where the answer to one token request goes. */
export interface TokenReply {
  /** The request's logger, for what is logged on a line of its own (an outage, a failure of ours). */
  log(): Pick<FastifyBaseLogger, 'warn' | 'error'>;
  /** Writes the answer: status, headers besides the content type and length, and the JSON body. */
  write(status: number, headers: Readonly<Record<string, string>>, body: string): void;
}

/** Answers one token request through `reply`, naming tenant, client and refusal on `line`; the promise never rejects. */
export type TokenEndpoint = (req: TokenHttpRequest, line: LogFieldsHolder, reply: TokenReply) => Promise<void>;

/**
 * The token endpoint over HTTP, the one function both ways in (token-direct.ts and Fastify's
 * route) answer with: the tenant, the outage rules, the body, the protocol's handleTokenRequest,
 * then the answer — a token response with no-store headers (RFC 6749 §5.1) or an error in RFC 6749
 * §5.2 form with its own headers (WWW-Authenticate, Retry-After, DPoP-Nonce), logged as
 * logPublicError says. Records the secret's use and names the tenant and client on the request's
 * log line.
 */
export function tokenRoute(deps: PublicAppDeps, resolve: ReturnType<typeof tenantResolver>): TokenEndpoint {
  const serve = tokenResponder(deps, resolve);
  return (req, line, reply) =>
    serve(req, line).then(
      ({ response, headers }) => reply.write(200, headers ? { ...PUBLIC_HEADERS, ...headers } : PUBLIC_HEADERS, JSON.stringify(response)),
      (err: unknown) => {
        const oauth = publicError(err);
        logPublicError(oauth, err, () => reply.log(), line);
        reply.write(oauth.status, publicErrorHeaders(oauth), JSON.stringify(oauth.toJSON()));
      },
    );
}

/** The token response to a request, or a throw of what the client is to be told. */
function tokenResponder(
  deps: PublicAppDeps,
  resolve: ReturnType<typeof tenantResolver>,
): (req: TokenHttpRequest, log: LogFieldsHolder) => Promise<{ response: TokenResponse; headers: Record<string, string> | undefined }> {
  const { clock } = deps;

  /**
   * While the database is unavailable the read model may be stale. Clients it holds keep getting
   * tokens for TESSERA_OUTAGE_GRACE seconds, then nobody does. A client that fails to
   * authenticate meanwhile (unknown here: it may exist by now) is told to retry, not refused;
   * whether the client is known or its secret wrong, the answer is the same, so an outage does
   * not reveal which clients exist.
   */
  const outage = (): 'none' | 'grace' | 'over' => {
    const since = deps.storeHealth.downSinceMs;
    if (since === null) return 'none';
    return clock.now() - since < deps.config.outageGrace * 1000 ? 'grace' : 'over';
  };

  return async (req, log) => {
    const { state, issuer } = resolve(req.pathTenant, req.host);
    const tenant = state.settings.tenant.id;
    log.logFields = { tenant };
    const during = outage();
    if (during === 'over') throw temporarilyUnavailable(OUTAGE_RETRY_AFTER, 'the database has been unavailable for longer than TESSERA_OUTAGE_GRACE');
    const params = await parseRequestBody(req.contentType, req.body);
    const { response, client, delegation, headers } = await handleTokenRequest(
      {
        tenant: state,
        issuer,
        authorization: req.authorization,
        queryParameters: queryParameterNames(req.url),
        params,
        dpop: req.dpop,
        // The URL under the issuer this request was made to: a DPoP proof's htu (RFC 9449 §4.3).
        endpointUrl: `${issuer}${req.endpoint}`,
        address: req.address,
        certificate: req.certificate,
      },
      deps.tokenEndpoint,
    ).catch((err: unknown) => {
      if (during === 'grace' && err instanceof OAuthError && err.code === 'invalid_client') {
        throw temporarilyUnavailable(OUTAGE_RETRY_AFTER, `the database is unavailable; client authentication failed: ${err.message}`);
      }
      throw err;
    });
    if (client.secretId !== null) deps.secretUsage.record(client.entry.slot, client.secretId);
    // On the request's one log line (`request completed`): a line of its own per token costs throughput.
    const { federated } = client;
    const fields = federated
      ? { tenant, client_id: client.entry.client.clientId, federated_iss: federated.iss, federated_sub: federated.sub }
      : { tenant, client_id: client.entry.client.clientId };
    // Token exchange (RFC 8693): whom the token speaks for, and every actor, the current one first.
    log.logFields = delegation ? { ...fields, subject_sub: delegation.subject, actors: delegation.actors } : fields;
    return { response, headers };
  };
}

/** Every value of a header, one per header line (a DPoP proof must come alone, RFC 9449 §4.3). */
export function headerValues(rawHeaders: readonly string[], name: string): string[] | undefined {
  const values: string[] = [];
  // Node's raw headers alternate names and values; the loop's bound keeps both indexes inside.
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!);
  return values.length > 0 ? values : undefined;
}
