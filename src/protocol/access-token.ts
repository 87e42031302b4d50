import { constants, sign, type SignKeyObjectInput } from 'node:crypto';
import { settableClaimName, type Claims } from '../domain/claims/model.js';
import type { ClientRecord, Signer } from '../domain/read-model/tenant-state.js';
import type { SigningAlg, Tenant } from '../domain/tenants/model.js';
import { randomToken } from '../lib/random.js';
import type { ActClaim } from './delegation.js';
import type { ResolvedTarget } from './target.js';

/** Claims of a JWT access token (RFC 9068 §2.2). */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  jti: string;
  client_id: string;
  scope?: string;
  /** The external identity behind a client that authenticated with a federated credential (docs/federation.md): its token's `iss` and `sub`. */
  federated?: { iss: string; sub: string };
  /** Confirmation of a bound token: the DPoP proof key's thumbprint (RFC 9449 §6.1) or the client certificate's (RFC 8705 §3.1). */
  cnf?: { jkt: string } | { 'x5t#S256': string };
  /** The acting party of a token issued by token exchange (RFC 8693 §4.1), earlier actors nested inside. */
  act?: ActClaim;
}

/** Lifetime in seconds: the shortest of the client's and the targeted APIs' own, else the tenant's. */
export function accessTokenLifetime(tenant: Tenant, client: ClientRecord, target: ResolvedTarget): number {
  let shortest = client.accessTokenTtl;
  for (const { api } of target.audiences) {
    const ttl = api?.accessTokenTtl ?? null;
    if (ttl !== null && (shortest === null || ttl < shortest)) shortest = ttl;
  }
  return shortest ?? tenant.accessTokenTtl;
}

/**
 * Builds the claims of RFC 9068 §2.2 (`sub` is the service account when the client has one),
 * `federated` for a client that authenticated with a federated credential, `cnf` of RFC 9449
 * §6 or RFC 8705 §3.1, then the configured and mapped claims (later wins; protected names are never taken).
 */
export function accessTokenClaims(input: {
  issuer: string;
  client: ClientRecord;
  target: ResolvedTarget;
  nowSeconds: number;
  lifetime: number;
  /** Thumbprint of the DPoP key the token is bound to, or null for a bearer token. */
  jkt?: string | null;
  /** `x5t#S256` of the client certificate the token is bound to (RFC 8705 §3.1), or null. */
  x5t?: string | null;
  /** The verified federated token the client authenticated with, if it did. */
  federated?: { readonly iss: string; readonly sub: string } | undefined;
  /** Configured claims (TenantState.tokenClaims), then mapped ones (mappedClaims), added after the claims above: neither may replace one. */
  added?: readonly (Claims | null)[];
}): AccessTokenClaims {
  const audiences = input.target.audiences.map((a) => a.audience);
  const claims: AccessTokenClaims = {
    iss: input.issuer,
    sub: input.client.serviceAccountId ?? input.client.clientId,
    // A single audience as a string (RFC 7519 §4.1.3): its length was just checked.
    aud: audiences.length === 1 ? audiences[0]! : audiences,
    exp: input.nowSeconds + input.lifetime,
    iat: input.nowSeconds,
    jti: randomToken(16),
    client_id: input.client.clientId,
  };
  if (input.target.scopes.length > 0) claims.scope = input.target.scopes.join(' ');
  if (input.federated) claims.federated = { iss: input.federated.iss, sub: input.federated.sub };
  if (input.jkt) claims.cnf = { jkt: input.jkt };
  else if (input.x5t) claims.cnf = { 'x5t#S256': input.x5t };
  for (const added of input.added ?? []) {
    if (added === null) continue;
    // Configured and mapped claims (docs/claims.md): never one of the names above.
    for (const [name, value] of Object.entries(added)) if (settableClaimName(name)) (claims as unknown as Record<string, unknown>)[name] = value;
  }
  return claims;
}

