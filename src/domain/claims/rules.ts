import type { FieldError } from '../errors.js';
import { MAX_CLAIMS_BYTES, PROTECTED_CLAIMS, type ClaimMappings, type Claims } from './model.js';

/** A member name as a JSON Pointer segment (RFC 6901 §3). */
const segment = (name: string) => name.replace(/~/g, '~0').replace(/\//g, '~1');

/** Why a name cannot be configured, or null when it can. */
function nameProblem(name: string): string | null {
  if (PROTECTED_CLAIMS.has(name)) return `${JSON.stringify(name)} is a protected claim: Tessera sets it`;
  if (name === '__proto__') return '"__proto__" is not allowed as a claim name';
  return null;
}

/**
 * The field errors of `claims` given at `pointer` (docs/claims.md): null or a JSON object of at
 * most MAX_CLAIMS_BYTES as UTF-8 JSON, naming no protected claim.
 */
export function claimsFieldErrors(value: unknown, pointer: string): FieldError[] {
  if (value === null || value === undefined) return [];
  if (typeof value !== 'object' || Array.isArray(value)) return [{ pointer, detail: 'must be a JSON object or null' }];
  const errors: FieldError[] = [];
  for (const name of Object.keys(value)) {
    const problem = nameProblem(name);
    if (problem) errors.push({ pointer: `${pointer}/${segment(name)}`, detail: problem });
  }
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > MAX_CLAIMS_BYTES) errors.push({ pointer, detail: `is ${bytes} bytes as UTF-8 JSON; the most is ${MAX_CLAIMS_BYTES}` });
  return errors;
}

/**
 * The field errors of a client's `claim_mappings` at `pointer`: only on a client whose
 * token_endpoint_auth_method is `federated`, and never into a protected claim.
 */
export function claimMappingsFieldErrors(mappings: ClaimMappings | null, method: string | null, pointer: string): FieldError[] {
  if (mappings === null) return [];
  if (method !== 'federated') return [{ pointer, detail: 'claim_mappings are used only with token_endpoint_auth_method federated' }];
  const errors: FieldError[] = [];
  for (const name of Object.keys(mappings)) {
    const problem = nameProblem(name);
    if (problem) errors.push({ pointer: `${pointer}/${segment(name)}`, detail: problem });
  }
  return errors;
}

/** `claims` as stored: a JSON object (checked by claimsFieldErrors), or null. */
export function storedClaims(value: unknown): Claims | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Claims) : null;
}
