import { ANY_SUBJECT, type ClaimCondition, type FederatedCredential } from './model.js';

/** The accepted values of a condition, as a list. */
function accepted(condition: ClaimCondition): readonly string[] {
  return typeof condition === 'string' ? [condition] : condition;
}

/**
 * Whether a claim's value meets a condition: a string equal to an accepted value. A number or a
 * boolean meets it when its JSON text is accepted (`"run_attempt": "1"` matches `1`); objects,
 * arrays, null and a missing claim never do.
 */
export function claimMeets(value: unknown, condition: ClaimCondition): boolean {
  let text: string;
  if (typeof value === 'string') text = value;
  else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') text = JSON.stringify(value);
  else return false;
  return accepted(condition).includes(text);
}

/** Whether a verified token's claims match a credential: `sub` equal to its subject (or any with `"*"`), and every claim condition met. */
export function credentialMatches(credential: Pick<FederatedCredential, 'subject' | 'claims'>, claims: Readonly<Record<string, unknown>>): boolean {
  if (credential.subject !== ANY_SUBJECT && claims.sub !== credential.subject) return false;
  for (const [name, condition] of Object.entries(credential.claims)) {
    if (!Object.hasOwn(claims, name) || !claimMeets(claims[name], condition)) return false;
  }
  return true;
}

/**
 * Whether some token could match both credentials (of one issuer): their subjects agree (equal,
 * or one is `"*"`), and every claim both constrain has a value both accept. Two clients' credentials
 * must never overlap, so that a token names one client.
 */
export function credentialsOverlap(a: Pick<FederatedCredential, 'subject' | 'claims'>, b: Pick<FederatedCredential, 'subject' | 'claims'>): boolean {
  if (a.subject !== ANY_SUBJECT && b.subject !== ANY_SUBJECT && a.subject !== b.subject) return false;
  for (const [name, condition] of Object.entries(a.claims)) {
    if (!Object.hasOwn(b.claims, name)) continue;
    const other = accepted(b.claims[name] as ClaimCondition);
    if (!accepted(condition).some((v) => other.includes(v))) return false;
  }
  return true;
}

/** The trust domain of a SPIFFE ID (`spiffe://example.org/ns/prod/sa/api` → `example.org`), or null when it is not one. */
export function spiffeTrustDomain(id: unknown): string | null {
  if (typeof id !== 'string') return null;
  const match = /^spiffe:\/\/([a-z0-9._-]+)(\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$/.exec(id);
  return match?.[1] ?? null;
}