/**
 * How node:crypto signs each JWS algorithm (RFC 7518 §3): digest, key options, and where.
 * RSA signatures take about a millisecond: they go to the thread pool (node:crypto's callback
 * form), which keeps the event loop answering while every core signs. ECDSA and EdDSA take tens
 * of microseconds, less than the hand-off would cost: they are signed on the event loop, in
 * batches (SignatureBatch).
 */
const JWS_SIGNING: Record<SigningAlg, { digest: string | null; options: Omit<SignKeyObjectInput, 'key'>; offload: boolean }> = {
  RS256: { digest: 'sha256', options: {}, offload: true },
  PS256: { digest: 'sha256', options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, offload: true },
  ES256: { digest: 'sha256', options: { dsaEncoding: 'ieee-p1363' }, offload: false },
  EdDSA: { digest: null, options: {}, offload: false },
};

/** What signing needs of a key, prepared once per key: the encoded protected header and the key options. */
interface PreparedSigner {
  readonly header: string;
  readonly digest: string | null;
  readonly key: SignKeyObjectInput;
  readonly offload: boolean;
}

const prepared = new WeakMap<Signer, PreparedSigner>();

function prepare(signer: Signer): PreparedSigner {
  let ready = prepared.get(signer);
  if (!ready) {
    const { digest, options, offload } = JWS_SIGNING[signer.alg];
    ready = {
      header: Buffer.from(JSON.stringify({ alg: signer.alg, typ: 'at+jwt', kid: signer.kid })).toString('base64url'),
      digest,
      key: { key: signer.key, ...options },
      offload,
    };
    prepared.set(signer, ready);
  }
  return ready;
}

interface SignatureJob {
  readonly data: Buffer;
  readonly prepared: PreparedSigner;
  readonly resolve: (signature: Buffer) => void;
  readonly reject: (err: unknown) => void;
}

/** The most signatures made in one turn of the event loop; the rest wait for the next turn. */
const MAX_BATCH = 128;

/**
 * Signatures made on the event loop, together: the tokens requested in one turn of the event loop
 * (every request whose bytes arrived by then) are signed one after the other once that turn's I/O
 * is handled (setImmediate), instead of one in between the HTTP work of each request. OpenSSL's
 * P-256 and Ed25519 code works from large precomputed tables: signed in a row, they stay in the
 * CPU's caches, and each signature costs about half of what it costs signed alone between
 * requests (measured under load: ES256 tokens/s +45% in one process). A request waits at most for
 * the signatures of its batch, tens of microseconds each.
 */
class SignatureBatch {
  #jobs: SignatureJob[] = [];

  add(job: SignatureJob): void {
    if (this.#jobs.push(job) === 1) setImmediate(this.#drain);
  }

  readonly #drain = (): void => {
    const jobs = this.#jobs.splice(0, MAX_BATCH);
    if (this.#jobs.length > 0) setImmediate(this.#drain);
    for (const { data, prepared, resolve, reject } of jobs) {
      try {
        resolve(sign(prepared.digest, data, prepared.key));
      } catch (err) {
        reject(err);
      }
    }
  };
}

const batch = new SignatureBatch();

/** Signs the claims as a compact JWS with header `typ: at+jwt` (RFC 9068 §2.1) and the key's `kid`. */
export async function signAccessToken(signer: Signer, claims: AccessTokenClaims): Promise<string> {
  const prepared = prepare(signer);
  const input = `${prepared.header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  // base64url is ASCII: written as latin1, one byte per character, without UTF-8 encoding.
  const data = Buffer.from(input, 'latin1');
  const signature = await new Promise<Buffer>((resolve, reject) => {
    if (prepared.offload) sign(prepared.digest, data, prepared.key, (err, signed) => (err ? reject(err) : resolve(signed)));
    else batch.add({ data, prepared, resolve, reject });
  });
  return `${input}.${signature.toString('base64url')}`;
}
