import { X509Certificate } from 'node:crypto';
import { certificateKeyUsage } from './key-usage.js';
import { splitPemCertificates } from './pem.js';

/** The longest path accepted, leaf and trust anchor included. */
export const MAX_CHAIN_LENGTH = 5;

export interface ChainInput {
  /** The client's certificate: its DER, or already parsed. */
  leaf: Uint8Array | X509Certificate;
  /** Intermediates the client presented, in any order: DER, or already parsed. */
  intermediates: readonly (Uint8Array | X509Certificate)[];
  /** Trust anchors: PEM strings, each one certificate or a bundle. */
  trustedCaPems?: readonly string[];
  /** Trust anchors already parsed (with or instead of trustedCaPems): parsing once per trust store saves it per request. */
  trustedCas?: readonly X509Certificate[];
  /** The time at which every certificate must be valid. */
  nowMs: number;
}

export type ChainResult = { ok: true; path: X509Certificate[] } | { ok: false; reason: string };

/**
 * Builds and checks a certification path from the leaf through the given intermediates to one trusted CA (RFC 5280 §6.1,
 * simplified: signatures, validity at `nowMs`, basicConstraints cA and keyUsage of issuers, digitalSignature of the leaf when
 * key usage is present, at most MAX_CHAIN_LENGTH certificates). A self-signed leaf is accepted only when it is itself trusted.
 * Name constraints, policies and revocation are not checked.
 */
export function validateChain(input: ChainInput): ChainResult {
  let leaf: X509Certificate;
  let intermediates: X509Certificate[];
  let anchors: X509Certificate[];
  try {
    leaf = parsed(input.leaf);
    intermediates = input.intermediates.map(parsed);
    anchors = [...(input.trustedCas ?? []), ...(input.trustedCaPems ?? []).flatMap(splitPemCertificates).map((pem) => new X509Certificate(pem))];
  } catch {
    return { ok: false, reason: 'malformed certificate' };
  }
  const leafProblem = validityProblem(leaf, input.nowMs) ?? leafUsageProblem(leaf);
  if (leafProblem) return { ok: false, reason: `client certificate ${leafProblem}` };
  if (isSelfSigned(leaf)) {
    return anchors.some((anchor) => anchor.raw.equals(leaf.raw)) ? { ok: true, path: [leaf] } : { ok: false, reason: 'self-signed certificate is not trusted' };
  }
  return extendPath([leaf], intermediates, anchors, input.nowMs);
}

/** A certificate as given, or parsed from its DER (parsing costs: callers that hold one parsed pass it). */
function parsed(certificate: Uint8Array | X509Certificate): X509Certificate {
  return certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate);
}

function extendPath(path: X509Certificate[], intermediates: X509Certificate[], anchors: X509Certificate[], nowMs: number): ChainResult {
  // path always holds the leaf, so the last element exists
  const current = path[path.length - 1]!;
  if (path.length >= MAX_CHAIN_LENGTH) return { ok: false, reason: 'certificate chain is too long' };
  let problem: string | undefined;
  for (const anchor of anchors.filter((candidate) => issued(candidate, current))) {
    const anchorProblem = issuerProblem(anchor, nowMs);
    if (!anchorProblem) return { ok: true, path: [...path, anchor] };
    problem ??= `trusted CA ${anchorProblem}`;
  }
  for (const intermediate of intermediates.filter((candidate) => issued(candidate, current) && !path.some((seen) => seen.raw.equals(candidate.raw)))) {
    const intermediateProblem = issuerProblem(intermediate, nowMs) ?? (isSelfSigned(intermediate) ? 'is self-signed and not trusted' : undefined);
    if (intermediateProblem) {
      problem ??= `intermediate certificate ${intermediateProblem}`;
      continue;
    }
    const result = extendPath([...path, intermediate], intermediates, anchors, nowMs);
    if (result.ok) return result;
    problem ??= result.reason;
  }
  return { ok: false, reason: problem ?? 'certificate is not issued by a trusted CA' };
}

function issued(issuer: X509Certificate, subject: X509Certificate): boolean {
  return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
}

/** Issuer and subject names equal and signed by its own key (checkIssued would also demand keyCertSign, which a self-signed client certificate lacks). */
function isSelfSigned(cert: X509Certificate): boolean {
  return cert.subject === cert.issuer && cert.verify(cert.publicKey);
}

function validityProblem(cert: X509Certificate, nowMs: number): string | undefined {
  if (nowMs < Date.parse(cert.validFrom)) return 'is not yet valid';
  if (nowMs > Date.parse(cert.validTo)) return 'has expired';
  return undefined;
}

function issuerProblem(cert: X509Certificate, nowMs: number): string | undefined {
  const dates = validityProblem(cert, nowMs);
  if (dates) return dates;
  if (!cert.ca) return 'is not a CA';
  if (certificateKeyUsage(cert.raw)?.keyCertSign === false) return 'may not sign certificates (key usage)';
  return undefined;
}

function leafUsageProblem(cert: X509Certificate): string | undefined {
  return certificateKeyUsage(cert.raw)?.digitalSignature === false ? 'may not be used for signatures (key usage)' : undefined;
}
