import type { ClientEntry, TenantState } from '../../domain/read-model/tenant-state.js';
import type { JWTPayload } from 'jose';
import { guarded, type AuthAttempt, type BruteForceGuard } from '../brute-force.js';
import { invalidClient, invalidRequest } from '../errors.js';
import type { RequestParams } from '../params.js';
import { parseBasicCredentials } from './basic.js';
import {
  CLIENT_ASSERTION_TYPES,
  federatedIssuerOf,
  JWT_SPIFFE_ASSERTION_TYPE,
  verifyFederatedToken,
  type FederatedIdentity,
  type FederationDeps,
  unverifiedClaims,
} from './federated.js';
import { clientIdHint } from './id-hint.js';
import { assertionAudiences, authenticatePrivateKeyJwt, type PrivateKeyJwtDeps } from './private-key-jwt.js';
import { matchSecret } from './secret.js';
import { authenticateTlsClient, type TlsAuthDeps, type TlsAuthMethod } from './tls.js';
import { assertClientMayAuthenticate } from './usable.js';
import type { PresentedCertificate } from '../presented-certificate.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'federated' | TlsAuthMethod;

/** Parameters that belong to client authentication rather than to a grant. */
export const CLIENT_AUTH_PARAMETERS = ['client_id', 'client_secret', 'client_assertion', 'client_assertion_type'] as const;

export interface AuthenticatedClient {
  readonly entry: ClientEntry;
  readonly method: ClientAuthMethod;
  /** The secret that matched, for last-used tracking. */
  readonly secretId: string | null;
  /** Set when a federated issuer's token identified the client: its `iss` and `sub`, and the cap of the token's `exp`. */
  readonly federated?: FederatedIdentity;
}

export interface ClientAuthInput {
  authorization: string | undefined;
  params: RequestParams;
  tenant: TenantState;
  /** Realm of `WWW-Authenticate: Basic`: the issuer. */
  realm: string;
  nowMs: number;
  /** Values a client assertion's `aud` may hold; by default the issuer (`realm`) and its token endpoint. */
  audiences?: readonly string[];
  /** Source address of the request, counted by `guard`. */
  address: string;
  /** Counts failed authentications and refuses locked clients and addresses (RFC 6749 §2.3.1). */
  guard: BruteForceGuard;
  /** Told the client id the credentials name as soon as it is known, before anything is verified. */
  identified?: (clientId: string) => void;
  /** The client certificate of the request (RFC 8705 §2), or null. */
  certificate: PresentedCertificate | null;
}

/**
 * What client authentication needs besides the request: private_key_jwt's keys and jti store, federated issuers' keys,
 * and the CAs trusted for tls_client_auth.
 */
export type ClientAuthDeps = PrivateKeyJwtDeps & { readonly federation: FederationDeps; readonly trustAnchors: TlsAuthDeps['trustAnchors'] };

/**
 * Whether a request carries client credentials of any method (a grant whose client authentication is optional may have none).
 * A client certificate is not counted: with such a grant it only binds the token (RFC 8705 §3).
 */
export function hasClientCredentials(authorization: string | undefined, params: RequestParams): boolean {
  return authorization !== undefined || CLIENT_AUTH_PARAMETERS.some((name) => name !== 'client_id' && params.has(name));
}

/** How a request authenticates: `certificate` stands for either TLS method, which the client's registration decides. */
type MethodUsed = Exclude<ClientAuthMethod, 'federated' | TlsAuthMethod> | 'certificate';

/**
 * The methods a request uses; RFC 6749 §2.3: a client MUST NOT use more than one. A certificate counts only when nothing
 * else authenticates the request: a client of another method may present one for its tokens' binding (RFC 8705 §3).
 */
function methodsUsed(input: ClientAuthInput): MethodUsed[] {
  const methods: MethodUsed[] = [];
  if (input.authorization !== undefined) methods.push('client_secret_basic');
  if (input.params.has('client_secret')) methods.push('client_secret_post');
  if (input.params.has('client_assertion') || input.params.has('client_assertion_type')) methods.push('private_key_jwt');
  if (methods.length === 0 && input.certificate !== null) methods.push('certificate');
  return methods;
}

/**
 * Authenticates the client of a request to any client-authenticating endpoint (token,
 * introspection, revocation; RFC 6749 §2.3; docs/api.md#client-authentication): exactly one method, and every failure —
 * unknown client, wrong or expired secret, disabled client, inactive service account, wrong
 * method, any bad client assertion (RFC 7523 §3) — gives the same public invalid_client;
 * secrets are checked at the same cost whether or not the client exists. Brute-force protection
 * (RFC 6749 §2.3.1): a locked address or client id is refused with 429 before its credentials
 * are looked at, and every invalid_client counts as a failure of the address and client id.
 */
