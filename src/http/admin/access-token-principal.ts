import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { FastifyRequest } from 'fastify';
import type { AdminAppDeps } from '../deps.js';
import { ADMIN_API_IDENTIFIER, isAdminScope } from '../../domain/admin-scopes.js';
import { DEFAULT_TENANT } from '../../domain/tenants/model.js';
import { certificateThumbprint } from '../../lib/x509/thumbprint.js';
import { assertDpopProofUnused, verifyDpopProof } from '../../protocol/dpop.js';
import { OAuthError } from '../../protocol/errors.js';
import { inspectAccessToken, type InactiveCause } from '../../protocol/introspection.js';
import { trustProxy } from '../public/client-address.js';
import { ignoredHeaderWarning } from '../public/client-cert-header-source.js';
import { certificateReader } from '../public/peer-certificate.js';
import type { AdminPrincipal } from './auth.js';
import { unauthorized } from './challenges.js';

/** The prefix of a client's actor id in the audit log, when it calls with an access token: `client:{client_id}`. */
export const CLIENT_ACTOR = 'client:';

/** How the token came: `Authorization: Bearer` (RFC 6750 section 2.1) or `Authorization: DPoP` (RFC 9449 section 7.1). */
export type TokenScheme = 'bearer' | 'dpop';

/** Checks an access token presented to the admin API and answers the caller it makes. */
export type AccessTokenAuthenticator = (token: string, scheme: TokenScheme, request: FastifyRequest) => Promise<AdminPrincipal>;

/**
 * A compact JWS (three base64url parts, the first a JSON header with an `alg`): presented as an
 * access token, not as an admin token. An operator's TESSERA_ADMIN_TOKEN may well have two dots;
 * it is still an admin token unless its first part decodes to a JOSE header.
 */
export function looksLikeJwt(value: string): boolean {
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(value)) return false;
  try {
    return typeof decodeProtectedHeader(value).alg === 'string';
  } catch {
    return false;
  }
}

const INACTIVE_DETAILS: Record<InactiveCause, string> = {
  expired: 'the access token has expired',
  revoked: 'the access token has been revoked',
  invalid: 'the access token is not valid',
};

/** A 401 `invalid_token` (RFC 6750 section 3.1), with the private reason on the request's log line. */
function refused(request: FastifyRequest, detail: string, reason?: string): never {
  request.log.info({ reason: reason ?? detail }, 'access token refused');
  throw unauthorized(detail, 'invalid_token');
}

/** A claim of a JWT read before anything is verified (the `iss` that says whose keys verify it, the `htu` a proof names); undefined when it does not decode. */
function claimOf(jwt: string | undefined, name: string): unknown {
  try {
    return jwt === undefined ? undefined : decodeJwt(jwt)[name];
  } catch {
    return undefined;
  }
}

/** The URL a DPoP proof for this request names (RFC 9449 section 4.3 item 9): http, or https when the proof says so (a proxy may end TLS in front of the admin listener). */
function requestUrl(request: FastifyRequest, htu: unknown): string {
  const scheme = typeof htu === 'string' && htu.startsWith('https:') ? 'https' : 'http';
  return `${scheme}://${request.headers.host ?? ''}${request.url.split('?')[0] ?? ''}`;
}

/** `The DPoP proof htm does not match.` as an admin problem detail: `the DPoP proof htm does not match`. */
const adminDetail = (description: string) => `${description.charAt(0).toLowerCase()}${description.slice(1).replace(/\.$/, '')}`;

/**
 * The admin API's check of Tessera access tokens (docs/api.md#authentication): a JWT whose `iss` is
 * a tenant's issuer, active by the rules of introspection (signature against the tenant's published
 * keys in memory, `exp` with no leeway — a revoked `jti` is forgotten at the token's `exp`, so a
 * leeway would let a revoked token back in —, revocation by `jti` and client cut-off), with
 * `urn:tessera:admin` in its `aud`, and, when bound, sent with its DPoP proof (RFC 9449 section 7)
 * or over its client certificate (RFC 8705 section 3). The `default` tenant's tokens reach every
 * tenant, any other tenant's only that tenant. Reads no database.
 */
