import type { FieldError } from '../errors.js';
import { credentialsOverlap, spiffeTrustDomain } from './matching.js';
import { ANY_SUBJECT, MAX_FEDERATED_CREDENTIALS, type ClaimCondition, type FederatedCredential, type FederatedIssuer } from './model.js';

/** Claims a credential may not constrain: the issuer, audience and time rules check them (and `sub` is the subject). */
export const PROTECTED_CLAIMS = ['sub', 'iss', 'aud', 'exp', 'nbf', 'iat'] as const;

/** A federated credential as an admin writes it: `issuer` names a registered issuer by its `issuer` string or its id. */
export interface FederatedCredentialInput {
  issuer: string;
  subject: string;
  claims?: Record<string, ClaimCondition> | undefined;
}

/** Claim conditions in one form: names sorted, each list sorted without repeats; equal conditions are then equal JSON. */
export function canonicalClaims(claims: Readonly<Record<string, ClaimCondition>>): Record<string, ClaimCondition> {
  const out: Record<string, ClaimCondition> = {};
  for (const name of Object.keys(claims).sort()) {
    const condition = claims[name] as ClaimCondition;
    out[name] = typeof condition === 'string' ? condition : [...new Set(condition)].sort();
  }
  return out;
}

/** The issuer an input names, by its `issuer` string first, then by id. */
function issuerNamed(issuers: readonly FederatedIssuer[], name: string): FederatedIssuer | undefined {
  return issuers.find((i) => i.issuer === name) ?? issuers.find((i) => i.id === name);
}

/** The identity of a credential: its issuer, subject and claims (canonical). */
function identity(c: Pick<FederatedCredential, 'issuerId' | 'subject' | 'claims'>): string {
  return JSON.stringify([c.issuerId, c.subject, c.claims]);
}

/**
 * A client's federated credentials from the admin's input (docs/api.md#federated-credentials):
 * each names an issuer of the tenant, an exact subject (or `"*"` with at least one claim
 * condition), claims other than the protected ones; no two alike. An unchanged credential keeps
 * its id (`previous`); `newId` names the others. Answers the credentials, or the field errors.
 */
export function resolveCredentials(
  inputs: readonly FederatedCredentialInput[],
  issuers: readonly FederatedIssuer[],
  previous: readonly FederatedCredential[],
  newId: () => string,
): { credentials: FederatedCredential[]; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (inputs.length > MAX_FEDERATED_CREDENTIALS) {
    return {
      credentials: [],
      errors: [{ pointer: '/federated_credentials', detail: `at most ${MAX_FEDERATED_CREDENTIALS} federated credentials per client` }],
    };
  }
  const kept = new Map(previous.map((c) => [identity(c), c.id]));
  const seen = new Map<string, number>();
  const credentials: FederatedCredential[] = [];
  inputs.forEach((input, i) => {
    const at = `/federated_credentials/${i}`;
    const issuer = issuerNamed(issuers, input.issuer);
    if (!issuer)
      errors.push({ pointer: `${at}/issuer`, detail: `no federated issuer ${JSON.stringify(input.issuer)} in this tenant (give its issuer or its id)` });
    const claims = canonicalClaims(input.claims ?? {});
    if (input.subject === '') errors.push({ pointer: `${at}/subject`, detail: 'must not be empty' });
    if (input.subject === ANY_SUBJECT && Object.keys(claims).length === 0) {
      errors.push({ pointer: `${at}/subject`, detail: '"*" matches any subject and needs at least one claim condition' });
    }
    for (const name of Object.keys(claims)) {
      if ((PROTECTED_CLAIMS as readonly string[]).includes(name)) {
        errors.push({
          pointer: `${at}/claims/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`,
          detail: `${name} is checked by other rules and may not be a claim condition`,
        });
      }
    }
    if (!issuer) return;
    const domain = issuer.kind === 'spiffe' ? spiffeTrustDomain(issuer.issuer) : null;
    if (domain !== null && input.subject !== ANY_SUBJECT && spiffeTrustDomain(input.subject) !== domain) {
      errors.push({ pointer: `${at}/subject`, detail: `must be a SPIFFE ID in the trust domain ${domain} (spiffe://${domain}/…), or "*"` });
    }
    const credential = { id: '', issuerId: issuer.id, subject: input.subject, claims };
    const key = identity(credential);
    const twin = seen.get(key);
    if (twin !== undefined) errors.push({ pointer: at, detail: `repeats federated credential ${twin}` });
    seen.set(key, i);
    credentials.push({ ...credential, id: kept.get(key) ?? newId() });
  });
  return { credentials, errors };
}

/** The first credential of another client that could match the same token as one of `mine`, with the index of mine. */
export function firstOverlap(
  mine: readonly FederatedCredential[],
  others: readonly { clientId: string; credential: FederatedCredential }[],
): { index: number; clientId: string } | null {
  for (const [index, credential] of mine.entries()) {
    const other = others.find((o) => o.credential.issuerId === credential.issuerId && credentialsOverlap(credential, o.credential));
    if (other) return { index, clientId: other.clientId };
  }
  return null;
}
