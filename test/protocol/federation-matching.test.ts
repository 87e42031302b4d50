import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ANY_SUBJECT, type ClaimCondition, type FederatedCredential } from '../../src/domain/federation/model.js';
import { FederationIndex } from '../../src/domain/read-model/federation-index.js';
import type { ClientEntry } from '../../src/domain/read-model/tenant-state.js';
import { manualClock } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { INVALID_GRANT, inlineIssuer, JWT_BEARER_GRANT, platformToken, setCredentials, trust } from '../helpers/federation.js';
import { createClient } from '../helpers/fixtures.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const ISSUER = 'https://ci.example';
const NAMES = ['repository_id', 'ref', 'environment', 'run_attempt'] as const;
const TEXTS = ['a', 'b', 'c', '1', 'true'];

/** A claim condition: one accepted text, or a non-empty list of them. */
const condition: fc.Arbitrary<ClaimCondition> = fc.oneof(fc.constantFrom(...TEXTS), fc.uniqueArray(fc.constantFrom(...TEXTS), { minLength: 1, maxLength: 3 }));

/** A credential as registration allows it: an exact subject, or `"*"` with at least one condition. */
const credential: fc.Arbitrary<Pick<FederatedCredential, 'subject' | 'claims'>> = fc
  .record({ subject: fc.constantFrom('s1', 's2', ANY_SUBJECT), claims: fc.dictionary(fc.constantFrom(...NAMES), condition, { maxKeys: 3 }) })
  .filter((c) => c.subject !== ANY_SUBJECT || Object.keys(c.claims).length > 0);

/** A claim value of any JSON type a token may carry. */
const claimValue = fc.oneof(fc.constantFrom(...TEXTS, 'd'), fc.constantFrom(1, 2, true, false, null), fc.constant({ nested: 'a' }), fc.constant(['a']));

/** Token claims: `sub` (missing now and then, in `withoutSub`) and some of the names, with any value. */
const tokenClaims = (withoutSub: boolean) =>
  fc.record({
    sub: withoutSub ? fc.option(fc.constantFrom('s1', 's2', 's3'), { nil: undefined }) : fc.constantFrom('s1', 's2', 's3'),
    claims: fc.dictionary(fc.constantFrom(...NAMES), claimValue, { maxKeys: 4 }),
  });

/** The text a claim value is compared as, or null when no condition accepts it (the rule of docs/federation.md, written out independently). */
function comparedText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** Whether a token with `sub` and `claims` satisfies every condition of the credential. */
function everyConditionHolds(c: Pick<FederatedCredential, 'subject' | 'claims'>, sub: string | undefined, claims: Record<string, unknown>): boolean {
  if (c.subject !== ANY_SUBJECT && sub !== c.subject) return false;
  return Object.entries(c.claims).every(([name, accepted]) => {
    const text = name in claims ? comparedText(claims[name]) : null;
    return text !== null && (typeof accepted === 'string' ? [accepted] : accepted).includes(text);
  });
}

describe('federated credentials: a token matches iff every condition holds (property, the read model index)', () => {
  it('over random credentials and claim sets', () => {
    fc.assert(
      fc.property(credential, tokenClaims(true), (cred, token) => {
        const index = new FederationIndex();
        const issuer = inlineIssuer('default', ISSUER, []);
        index.setIssuers([issuer]);
        // Only the client id and its credentials matter to the index.
        const entry = { client: { clientId: 'c', federatedCredentials: [{ ...cred, id: 'fc', issuerId: issuer.id }] } } as unknown as ClientEntry;
        index.setClient(entry, undefined);
        const claims = token.sub === undefined ? token.claims : { ...token.claims, sub: token.sub };
        assert.equal(index.matchingClients(issuer.id, claims).length, everyConditionHolds(cred, token.sub, token.claims) ? 1 : 0);
      }),
      { seed: 20301, numRuns: 2000 },
    );
  });
});

describeEachDialect('federated credentials: a token matches iff every condition holds (property, the token endpoint)', (dialect) => {
  let t: TestTessera;
  let key: TestKey;
  const clock = manualClock('2030-01-01T00:00:00.000Z');
  before(async () => {
    t = await startTessera({ dialect, clock });
    key = await testKey('ES256', 'ci-1');
    await createClient(t, { client_id: 'job', audience: ['https://orders.test'] });
    await trust(t, 'default', [inlineIssuer('default', ISSUER, [key])], {});
  });
  after(() => t.close());

  it('over random credentials and claim sets', async () => {
    await fc.assert(
      fc.asyncProperty(credential, tokenClaims(false), async (cred, token) => {
        await setCredentials(t, 'default', 'job', [{ ...cred, issuer: ISSUER }]);
        const assertion = await platformToken(key, clock, { ...token.claims, iss: ISSUER, sub: token.sub, aud: t.publicUrl });
        const res = await t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion });
        if (everyConditionHolds(cred, token.sub, token.claims)) assert.equal(res.status, 200, res.text);
        else assert.deepEqual(res.body, INVALID_GRANT);
      }),
      { seed: 20302, numRuns: 40 },
    );
  });
});