export function accessTokenAuthenticator(deps: AdminAppDeps): AccessTokenAuthenticator {
  const certificates = certificateReader({
    header: deps.config.clientCertHeader,
    trust: trustProxy(deps.config.trustProxy),
    ignoredHeader: ignoredHeaderWarning(deps.logger.child({ listener: 'admin' })),
  });

  /** RFC 9449 section 7.1: a DPoP-bound token comes as `DPoP` with a proof of its key for this very request. */
  const proveDpop = async (token: string, jkt: unknown, scheme: TokenScheme, request: FastifyRequest, nowMs: number) => {
    if (jkt === undefined) {
      if (scheme === 'dpop') refused(request, 'this access token is not DPoP-bound: send it as Authorization: Bearer <token>');
      return;
    }
    if (scheme !== 'dpop') refused(request, 'this access token is DPoP-bound: send it as Authorization: DPoP <token>, with a DPoP proof');
    const header = request.headers.dpop;
    const values = header === undefined ? [] : [header].flat();
    if (values.length === 0) refused(request, 'this access token is DPoP-bound: send a DPoP proof for this request');
    try {
      const proof = await verifyDpopProof(
        { values, method: request.method, url: requestUrl(request, claimOf(values[0], 'htu')), nowMs, accessToken: token },
        deps.tokenEndpoint.verifier,
      );
      if (proof.jkt !== jkt) refused(request, 'the DPoP proof is signed by another key than the one the access token is bound to');
      assertDpopProofUnused(proof, deps.tokenEndpoint.dpopProofs, nowMs, 'record');
    } catch (err) {
      if (err instanceof OAuthError) refused(request, adminDetail(err.description), err.message);
      throw err;
    }
  };

  /** RFC 8705 section 3: a certificate-bound token comes over the same certificate (through a trusted proxy's Client-Cert header). */
  const proveCertificate = (thumbprint: unknown, request: FastifyRequest) => {
    if (thumbprint === undefined) return;
    const certificate = certificates(request.raw);
    if (certificate === null) refused(request, 'this access token is bound to a client certificate: present that certificate');
    if (certificateThumbprint(certificate.der) !== thumbprint)
      refused(request, 'this access token is bound to another client certificate than the one presented');
  };

  return async (token, scheme, request) => {
    const nowMs = deps.clock.now();
    const iss = claimOf(token, 'iss');
    const tenantId = typeof iss !== 'string' ? undefined : deps.issuers.tenantOfIssuer(iss);
    const tenant = tenantId === undefined ? undefined : deps.readModel.tenant(tenantId);
    if (tenantId === undefined || tenant === undefined)
      refused(request, 'the access token is not valid: its issuer is not a tenant of this Tessera', `iss ${String(iss)}`);
    const inspection = await inspectAccessToken(token, { tenant, issuer: deps.issuers.issuerOf(tenantId), nowMs });
    if (!inspection.active) refused(request, INACTIVE_DETAILS[inspection.cause], inspection.reason);
    const { claims } = inspection;
    if (![claims.aud].flat().includes(ADMIN_API_IDENTIFIER)) {
      refused(request, `the access token is not for the admin API: its aud does not include ${ADMIN_API_IDENTIFIER}`);
    }
    await proveDpop(token, claims.cnf?.jkt, scheme, request, nowMs);
    proveCertificate(claims.cnf?.['x5t#S256'], request);
    const { federated } = claims;
    return {
      actorId: `${CLIENT_ACTOR}${claims.client_id}`,
      kind: 'access-token',
      tenantId: tenantId === DEFAULT_TENANT ? null : tenantId,
      scopes: (claims.scope ?? '').split(' ').filter(isAdminScope),
      detail: { tenant: tenantId, clientId: claims.client_id, ...(federated ? { federated } : {}) },
    };
  };
}
