import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import type {
  ApiConfig,
  ClientConfig,
  ConfigDocument,
  FederatedIssuerConfig,
  GrantConfig,
  PlannedChange,
  ServiceAccountConfig,
  TenantConfig,
} from '../../src/domain/configuration/document.js';
import { grantKey } from '../../src/domain/configuration/document.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { JWT_BEARER_GRANT } from '../helpers/federation.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

/** Runs per store: each applies, exports and re-applies twice, so that a store stays within about a minute. */
const RUNS = 20;

/** The names the documents draw from, few enough that a second document meets most objects of the first. */
const API_NAMES = ['orders', 'billing', 'inventory'];
const SCOPES = ['read', 'write', 'delete', 'items:admin'];
const ACCOUNTS = ['sa-0', 'sa-1', 'sa-2'];
const ISSUERS = ['https://issuer-0.test', 'https://issuer-1.test'];
const CLIENT_IDS = ['c-0', 'c-1', 'c-2', 'c-3', 'c-4', 'c-5'];
const AUTH_METHODS = ['default', 'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'federated'] as const;

const identifierOf = (name: string) => `https://${name}.test/`;

/**
 * The audience of every issuer, made the tenant's own per run (forRun): tenants trusting the same
 * issuer need audiences of their own, so that a token names one tenant.
 */
const TENANT_AUDIENCE = 'api://tenant';

/** A generated document on tenants of its own (`p{run}-t0`, …): apply never deletes a tenant, so every run (shrinking included) needs new ones. */
function forRun(document: ConfigDocument, run: number): ConfigDocument {
  return {
    version: 1,
    tenants: document.tenants.map((one) => {
      const id = `p${run}-${one.id}`;
      const issuers = one.federated_issuers?.map((i) => ({ ...i, audiences: [`api://${id}`] }));
      return { ...one, id, ...(issuers ? { federated_issuers: issuers } : {}) };
    }),
  };
}

/** An optional member: absent or the value (never a member set to its default: the document then omits it, as export does). */
const maybe = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined });
/** The object without its undefined members, as a `T`. */
const defined = <T>(o: object): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

const api = (name: string): fc.Arbitrary<ApiConfig> =>
  fc
    .record({
      scopes: fc.subarray(SCOPES),
      describe: fc.boolean(),
      access_token_ttl: maybe(fc.integer({ min: 60, max: 86_400 })),
      dpop_bound_access_tokens: maybe(fc.constant(true)),
      token_exchange: maybe(fc.constant('deny' as const)),
    })
    .map(({ scopes, describe, ...rest }) =>
      defined<ApiConfig>({
        identifier: identifierOf(name),
        name: `The ${name} API`,
        ...(scopes.length > 0 ? { scopes: scopes.map((value) => (describe ? { value, description: `may ${value}` } : { value })) } : {}),
        ...rest,
      }),
    );

const account = (user_name: string): fc.Arbitrary<ServiceAccountConfig> =>
  fc
    .record({ display_name: fc.constantFrom('Nightly job', 'Sync'), active: maybe(fc.constant(false)) })
    .map((rest) => defined<ServiceAccountConfig>({ user_name, ...rest }));

const issuer = (url: string, key: TestKey): fc.Arbitrary<FederatedIssuerConfig> =>
  fc
    .record({
      max_token_age: maybe(fc.constantFrom(600, 7_200)),
      require_jti: maybe(fc.constant(true)),
    })
    .map((rest) =>
      defined<FederatedIssuerConfig>({
        issuer: url,
        name: `Issuer ${url.slice(8, 16)}`,
        jwks: { keys: [key.publicJwk] },
        audiences: [TENANT_AUDIENCE],
        ...rest,
      }),
    );

