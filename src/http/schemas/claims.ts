import { Type } from '@sinclair/typebox';
import { Nullable } from './common.js';

/** `claims` on input: any JSON, so that what is not an object, too large or protected is a 422 naming the member (src/domain/claims/rules.ts). */
export const ClaimsIn = Type.Unknown({ description: 'claims added to tokens (docs/claims.md): a JSON object of at most 4 KiB as UTF-8 JSON, or null' });

/** `claims` as answered: a JSON object, or null. */
export const ClaimsOut = Nullable(Type.Record(Type.String(), Type.Unknown(), { description: 'claims added to tokens (docs/claims.md)' }));

/** `claim_mappings` of a federated client: token claim name to federated token claim name. */
export const ClaimMappingsIn = Nullable(
  Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Type.String({ minLength: 1, maxLength: 200 }), {
    maxProperties: 50,
    description: 'federated clients: token claim name to the name of the federated token claim copied into it (docs/claims.md)',
  }),
);

export const ClaimMappingsOut = Nullable(Type.Record(Type.String(), Type.String()));
