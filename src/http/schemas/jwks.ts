import { Type } from '@sinclair/typebox';
import { MAX_CLIENT_KEYS } from '../../domain/clients/keys.js';

/** A JWK (RFC 7517 §4): its members are checked by the domain, which refuses private ones. */
export const Jwk = Type.Object({ kty: Type.String({ maxLength: 16 }) }, { additionalProperties: true });

/** A JWK Set (RFC 7517 §5) of public signing keys (private_key_jwt clients, federated issuers). */
export const JwksIn = Type.Object({ keys: Type.Array(Jwk, { maxItems: MAX_CLIENT_KEYS }) }, { additionalProperties: true });
export const JwksOut = Type.Object({ keys: Type.Array(Jwk) });