/** A client of one of the authentication methods, naming (maybe) a service account and an issuer of its tenant. */
const client = (client_id: string, accounts: readonly string[], issuers: readonly string[], key: TestKey): fc.Arbitrary<ClientConfig> =>
  fc
    .record({
      auth: fc.constantFrom(...AUTH_METHODS),
      service_account: accounts.length > 0 ? maybe(fc.constantFrom(...accounts)) : fc.constant(undefined),
      access_token_ttl: maybe(fc.integer({ min: 60, max: 86_400 })),
      active: maybe(fc.constant(false)),
      token_quota: maybe(
        fc
          .oneof(
            fc.record({ per_hour: fc.integer({ min: 1, max: 1000 }), enforce: fc.boolean() }),
            fc.record({ per_day: fc.integer({ min: 1, max: 100_000 }), enforce: fc.boolean() }),
            fc.record({ per_hour: fc.integer({ min: 1, max: 1000 }), per_day: fc.integer({ min: 1, max: 100_000 }), enforce: fc.boolean() }),
          )
          .map((quota) => ({ ...quota })),
      ),
      issuer: issuers.length > 0 ? fc.constantFrom(...issuers) : fc.constant(undefined),
    })
    .map(({ auth, issuer: trusted, ...rest }) => {
      const base = { client_id, client_name: `client ${client_id}`, ...rest };
      if (auth === 'private_key_jwt') return defined<ClientConfig>({ ...base, token_endpoint_auth_method: auth, jwks: { keys: [key.publicJwk] } });
      if (auth === 'federated' && trusted !== undefined) {
        return defined<ClientConfig>({
          ...base,
          token_endpoint_auth_method: auth,
          grant_types: ['client_credentials', JWT_BEARER_GRANT],
          federated_credentials: [{ issuer: trusted, subject: `repo:${client_id}` }],
        });
      }
      if (auth === 'client_secret_basic' || auth === 'client_secret_post') return defined<ClientConfig>({ ...base, token_endpoint_auth_method: auth });
      return defined<ClientConfig>(base);
    });

/** Grants of some subjects (clients and accounts) on some APIs, each with some of the API's scopes. */
const grants = (subjects: readonly Pick<GrantConfig, 'client' | 'service_account'>[], apis: readonly ApiConfig[]): fc.Arbitrary<GrantConfig[]> => {
  const pairs = subjects.flatMap((subject) => apis.map((a) => ({ subject, a })));
  if (pairs.length === 0) return fc.constant([]);
  return fc
    .subarray(pairs)
    .chain((chosen) =>
      fc.tuple(
        ...chosen.map(({ subject, a }) => fc.subarray((a.scopes ?? []).map((s) => s.value)).map((scopes) => ({ ...subject, api: a.identifier, scopes }))),
      ),
    );
};

/** A whole tenant: APIs, accounts, issuers, clients referring to them, and grants. */
const tenant = (id: string, keys: readonly TestKey[]): fc.Arbitrary<TenantConfig> =>
  fc
    .record({ apiNames: fc.subarray(API_NAMES), accountNames: fc.subarray(ACCOUNTS), issuerUrls: fc.subarray(ISSUERS), clientIds: fc.subarray(CLIENT_IDS) })
    .chain(({ apiNames, accountNames, issuerUrls, clientIds }) =>
      fc
        .record({
          apis: fc.tuple(...apiNames.map(api)),
          service_accounts: fc.tuple(...accountNames.map(account)),
          federated_issuers: fc.tuple(...issuerUrls.map((url, i) => issuer(url, keys[i % keys.length]!))),
          clients: fc.tuple(...clientIds.map((cid, i) => client(cid, accountNames, issuerUrls, keys[(i + 1) % keys.length]!))),
        })
        .chain((objects) =>
          grants(
            [...objects.clients.map((c) => ({ client: c.client_id })), ...objects.service_accounts.map((s) => ({ service_account: s.user_name }))],
            objects.apis,
          ).map((g) => ({ id, ...objects, grants: g })),
        ),
    );

