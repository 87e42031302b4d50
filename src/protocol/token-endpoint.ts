import type { TenantState } from '../domain/read-model/tenant-state.js';
import type { Clock } from '../lib/clock.js';
import type { JwtVerifier } from '../lib/jwt-verifier.js';
import { guarded, type AuthAttempt, type BruteForceGuard } from './brute-force.js';
import { authenticateClient, CLIENT_AUTH_PARAMETERS, hasClientCredentials, type AuthenticatedClient, type ClientAuthDeps } from './client-auth/index.js';
import { assertClientCertificateBinding } from './certificate-binding.js';
import { assertClientDpop, assertDpopProofUnused, verifyDpopProof, type DpopProof, type DpopReplayCache } from './dpop.js';
import type { DelegationChain } from './delegation.js';
import { invalidRequest, OAuthError, toOAuthError } from './errors.js';
import type { GrantType, GrantTypeRegistry, TokenResponse } from './grant-types/registry.js';
import { assertNoQueryParameters, RequestParams } from './params.js';
import type { PresentedCertificate } from './presented-certificate.js';
import type { TokenListener } from './token-events.js';
import type { QuotaCounts, QuotaDecision } from '../domain/quotas/counts.js';
import { quotaRefusal, rateLimitHeaders } from './token-quota.js';

export interface TokenRequest {
  tenant: TenantState;
  issuer: string;
  authorization: string | undefined;
  /** Names of query string parameters: none are allowed (RFC 6749 §2.3.1, §3.2). */
  queryParameters: string[];
  params: RequestParams;
  /** Source address of the request (brute-force protection). */
  address: string;
  /** Every value of the DPoP header (RFC 9449), or undefined when there is none. */
  dpop: readonly string[] | undefined;
  /** The URL the request was made to: the issuer and the endpoint path, no query (a DPoP proof's htu). */
  endpointUrl: string;
  /** The client certificate of the request (RFC 8705): authenticates a TLS client, binds a bound client's tokens; or null. */
  certificate: PresentedCertificate | null;
}

export interface TokenOutcome {
  response: TokenResponse;
  client: AuthenticatedClient;
  /** Set for a token issued by token exchange: its subject and actors (RFC 8693 §4.1). */
  delegation?: DelegationChain;
  /** Headers of the token response besides the no-store ones: RateLimit-Policy and RateLimit for a client with a quota; undefined for none. */
  headers: Record<string, string> | undefined;
}

/** Per grant type's declared parameters: the names a request of it may carry. */
const kept = new WeakMap<readonly string[], ReadonlySet<string>>();

/** Keeps only grant_type, client authentication and the parameters the grant declared. */
function strip(params: RequestParams, declared: readonly string[]): RequestParams {
  let keep = kept.get(declared);
  if (!keep) kept.set(declared, (keep = new Set<string>(['grant_type', ...CLIENT_AUTH_PARAMETERS, ...declared])));
  const names = params.names();
  if (names.every((n) => keep.has(n))) return params;
  return new RequestParams(new Map(names.filter((n) => keep.has(n)).map((n) => [n, params.all(n)])));
}

export interface TokenEndpointDeps {
  grantTypes: GrantTypeRegistry;
  clock: Clock;
  clientAuth: ClientAuthDeps;
  dpopProofs: DpopReplayCache;
  /** Counts failed client authentications (RFC 6749 §2.3.1), and refused DPoP proofs per address. */
  guard: BruteForceGuard;
  /** Imports DPoP proof keys and checks their signatures, once every cheap check has passed. */
  verifier: JwtVerifier;
  /** Hears every issued token and every refusal. */
  events: TokenListener;
  /** Token quotas' counts (docs/quotas.md), in memory. */
  quotas: QuotaCounts;
}

/** The token endpoint (RFC 6749 §3.2): validates, authenticates the client, dispatches to the grant type; reports the outcome to `deps.events`. */
export async function handleTokenRequest(req: TokenRequest, deps: TokenEndpointDeps): Promise<TokenOutcome> {
  const tenantId = req.tenant.settings.tenant.id;
  let named: string | undefined;
  try {
    const outcome = await issue(req, deps, (clientId) => (named = clientId));
    const { entry } = outcome.client;
    const { delegation } = outcome;
    deps.events.issued({ tenantId, clientId: entry.client.clientId, slot: entry.slot, grantType: outcome.grantType, ...(delegation ? { delegation } : {}) });
    return outcome;
  } catch (err) {
    const entry = named === undefined ? undefined : req.tenant.clients.get(named);
    deps.events.refused({ tenantId, clientId: entry ? entry.client.clientId : null, slot: entry ? entry.slot : null, error: toOAuthError(err).code });
    throw err;
  }
}

/**
 * The request's DPoP proof, checked (RFC 9449 §4.3) and not seen before. A refused proof counts
 * as a failure of the source address, like a failed client authentication, so an address that
 * keeps sending bad proofs is locked out (429) before its proofs are looked at.
 */