export async function authenticateClient(input: ClientAuthInput, deps: ClientAuthDeps): Promise<AuthenticatedClient> {
  const attempt: AuthAttempt = { tenantId: input.tenant.settings.tenant.id, address: input.address };
  return guarded(input.guard, attempt, 'invalid_client', (identified) =>
    verifyClient(input, deps, (clientId) => {
      input.identified?.(clientId);
      identified(clientId);
    }),
  );
}

/** The client an assertion claims to be (its unverified `sub`, else `iss`), for brute-force counting only. */
function claimedAssertionClient(claims: JWTPayload | null): string | undefined {
  if (claims === null) return undefined;
  const { sub, iss } = claims;
  return typeof sub === 'string' ? sub : typeof iss === 'string' ? iss : undefined;
}

/**
 * Verifies the credentials of one method. `identified` is called with the client id the
 * credentials name as soon as it is known, before anything is verified (it throws when locked).
 */
async function verifyClient(input: ClientAuthInput, deps: ClientAuthDeps, identified: (clientId: string) => void): Promise<AuthenticatedClient> {
  const methods = methodsUsed(input);
  if (methods.length > 1) throw invalidRequest('Use exactly one client authentication method.');
  const method = methods[0];
  const usedBasic = method === 'client_secret_basic';
  const fail = (detail: string) => invalidClient(detail, usedBasic, input.realm);
  if (method === undefined) throw fail('no client authentication in the request');
  if (method === 'certificate') {
    const { certificate, tenant, nowMs } = input;
    const clientId = input.params.get('client_id');
    // RFC 8705 §2: client_id is required with a certificate.
    if (clientId === undefined || certificate === null) throw fail('a client certificate without client_id');
    identified(clientId);
    const tls = await authenticateTlsClient({ clientId, certificate, tenant, nowMs, fail }, deps);
    return { ...tls, secretId: null };
  }
  if (method === 'private_key_jwt') {
    const audiences = input.audiences ?? assertionAudiences(input.realm);
    const type = input.params.get('client_assertion_type');
    const assertion = input.params.get('client_assertion');
    // Read once, for the federated path and for brute-force counting alike.
    const claims = assertion === undefined ? null : unverifiedClaims(assertion);
    const issuer = federatedIssuerOf(input.tenant, claims, type);
    if (issuer || type === JWT_SPIFFE_ASSERTION_TYPE) {
      if (!(CLIENT_ASSERTION_TYPES as readonly (string | undefined)[]).includes(type))
        throw fail(`client_assertion_type ${JSON.stringify(type ?? null)} is not supported`);
      if (assertion === undefined) throw fail('client_assertion_type without client_assertion');
      const { params, tenant, nowMs } = input;
      const federated = {
        token: assertion,
        claims,
        tenant,
        defaultAudiences: audiences,
        nowMs,
        clientId: params.get('client_id'),
        via: 'client_assertion' as const,
        identified,
        fail,
      };
      const { entry, identity } = await verifyFederatedToken(federated, issuer, deps.federation);
      return { entry, method: 'federated', secretId: null, federated: identity };
    }
    const claimed = claimedAssertionClient(claims) ?? input.params.get('client_id');
    if (claimed !== undefined) identified(claimed);
    const entry = await authenticatePrivateKeyJwt({ params: input.params, tenant: input.tenant, audiences, nowMs: input.nowMs, fail }, deps);
    return { entry, method, secretId: null };
  }
  return secretClient(input, method, fail, identified);
}

/** Authenticates a client by its secret (client_secret_basic or client_secret_post, RFC 6749 §2.3.1). */
function secretClient(
  input: ClientAuthInput,
  method: 'client_secret_basic' | 'client_secret_post',
  fail: (detail: string) => Error,
  identified: (clientId: string) => void,
): AuthenticatedClient {
  const usedBasic = method === 'client_secret_basic';
  let clientId: string;
  let secret: string;
  if (usedBasic) {
    if (!/^basic /i.test(input.authorization!)) throw fail('unsupported authorization scheme');
    ({ clientId, secret } = parseBasicCredentials(input.authorization!, input.realm));
    const bodyId = input.params.get('client_id');
    if (bodyId !== undefined && bodyId !== clientId) throw invalidRequest('The client_id parameter does not match the Basic credentials.');
  } else {
    const bodyId = input.params.get('client_id');
    if (bodyId === undefined) throw fail('client_secret without client_id');
    clientId = bodyId;
    secret = input.params.get('client_secret')!;
  }

  identified(clientId);

  const entry = input.tenant.clients.get(clientId);
  const secretId = matchSecret(entry, secret, input.nowMs);
  // Unknown: perhaps a secret sent as the id. Only a hint of it is logged.
  if (!entry) throw fail(`unknown client ${clientIdHint(clientId)}`);
  if (secretId === null) throw fail(`wrong or expired secret for client ${clientId}`);
  assertClientMayAuthenticate(entry, method, input.tenant, fail);
  return { entry, method, secretId };
}