/** A document of one or two tenants, `t0` and `t1`. */
const documentOf = (keys: readonly TestKey[]): fc.Arbitrary<ConfigDocument> =>
  fc
    .integer({ min: 1, max: 2 })
    .chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => tenant(`t${i}`, keys))))
    .map((tenants) => ({ version: 1 as const, tenants }));

const byKey =
  <T>(key: (o: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/**
 * A tenant's objects as export writes them: sorted by natural key, empty lists left out, the
 * scopes of a grant without repeats. Its settings are left out: the documents never set them,
 * and export writes every one.
 */
function normalised(t: TenantConfig): TenantConfig {
  const lists = {
    apis: [...(t.apis ?? [])].sort(byKey((a) => a.identifier)),
    service_accounts: [...(t.service_accounts ?? [])].sort(byKey((s) => s.user_name)),
    clients: [...(t.clients ?? [])].sort(byKey((c) => c.client_id)),
    grants: [...(t.grants ?? [])].map((g) => ({ ...g, scopes: [...new Set(g.scopes)] })).sort(byKey(grantKey)),
    federated_issuers: [...(t.federated_issuers ?? [])].sort(byKey((f) => f.issuer)),
  };
  return { id: t.id, ...Object.fromEntries(Object.entries(lists).filter(([, list]) => list.length > 0)) };
}

describeEachDialect('configuration documents: export after apply is the document, and applying it changes nothing', (dialect) => {
  let t: TestTessera;
  let keys: TestKey[];
  let run = 0;
  before(async () => {
    t = await startTessera({ dialect });
    keys = [await testKey('RS256', 'prop-rsa'), await testKey('ES256', 'prop-ec')];
  });
  after(() => t.close());

  const apply = async (document: ConfigDocument, query = '') => {
    const res = await t.admin('POST', `/config/apply${query}`, document);
    assert.equal(res.status, 200, `${res.text}\n${JSON.stringify(document)}`);
    return res.body as { applied: boolean; changes: PlannedChange[]; secrets: unknown[] };
  };
  /** The export of the document's tenants, one call per tenant. */
  const exported = async (document: ConfigDocument): Promise<ConfigDocument> => {
    const tenants: TenantConfig[] = [];
    for (const { id } of document.tenants) {
      const res = await t.admin('GET', `/config/export?tenant=${id}`);
      assert.equal(res.status, 200, res.text);
      tenants.push(...(res.body as ConfigDocument).tenants);
    }
    return { version: 1, tenants };
  };
  const notUnchanged = (changes: PlannedChange[]) => changes.filter((c) => c.action !== 'unchanged');
  const assertExportIs = async (document: ConfigDocument) => {
    const state = await exported(document);
    assert.deepEqual(state.tenants.map(normalised), document.tenants.map(normalised), 'the export is the document');
    assert.deepEqual(notUnchanged((await apply(state, '?dry_run=true')).changes), [], 'applying the export changes nothing');
  };

  it('random documents: apply, export equals the document, a dry run of the export is all unchanged; an edited document converges', async () => {
    await fc.assert(
      fc.asyncProperty(fc.tuple(documentOf(keys), documentOf(keys)), async ([generated, second]) => {
        run += 1;
        const first = forRun(generated, run);
        const created = await apply(first);
        assert.deepEqual(new Set(created.changes.map((c) => c.action)), new Set(['create']));
        await assertExportIs(first);
        // The second document edits the first: it may change, add or leave out any object (pruned).
        const edited = forRun({ version: 1, tenants: generated.tenants.map((one, i) => second.tenants[i] ?? one) }, run);
        await apply(edited, '?prune=true');
        assert.deepEqual(notUnchanged((await apply(edited, '?prune=true&dry_run=true')).changes), [], 'a second apply changes nothing');
        await assertExportIs(edited);
      }),
      // The failing assertion's message in the report, not only the counterexample.
      { numRuns: RUNS, includeErrorInReport: true },
    );
  });
});
