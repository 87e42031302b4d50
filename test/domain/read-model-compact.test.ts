import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '../../src/domain/clients/model.js';
import { compactDigest, digestBytes } from '../../src/domain/read-model/tenant-state.js';
import type { Store } from '../../src/storage/database.js';
import { migrateToLatest } from '../../src/storage/migrations/index.js';
import { clientsRepo, type TokenClient } from '../../src/storage/repositories/clients.js';
import { tenantsRepo } from '../../src/storage/repositories/tenants.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { openTestStore } from '../helpers/store.js';

const AT = '2026-01-01T00:00:00.000Z';

describe('compact digests of the read model', () => {
  it('give back the very bytes of every digest, in 32 one-byte characters', () => {
    for (let i = 0; i < 2000; i++) {
      const digest = createHash('sha256')
        .update(randomBytes(1 + (i % 64)))
        .digest();
      const compact = compactDigest(digest.toString('hex'));
      assert.equal(compact.length, 32);
      assert.deepEqual(digestBytes(compact), digest);
    }
  });
});

/** A client whose settings vary with `i`, so that every column the read model keeps is exercised. */
function client(i: number): Client {
  return {
    tenantId: 'acme',
    clientId: `c-${String(i).padStart(3, '0')}`,
    clientName: `client ${i}`,
    clientType: 'machine_to_machine',
    grantTypes: i % 3 === 0 ? ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'] : ['client_credentials'],
    responseTypes: [],
    audience: i % 2 === 0 ? ['https://a.example/'] : ['https://a.example/', 'https://b.example/'],
    scope: i % 4 === 0 ? 'read write' : 'read',
    tokenEndpointAuthMethod: i % 5 === 0 ? 'client_secret_post' : null,
    jwks: null,
    jwksUri: null,
    serviceAccountId: null,
    accessTokenTtl: i % 2 === 0 ? null : 600,
    active: i % 7 !== 0,
    dpopBoundAccessTokens: i % 6 === 0,
    tlsClientAuth: i % 8 === 0 ? { field: 'subject_dn', value: `CN=c${i}` } : null,
    tlsClientCertificateBoundAccessTokens: i % 8 === 0,
    tokenQuota: i % 9 === 0 ? { perHour: 10, enforce: true } : null,
    federatedCredentials: [],
    claims: i % 10 === 0 ? { team: `t${i}` } : null,
    claimMappings: null,
    createdAt: AT,
    updatedAt: AT,
    secrets: [],
  };
}

describeEachDialect('the read model reads only what it keeps of clients (clientsRepo.tokenPage)', (dialect) => {
  let store: Store;

  before(async () => {
    store = await openTestStore(dialect, 'tessera-token-page-');
    await migrateToLatest(store.db);
    await tenantsRepo.insert(store.db, { id: 'acme', name: 'acme', signingAlg: 'ES256', accessTokenTtl: 3600, tlsClientCas: [], createdAt: AT, updatedAt: AT });
    const clients = Array.from({ length: 57 }, (_, i) => client(i));
    await clientsRepo.insertMany(store.db, clients, false);
    // No secret, one, or two (one expiring) per client.
    const secrets = clients.flatMap((c, i) =>
      Array.from({ length: i % 3 }, (_, k) => ({
        id: `sec-${i}-${k}`,
        clientId: c.clientId,
        digest: createHash('sha256').update(`${i}-${k}`).digest('hex'),
        createdAt: AT,
        expiresAt: k === 1 ? '2027-01-01T00:00:00.000Z' : null,
        lastUsedAt: null,
      })),
    );
    await clientsRepo.insertSecrets(store.db, 'acme', secrets);
  });
  after(() => store.close());

  it('pages through the same clients as `page`, with the same settings, secrets and credentials', async () => {
    for (const limit of [1, 10, 57, 100]) {
      const full: Client[] = [];
      const token: TokenClient[] = [];
      for (let after: string | null = null; ;) {
        const [a, b]: [Client[], TokenClient[]] = await Promise.all([
          clientsRepo.page(store.db, 'acme', after, limit),
          clientsRepo.tokenPage(store.db, 'acme', after, limit),
        ]);
        full.push(...a);
        token.push(...b);
        const last: Client | undefined = a.at(-1);
        if (a.length < limit || last === undefined) break;
        after = last.clientId;
      }
      assert.equal(full.length, 57);
      const expected = full.map(({ clientName: _n, responseTypes: _r, createdAt: _c, updatedAt: _u, secrets, ...rest }) => ({
        ...rest,
        secrets: secrets.map((s) => ({ id: s.id, digest: s.digest, expiresAt: s.expiresAt })),
      }));
      assert.deepEqual(token, expected);
    }
  });

  it('parses each distinct list of a page once: clients with equal lists share them', async () => {
    const page = await clientsRepo.tokenPage(store.db, 'acme', null, 57);
    assert.equal(new Set(page.map((c) => c.audience)).size, 2);
    assert.equal(new Set(page.map((c) => c.grantTypes)).size, 2);
  });
});
