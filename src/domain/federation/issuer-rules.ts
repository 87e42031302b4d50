import { isAbsolute } from 'node:path';
import { federatedJwkProblem } from '../../lib/public-jwk.js';
import { jwksFieldErrors, jwksUriProblem } from '../clients/keys.js';
import type { FieldError } from '../errors.js';
import { discoveryUrlOf } from './key-source.js';
import { spiffeTrustDomain } from './matching.js';
import { FEDERATED_ISSUER_KINDS, FEDERATION_ALGS, type FederatedIssuer } from './model.js';

/** At most this many audiences per federated issuer. */
export const MAX_FEDERATED_AUDIENCES = 20;

/** Whether the issuer's keys come from OIDC discovery (neither inline jwks nor jwks_uri). */
export function usesDiscovery(issuer: Pick<FederatedIssuer, 'jwks' | 'jwksUri'>): boolean {
  return issuer.jwks === null && issuer.jwksUri === null;
}

/** What is wrong with the `issuer` of an `oidc` or `kubernetes` issuer as written, or null: an http(s) URL without credentials, query or fragment. */
function urlIssuerProblem(issuer: string): string | null {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return 'must be an https URL (the exact iss of the tokens)';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL (the exact iss of the tokens)';
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  if (url.search !== '' || issuer.includes('?')) return 'must not contain a query';
  if (url.hash !== '' || issuer.includes('#')) return 'must not contain a fragment';
  return null;
}

/** The field errors of the issuer's keys: inline jwks (each key a federated one), else jwks_uri, else discovery. */
function keyFieldErrors(i: FederatedIssuer): FieldError[] {
  const errors: FieldError[] = [];
  if (i.jwks !== null && i.jwksUri !== null) errors.push({ pointer: '/jwks_uri', detail: 'give jwks or jwks_uri, not both' });
  if (i.jwks !== null) errors.push(...jwksFieldErrors(i.jwks, (key) => federatedJwkProblem(key)));
  for (const [pointer, url] of [
    ['/jwks_uri', i.jwksUri],
    ['/discovery_url', i.discoveryUrl],
  ] as const) {
    const problem = url === null ? null : jwksUriProblem(url);
    if (problem) errors.push({ pointer, detail: problem });
  }
  if (i.discoveryUrl !== null && !usesDiscovery(i)) {
    errors.push({ pointer: '/discovery_url', detail: 'is used only when the keys come from discovery (neither jwks nor jwks_uri)' });
  }
  return errors;
}

/** The field errors of what depends on the kind: the issuer's shape, spiffe's keys, kubernetes' bearer token file. */
function kindFieldErrors(i: FederatedIssuer): FieldError[] {
  const errors: FieldError[] = [];
  if (i.kind === 'spiffe') {
    const domain = spiffeTrustDomain(i.issuer);
    if (domain === null || i.issuer !== `spiffe://${domain}`) {
      errors.push({ pointer: '/issuer', detail: 'must be spiffe://<trust domain> (lower-case letters, digits, ".", "_" or "-"; no path)' });
    }
    if (i.discoveryUrl !== null)
      errors.push({ pointer: '/discovery_url', detail: 'a spiffe issuer takes jwks or its bundle endpoint as jwks_uri, not discovery' });
    else if (usesDiscovery(i)) errors.push({ pointer: '/jwks_uri', detail: 'a spiffe issuer needs jwks or jwks_uri (its bundle endpoint)' });
  } else {
    const problem = urlIssuerProblem(i.issuer);
    if (problem) errors.push({ pointer: '/issuer', detail: problem });
  }
  if (i.bearerTokenFile !== null) {
    if (i.kind !== 'kubernetes') errors.push({ pointer: '/bearer_token_file', detail: 'is used only by kubernetes issuers' });
    else if (!isAbsolute(i.bearerTokenFile)) errors.push({ pointer: '/bearer_token_file', detail: 'must be an absolute path' });
  }
  return errors;
}

/** The field errors of a federated issuer's settings (docs/api.md#federated-issuers), empty when they are consistent. */
export function federatedIssuerFieldErrors(i: FederatedIssuer): FieldError[] {
  if (!(FEDERATED_ISSUER_KINDS as readonly string[]).includes(i.kind)) {
    return [{ pointer: '/kind', detail: `must be one of ${FEDERATED_ISSUER_KINDS.join(', ')}` }];
  }
  const errors = [...kindFieldErrors(i), ...keyFieldErrors(i)];
  if (i.audiences !== null && new Set(i.audiences).size !== i.audiences.length) errors.push({ pointer: '/audiences', detail: 'audiences must be distinct' });
  errors.push(...algorithmFieldErrors(i.algorithms));
  return errors;
}

/** null (every algorithm), or a non-empty list of distinct FEDERATION_ALGS: never `none` or HMAC. */
function algorithmFieldErrors(algorithms: readonly string[] | null): FieldError[] {
  if (algorithms === null) return [];
  if (algorithms.length === 0) return [{ pointer: '/algorithms', detail: 'must list at least one algorithm, or be null for all' }];
  const errors: FieldError[] = [];
  algorithms.forEach((alg, n) => {
    if (!(FEDERATION_ALGS as readonly string[]).includes(alg)) {
      errors.push({ pointer: `/algorithms/${n}`, detail: `unsupported algorithm ${JSON.stringify(alg)}; supported: ${FEDERATION_ALGS.join(', ')}` });
    }
  });
  if (new Set(algorithms).size !== algorithms.length) errors.push({ pointer: '/algorithms', detail: 'algorithms must be distinct' });
  return errors;
}

/**
 * The URLs Tessera will fetch for the issuer, with the field each comes from: jwks_uri, or the
 * discovery document; and an `http` issuer itself however its keys are found (http is only for
 * what TESSERA_OUTBOUND_ALLOW names). Each is checked as its fetches will be.
 */
export function fetchedUrls(i: FederatedIssuer): { pointer: string; url: string }[] {
  const urls: { pointer: string; url: string }[] = [];
  if (i.jwksUri !== null) urls.push({ pointer: '/jwks_uri', url: i.jwksUri });
  else if (i.jwks === null && i.kind !== 'spiffe')
    urls.push({ pointer: i.discoveryUrl === null ? '/issuer' : '/discovery_url', url: i.discoveryUrl ?? discoveryUrlOf(i.issuer) });
  if (i.kind !== 'spiffe' && i.issuer.startsWith('http:') && !urls.some((u) => u.pointer === '/issuer')) urls.push({ pointer: '/issuer', url: i.issuer });
  return urls;
}