async function checkedProof(req: TokenRequest, values: readonly string[], deps: TokenEndpointDeps, nowMs: number): Promise<DpopProof> {
  const attempt: AuthAttempt = { tenantId: req.tenant.settings.tenant.id, address: req.address };
  return guarded(deps.guard, attempt, 'invalid_dpop_proof', async () => {
    const proof = await verifyDpopProof({ values, method: 'POST', url: req.endpointUrl, nowMs }, deps.verifier);
    assertDpopProofUnused(proof, deps.dpopProofs, nowMs, 'check');
    return proof;
  });
}

/**
 * The client of a request: authenticated (RFC 6749 §2.3), or, for a grant that names its own
 * client (RFC 7523 §2.1), found by the grant, with client authentication optional. The grant's
 * refusals (invalid_grant) count as failed authentications, like invalid_client.
 */
async function requestClient(
  req: TokenRequest,
  params: RequestParams,
  grantType: GrantType,
  deps: TokenEndpointDeps,
  nowMs: number,
  identified: (clientId: string) => void,
): Promise<AuthenticatedClient> {
  const authenticate = () =>
    authenticateClient(
      {
        authorization: req.authorization,
        params,
        tenant: req.tenant,
        realm: req.issuer,
        nowMs,
        address: req.address,
        guard: deps.guard,
        identified,
        certificate: req.certificate,
      },
      deps.clientAuth,
    );
  const { clientOfGrant } = grantType;
  if (!clientOfGrant) return authenticate();
  const authenticated = hasClientCredentials(req.authorization, params) ? await authenticate() : null;
  const attempt: AuthAttempt = { tenantId: req.tenant.settings.tenant.id, address: req.address };
  return guarded(deps.guard, attempt, 'invalid_grant', (counted) =>
    clientOfGrant({
      params,
      tenant: req.tenant,
      issuer: req.issuer,
      nowMs,
      authenticated,
      identified: (clientId) => {
        identified(clientId);
        counted(clientId);
      },
    }),
  );
}

async function issue(req: TokenRequest, deps: TokenEndpointDeps, identified: (clientId: string) => void): Promise<TokenOutcome & { grantType: string }> {
  assertNoQueryParameters(req.queryParameters);
  const grantTypes = req.params.all('grant_type');
  const named = grantTypes[0];
  if (named === undefined) throw invalidRequest('The grant_type parameter is required.');
  const grantType = deps.grantTypes.get(named);
  req.params.assertSingle(grantType?.repeatable ?? []);
  if (!grantType) throw new OAuthError('unsupported_grant_type', `The grant type ${named} is not supported.`);
  const params = strip(req.params, grantType.parameters);
  const nowMs = deps.clock.now();
  // The proof is checked before the client (a replay is only looked for), and recorded once the client is known.
  const dpop = req.dpop === undefined ? null : await checkedProof(req, req.dpop, deps, nowMs);
  const client = await requestClient(req, params, grantType, deps, nowMs, identified);
  if (!client.entry.client.grantTypes.includes(grantType.name)) {
    throw new OAuthError('unauthorized_client', `The client is not allowed to use the ${grantType.name} grant type.`);
  }
  assertClientDpop(client.entry.client, dpop);
  assertClientCertificateBinding(client.entry.client, req.certificate, dpop);
  if (dpop) assertDpopProofUnused(dpop, deps.dpopProofs, nowMs, 'record');
  const { certificate } = req;
  let delegation: DelegationChain | undefined;
  const delegated = (chain: DelegationChain) => (delegation = chain);
  const quota = chargeQuota(client, deps, nowMs);
  try {
    const response = await grantType.handle({ params, client, tenant: req.tenant, issuer: req.issuer, clock: deps.clock, dpop, certificate, delegated });
    return { response, client, grantType: grantType.name, headers: quota ? rateLimitHeaders(quota) : undefined, ...(delegation ? { delegation } : {}) };
  } catch (err) {
    // A refused request does not count against the quota.
    if (quota) deps.quotas.giveBack(client.entry.slot, quota);
    throw err;
  }
}

/**
 * Charges the token about to be issued to the client's quota, if it has one (docs/quotas.md):
 * refused with 429 when an enforced quota is used up; every window found used up is told to
 * the listeners (metrics).
 */
function chargeQuota(client: AuthenticatedClient, deps: TokenEndpointDeps, nowMs: number): QuotaDecision | null {
  const { client: record, slot } = client.entry;
  if (record.tokenQuota === null) return null;
  const decision = deps.quotas.charge(record.tenantId, record.clientId, slot, record.tokenQuota, nowMs);
  for (const period of decision.exceeded) {
    deps.events.quotaExceeded?.({ tenantId: record.tenantId, clientId: record.clientId, period, enforced: record.tokenQuota.enforce });
  }
  if (decision.refused) throw quotaRefusal(decision);
  return decision;
}
