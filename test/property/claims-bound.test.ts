import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { it } from 'node:test';
import fc from 'fast-check';
import type { Api } from '../../src/domain/apis/model.js';
import { mappedClaims, mergeClaims } from '../../src/domain/claims/merge.js';
import { PROTECTED_CLAIMS } from '../../src/domain/claims/model.js';
import { largestTokenBytes } from '../../src/domain/claims/token-size.js';
import type { ClientRecord, Signer } from '../../src/domain/read-model/tenant-state.js';
import { accessTokenClaims, signAccessToken } from '../../src/protocol/access-token.js';

/** A 4096-bit RSA key, the largest signature the bound allows for, with a thumbprint-long kid. */
const signer: Signer = {
  kid: 'k'.repeat(43),
  alg: 'PS256',
  key: generateKeyPairSync('rsa', { modulusLength: 4096 }).privateKey,
};

const name = fc.string({ minLength: 1, maxLength: 20 }).filter((n) => !PROTECTED_CLAIMS.has(n) && n !== '__proto__');
const claims = fc.option(fc.dictionary(name, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }), { nil: null });
const ascii = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789:/.-_ '), minLength: min, maxLength: max });

it('no token is larger than largestTokenBytes says (docs/claims.md#token-size)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        issuer: ascii(1, 256),
        clientId: ascii(1, 255),
        account: fc.option(ascii(26, 30), { nil: null }),
        apis: fc.array(fc.record({ audience: ascii(1, 200), scopes: fc.array(ascii(1, 30), { maxLength: 5 }), claims }), { minLength: 1, maxLength: 3 }),
        accountClaims: claims,
        clientClaims: claims,
        mappings: fc.option(fc.dictionary(name, fc.string({ maxLength: 20 }), { maxKeys: 4 }), { nil: null }),
        federated: fc.option(
          fc.record({ iss: ascii(1, 200), sub: ascii(1, 250), claims: fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 2 })) }),
          {
            nil: undefined,
          },
        ),
        bound: fc.constantFrom('jkt', 'x5t', 'none'),
        mappedValues: fc.array(fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.string({ maxLength: 600 })), { minLength: 1, maxLength: 4 }),
      }),
      async (c) => {
        // The federated token carries a value (up to 600 characters) for each mapping's claim, and more.
        const carried = Object.values(c.mappings ?? {}).map((from, i) => [from, c.mappedValues[i % c.mappedValues.length]]);
        const federated = c.federated && { ...c.federated, claims: { ...c.federated.claims, ...Object.fromEntries(carried) } };
        const audiences = c.apis.map((a) => ({
          audience: a.audience,
          api: { claims: a.claims } as Api,
          scopes: a.scopes,
          scopeSet: new Set(a.scopes),
        }));
        const client = { clientId: c.clientId, serviceAccountId: c.account, claims: c.clientClaims, claimMappings: c.mappings } as ClientRecord;
        const token = await signAccessToken(
          signer,
          accessTokenClaims({
            issuer: c.issuer,
            client,
            target: { audiences, scopes: [...new Set(c.apis.flatMap((a) => a.scopes))] },
            nowSeconds: 2_000_000_000,
            lifetime: 86_400,
            jkt: c.bound === 'jkt' ? 'j'.repeat(43) : null,
            x5t: c.bound === 'x5t' ? 'x'.repeat(43) : null,
            federated,
            added: [mergeClaims([...c.apis.map((a) => a.claims), c.accountClaims, c.clientClaims]), mappedClaims(c.mappings, federated?.claims)],
          }),
        );
        const bound = largestTokenBytes({
          subject: c.account ?? c.clientId,
          clientId: c.clientId,
          federated: c.federated !== undefined,
          audiences: c.apis.map((a) => a.audience),
          scopes: [...new Set(c.apis.flatMap((a) => a.scopes))],
          claims: [...c.apis.map((a) => a.claims), c.accountClaims, c.clientClaims],
          mappings: c.mappings,
        });
        assert.ok(token.length <= bound, `${token.length} > ${bound}`);
      },
    ),
    { numRuns: 200 },
  );
});
