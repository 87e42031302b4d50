import { MAX_MAPPED_VALUE_BYTES, settableClaimName, type ClaimMappings, type Claims } from './model.js';

/**
 * The claims of a token from its sources, in order (its APIs in audience order, then its service
 * account, then its client): later wins per top-level name; a protected name is never taken, so
 * no configuration can set one even if it was stored before the rules. Null when there are none.
 */
export function mergeClaims(sources: readonly (Claims | null)[]): Claims | null {
  let out: Record<string, unknown> | null = null;
  for (const source of sources) {
    if (source === null) continue;
    for (const [name, value] of Object.entries(source)) {
      if (settableClaimName(name)) (out ??= {})[name] = value;
    }
  }
  return out;
}

/**
 * The claims a federated client's mappings copy from the verified federated token: a value only
 * when the token carries it, with its JSON type, and at most MAX_MAPPED_VALUE_BYTES as UTF-8 JSON
 * (a larger one is left out, which keeps the token within its bound). Null when none is copied.
 */
export function mappedClaims(mappings: ClaimMappings | null, federated: Readonly<Record<string, unknown>> | undefined): Claims | null {
  if (mappings === null || federated === undefined) return null;
  let out: Record<string, unknown> | null = null;
  for (const [name, from] of Object.entries(mappings)) {
    if (!settableClaimName(name) || !Object.hasOwn(federated, from)) continue;
    const value = federated[from];
    if (value === undefined || Buffer.byteLength(JSON.stringify(value)) > MAX_MAPPED_VALUE_BYTES) continue;
    (out ??= {})[name] = value;
  }
  return out;
}
