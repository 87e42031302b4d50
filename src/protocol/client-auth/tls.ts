import { createPublicKey, X509Certificate, type JsonWebKey } from 'node:crypto';
import type { JWK } from 'jose';
import type { TlsClientAuthName } from '../../domain/clients/model.js';
import type { ClientEntry, ClientRecord, TenantState } from '../../domain/read-model/tenant-state.js';
import { certificateSubjectDn } from '../../lib/x509/certificate-subject.js';
import { validateChain } from '../../lib/x509/chain.js';
import { dnEquals } from '../../lib/x509/distinguished-name.js';
import { normalizeIp, subjectAltNames } from '../../lib/x509/subject-alt-names.js';
import type { OAuthError } from '../errors.js';
import { presentedIntermediates, presentedLeaf, type PresentedCertificate } from '../presented-certificate.js';
import { clientIdHint } from './id-hint.js';
import type { ClientKeySource } from './private-key-jwt.js';
import type { TrustAnchors } from './trust-anchors.js';
import { assertClientMayAuthenticate } from './usable.js';

/** The two mutual TLS methods (RFC 8705 §2). */
export type TlsAuthMethod = 'tls_client_auth' | 'self_signed_tls_client_auth';

export interface TlsAuthDeps {
  readonly keys: ClientKeySource;
  readonly trustAnchors: TrustAnchors;
}

export interface TlsAuthInput {
  /** The request's `client_id` (RFC 8705 §2: required with a certificate). */
  clientId: string;
  certificate: PresentedCertificate;
  tenant: TenantState;
  nowMs: number;
  fail: (detail: string) => OAuthError;
}

/** A certification path found to a set of trust anchors (or one certificate): valid while now is within every certificate's dates. */
interface ValidPath {
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
}

/** The validity dates of the presented certificate as epoch milliseconds, read once per certificate. */
function validity(certificate: PresentedCertificate, leaf: X509Certificate): ValidPath {
  let dates = certificate.memo.get(validity) as ValidPath | undefined;
  if (dates === undefined) certificate.memo.set(validity, (dates = { notBeforeMs: Date.parse(leaf.validFrom), notAfterMs: Date.parse(leaf.validTo) }));
  return dates;
}

/**
 * Why the certificate does not chain to `anchors` at `nowMs`, or undefined when it does (RFC 5280 §6.1 as chain.ts checks
 * it). A path found is remembered in the certificate's memo per set of anchors, so the requests of one keep-alive
 * connection validate once; its validity dates are still checked against now on every use.
 */
export function chainProblem(certificate: PresentedCertificate, anchors: readonly X509Certificate[], nowMs: number): string | undefined {
  const known = certificate.memo.get(anchors) as ValidPath | undefined;
  if (known !== undefined && nowMs >= known.notBeforeMs && nowMs <= known.notAfterMs) return undefined;
  if (anchors.length === 0) return 'no CA is trusted for tls_client_auth in this tenant';
  const leaf = presentedLeaf(certificate);
  const intermediates = presentedIntermediates(certificate);
  if (leaf === null || intermediates === null) return 'malformed certificate';
  const result = validateChain({ leaf, intermediates, trustedCas: anchors, nowMs });
  if (!result.ok) return result.reason;
  const path = result.path;
  certificate.memo.set(anchors, {
    notBeforeMs: Math.max(...path.map((c) => Date.parse(c.validFrom))),
    notAfterMs: Math.min(...path.map((c) => Date.parse(c.validTo))),
  } satisfies ValidPath);
  return undefined;
}

/**
 * Why the certificate does not carry the client's registered subject DN or SAN (RFC 8705 §2.1.2), or undefined when it
 * does: worked out once per certificate and registered name (its memo), so a keep-alive connection compares once.
 */
function nameProblem(certificate: PresentedCertificate, leaf: X509Certificate, client: ClientRecord): string | undefined {
  const registered = client.tlsClientAuth;
  if (registered === null) return `client ${client.clientId} has no registered certificate subject or SAN`;
  if (certificate.memo.has(registered)) return certificate.memo.get(registered) as string | undefined;
  const problem = registeredNameProblem(leaf, registered);
  certificate.memo.set(registered, problem);
  return problem;
}

function registeredNameProblem(leaf: X509Certificate, registered: TlsClientAuthName): string | undefined {
  const { field, value } = registered;
  if (field === 'subject_dn') {
    let subject: string;
    try {
      subject = certificateSubjectDn(leaf);
    } catch {
      return 'the certificate subject cannot be read';
    }
    return dnEquals(subject, value) ? undefined : `certificate subject ${JSON.stringify(subject)} is not the registered ${JSON.stringify(value)}`;
  }
  const names = subjectAltNames(leaf);
  const found =
    field === 'san_dns'
      ? names.dns.some((name) => name.toLowerCase() === value.toLowerCase())
      : field === 'san_ip'
        ? names.ip.includes(normalizeIp(value))
        : (field === 'san_uri' ? names.uri : names.email).includes(value);
  return found ? undefined : `certificate has no ${field} ${JSON.stringify(value)}`;
}

/** The DER SubjectPublicKeyInfo of a JWK's public part, or null when it is not a usable public key. */
function jwkSpki(jwk: JWK): Buffer | null {
  const { kty, crv, x, y, n, e } = jwk;
  try {
    return createPublicKey({ key: { kty, crv, x, y, n, e } as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'der' });
  } catch {
    return null;
  }
}

/** Whether one of the keys is the certificate (its `x5c[0]`) or the certificate's public key (RFC 8705 §2.2). */
function keysHold(keys: readonly JWK[], leaf: X509Certificate): boolean {
  const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  return keys.some((key) => {
    const first = key.x5c?.[0];
    if (first !== undefined) return Buffer.from(first, 'base64').equals(leaf.raw);
    return jwkSpki(key)?.equals(spki) === true;
  });
}

/**
 * Authenticates a client by the certificate of its request (RFC 8705 §2): `tls_client_auth` needs a path to the
 * tenant's trust anchors (TrustAnchors) and the registered subject DN or SAN; `self_signed_tls_client_auth` needs
 * the certificate within its dates and, as `x5c[0]` or as a public key, among the client's keys (inline jwks, or its
 * jwks_uri through the same cache as private_key_jwt, refetched once for a key not seen yet). Every failure is
 * `fail(detail)`: the one public invalid_client, the detail for the log.
 */
export async function authenticateTlsClient(input: TlsAuthInput, deps: TlsAuthDeps): Promise<{ entry: ClientEntry; method: TlsAuthMethod }> {
  const { clientId, certificate, tenant, nowMs, fail } = input;
  const entry = tenant.clients.get(clientId);
  if (!entry) throw fail(`unknown client ${clientIdHint(clientId)}`);
  const { client } = entry;
  const method: TlsAuthMethod = client.tokenEndpointAuthMethod === 'self_signed_tls_client_auth' ? 'self_signed_tls_client_auth' : 'tls_client_auth';
  assertClientMayAuthenticate(entry, method, tenant, fail);
  const leaf = presentedLeaf(certificate);
  if (leaf === null) throw fail(`the certificate of client ${clientId} does not parse`);
  if (method === 'tls_client_auth') {
    const problem = chainProblem(certificate, deps.trustAnchors.of(tenant.settings.tenant), nowMs) ?? nameProblem(certificate, leaf, client);
    if (problem) throw fail(`tls_client_auth of client ${clientId}: ${problem}`);
    return { entry, method };
  }
  const dates = validity(certificate, leaf);
  if (nowMs < dates.notBeforeMs) throw fail(`self_signed_tls_client_auth of client ${clientId}: certificate is not yet valid`);
  if (nowMs > dates.notAfterMs) throw fail(`self_signed_tls_client_auth of client ${clientId}: certificate has expired`);
  const keys = async (refresh: boolean) => {
    try {
      return await deps.keys.keysOf(client, refresh ? { refresh } : undefined);
    } catch (err) {
      throw fail(`keys of client ${clientId} unavailable: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  if (keysHold(await keys(false), leaf)) return { entry, method };
  // A certificate the cache does not know yet: the client may have rotated (rate-limited refetch).
  if (client.jwksUri !== null && keysHold(await keys(true), leaf)) return { entry, method };
  throw fail(`self_signed_tls_client_auth of client ${clientId}: the certificate is not among the client's keys`);
}
