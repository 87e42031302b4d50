import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { convertAuth0 } from '../../src/cli/import/auth0.js';
import { clampTtl, tenantIdFrom, type Conversion } from '../../src/cli/import/conversion.js';
import { convertHydra, goDurationSeconds } from '../../src/cli/import/hydra.js';
import { convertKeycloak } from '../../src/cli/import/keycloak.js';
import { readAuth0Export } from '../../src/cli/import/sources.js';
import { ConfigDocument } from '../../src/http/schemas/config.js';
import { REPO_ROOT } from '../helpers/docs.js';

/** A fixture of test/fixtures/import/: an export shaped like the real ones. */
const fixture = (name: string) => `${REPO_ROOT}test/fixtures/import/${name}`;
const fixtureJson = (name: string): unknown => JSON.parse(readFileSync(fixture(name), 'utf8'));

/** The document is one `POST /config/apply` accepts by its schema (the domain rules are the end-to-end test's). */
function assertValidDocument(conversion: Conversion): void {
  assert.deepEqual([...Value.Errors(ConfigDocument, conversion.document)], []);
}

const ORDERS_SCOPES = [
  { value: 'orders:read', description: 'Read orders' },
  { value: 'orders:write', description: 'Create and change orders' },
];

describe('tessera import: Ory Hydra client list (GET /admin/clients)', () => {
  const conversion = convertHydra(fixtureJson('hydra-clients.json'));

  it('keeps client_credentials clients with their ids, audience, scope, method, keys and lifespan', () => {
    assert.deepEqual(conversion.document, {
      version: 1,
      tenants: [
        {
          id: 'default',
          clients: [
            {
              client_id: '9ff06376-521d-42ef-930c-a7717e10ad3e',
              client_name: 'Orders job',
              audience: ['https://orders.acme.example/'],
              scope: 'orders:read orders:write',
              token_endpoint_auth_method: 'client_secret_basic',
              access_token_ttl: 1800,
            },
            {
              client_id: 'billing sync:eu+1%',
              client_name: 'Billing sync',
              audience: ['https://billing.acme.example/'],
              scope: 'invoices:read',
              token_endpoint_auth_method: 'client_secret_post',
              access_token_ttl: 86400,
            },
            {
              client_id: 'ddf625a0-32f2-4ff3-9ee8-635c95e5addf',
              client_name: 'Signer',
              audience: ['https://orders.acme.example/'],
              scope: 'orders:read',
              token_endpoint_auth_method: 'private_key_jwt',
              jwks: {
                keys: [
                  {
                    kty: 'EC',
                    crv: 'P-256',
                    kid: 'signer-2026',
                    use: 'sig',
                    alg: 'ES256',
                    x: '6E5eKatJyNqFFT5AG175HJ0z1rMS6it43CAh7_uNZQw',
                    y: 'TJ337-Pr0in0sxj6iZt8Q2BLSnpoO9Wg8YXOffv3rNg',
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    assertValidDocument(conversion);
  });

  it('carries no secret (Hydra hashes them) and reports new secrets, dropped grant types, scopes and members', () => {
    assert.deepEqual(conversion.secrets, []);
    assert.deepEqual(conversion.report, [
      `client "9ff06376-521d-42ef-930c-a7717e10ad3e": new client secret: Hydra stores secrets hashed; apply prints the new secret once, hand it to the client's owner.`,
      'client "9ff06376-521d-42ef-930c-a7717e10ad3e": owner, metadata not carried over: no equivalent for machine-to-machine clients.',
      'client "billing sync:eu+1%": grant types refresh_token dropped: Tessera serves client_credentials only.',
      'client "billing sync:eu+1%": scopes offline_access offline openid dropped: OpenID Connect scopes mean nothing to a client_credentials token.',
      `client "billing sync:eu+1%": new client secret: Hydra stores secrets hashed; apply prints the new secret once, hand it to the client's owner.`,
      `client "billing sync:eu+1%": access token lifespan 48h0m0s set to 86400 s: Tessera's lifetimes are 60 to 86400 seconds.`,
      'client "e96b97af-9e7a-4d98-8861-1d1f1740e392": skipped: grant types authorization_code, refresh_token are not served by Tessera (it serves client_credentials); keep this client on an OpenID Connect provider.',
    ]);
  });

  it('goes to --tenant, keeps VSCHAR ids as they are and reports ids outside 1 to 255 printable characters', () => {
    const odd = 'billing job: v2+%41';
    const result = convertHydra(
      [
        { client_id: odd, grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' },
        { client_id: 'x'.repeat(256), grant_types: ['client_credentials'] },
        { client_id: 'caf\u00e9', grant_types: ['client_credentials'] },
        { client_id: odd, grant_types: ['client_credentials'] },
      ],
      { tenant: 'acme' },
    );
    assert.deepEqual(result.document.tenants, [{ id: 'acme', clients: [{ client_id: odd, token_endpoint_auth_method: 'client_secret_basic' }] }]);
    assertValidDocument(result);
    assert.deepEqual(result.report.slice(1), [
      `client "${'x'.repeat(256)}": skipped: its client id is not 1 to 255 printable ASCII characters (RFC 6749 VSCHAR); create it by hand with a new client id.`,
      'client "caf\u00e9": skipped: its client id is not 1 to 255 printable ASCII characters (RFC 6749 VSCHAR); create it by hand with a new client id.',
      'client "billing job: v2+%41": skipped: the list holds this client id twice; only the first is imported.',
    ]);
  });

  it('carries a plaintext client_secret over when the list has one, and refuses what is not a client list', () => {
    const secret = 'a-secret-of-32-characters-......';
    const result = convertHydra([{ client_id: 'job', grant_types: ['client_credentials'], client_secret: secret }]);
    assert.deepEqual(result.secrets, [{ tenant: 'default', client_id: 'job', client_secret: secret }]);
    assert.deepEqual(result.report, []);
    assert.throws(() => convertHydra({ items: [] }), { name: 'TypeError', message: 'a Hydra client list is a JSON array (the answer of GET /admin/clients)' });
  });

  it('reads Go durations as Hydra writes lifespans', () => {
    assert.equal(goDurationSeconds('1h0m0s'), 3600);
    assert.equal(goDurationSeconds('1h30m'), 5400);
    assert.equal(goDurationSeconds('90s'), 90);
    assert.equal(goDurationSeconds('1500ms'), 1.5);
    assert.equal(goDurationSeconds('one hour'), undefined);
    assert.deepEqual(clampTtl(30), { ttl: 60, clamped: true });
    assert.deepEqual(clampTtl(600), { ttl: 600, clamped: false });
  });
});

describe('tessera import: Keycloak realm export', () => {
  const conversion = convertKeycloak(fixtureJson('keycloak-realm.json'));

  it('makes the realm a tenant, client roles and client scopes APIs, service account roles and client scopes grants', () => {
    assert.deepEqual(conversion.document, {
      version: 1,
      tenants: [
        {
          id: 'acme-prod',
          name: 'Acme Production',
          access_token_ttl: 300,
          apis: [
            { identifier: 'Acme_Prod', name: 'Acme Production', scopes: [{ value: 'reports', description: 'Download reports' }] },
            {
              identifier: 'https://billing.acme.example/',
              name: 'https://billing.acme.example/',
              scopes: [{ value: 'invoices.read', description: 'Read invoices' }],
            },
            { identifier: 'orders-api', name: 'Orders API', scopes: ORDERS_SCOPES },
          ],
          clients: [
            { client_id: 'orders-job', client_name: 'Orders job', access_token_ttl: 600 },
            {
              client_id: 'signer-job',
              client_name: 'Signer job',
              token_endpoint_auth_method: 'private_key_jwt',
              jwks_uri: 'https://signer.acme.example/.well-known/jwks.json',
            },
          ],
          grants: [
            { client: 'orders-job', api: 'Acme_Prod', scopes: ['reports'] },
            { client: 'orders-job', api: 'https://billing.acme.example/', scopes: ['invoices.read'] },
            { client: 'orders-job', api: 'orders-api', scopes: ['orders:read'] },
            { client: 'signer-job', api: 'orders-api', scopes: ['orders:read', 'orders:write'] },
          ],
        },
      ],
    });
    assertValidDocument(conversion);
  });

  it('carries the confidential client secret over in the secrets, never in the document', () => {
    assert.deepEqual(conversion.secrets, [{ tenant: 'acme-prod', client_id: 'orders-job', client_secret: '7fceO047KZp3fv5UibPhOpPM3XuauGis' }]);
    assert.doesNotMatch(JSON.stringify(conversion.document), /7fceO047KZp3fv5UibPhOpPM3XuauGis/);
  });

  it('reports browser, bearer-only and built-in clients, custom mappers and roles it cannot carry over', () => {
    assert.deepEqual(conversion.report, [
      'client "orders-job": protocol mappers "Client ID" not carried over: Tessera adds no custom claims.',
      `client "orders-job": roles "view-users" of "realm-management" not carried over: Keycloak's own API; Tessera's admin API has admin tokens.`,
      `client "orders-job": realm roles "auditor" not carried over: Tessera's permissions are scopes of an API; define them as scopes and grant them.`,
      'client "orders-api": skipped: a bearer-only client only verifies tokens: its roles became an API if it has any.',
      'client "web-portal": skipped: a public client (browser or native login): Tessera serves machine-to-machine clients only; keep it on an OpenID Connect provider.',
      `Keycloak's own clients account, account-console, admin-cli, broker, realm-management, security-admin-console: skipped.`,
    ]);
  });

  it('maps X509, masked secrets and --tenant, and reports what needs a hand', () => {
    const realm = {
      realm: 'ops',
      clients: [
        {
          clientId: 'mtls-job',
          serviceAccountsEnabled: true,
          standardFlowEnabled: false,
          clientAuthenticatorType: 'client-x509',
          attributes: { 'x509.subjectdn': 'CN=mtls-job,O=Acme', 'x509.allow.regex.pattern.comparison': 'false' },
        },
        { clientId: 'masked', serviceAccountsEnabled: true, standardFlowEnabled: true, secret: '**********', enabled: false },
      ],
    };
    const result = convertKeycloak(realm, { tenant: 'ops-eu' });
    assert.deepEqual(result.document.tenants, [
      {
        id: 'ops-eu',
        name: 'ops',
        clients: [
          { client_id: 'masked', active: false },
          { client_id: 'mtls-job', token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=mtls-job,O=Acme' },
        ],
      },
    ]);
    assert.deepEqual(result.secrets, []);
    assert.deepEqual(result.report, [
      `client "mtls-job": tls_client_auth needs the tenant's tls_client_cas: add the CA certificates of Keycloak's truststore to the tenant.`,
      'client "mtls-job": its service account\'s roles are not in the export: export the users with the realm (kc.sh export --users realm_file) or grant by hand.',
      'client "masked": standard flow dropped: Tessera serves client_credentials only.',
      'client "masked": new client secret: the export hides the secret (an admin console partial export); export with kc.sh export to keep it.',
      'client "masked": its service account\'s roles are not in the export: export the users with the realm (kc.sh export --users realm_file) or grant by hand.',
    ]);
    assert.throws(() => convertKeycloak([]), { name: 'TypeError', message: 'a Keycloak realm export is a JSON object with "realm" and "clients"' });
  });

  it('makes a realm name a valid tenant id', () => {
    assert.equal(tenantIdFrom('Acme_Prod'), 'acme-prod');
    assert.equal(tenantIdFrom('  Team Blue / EU  '), 'team-blue-eu');
    assert.equal(tenantIdFrom('___'), 'default');
  });
});

describe('tessera import: Auth0 Deploy CLI export', () => {
  const expected = {
    version: 1,
    tenants: [
      {
        id: 'default',
        apis: [
          {
            identifier: 'https://inventory.acme.example/',
            name: 'Inventory API',
            scopes: [{ value: 'stock:read', description: 'Read stock levels' }],
            access_token_ttl: 86400,
          },
          { identifier: 'https://orders.acme.example/', name: 'Orders API', scopes: ORDERS_SCOPES, access_token_ttl: 86400 },
        ],
        clients: [{ client_id: 'Xq3uZ8kRwT5nC1vB7mYp2sLd9fGh4jKa', client_name: 'Orders Job', token_endpoint_auth_method: 'client_secret_post' }],
        grants: [
          { client: 'Xq3uZ8kRwT5nC1vB7mYp2sLd9fGh4jKa', api: 'https://inventory.acme.example/', scopes: ['stock:read'] },
          { client: 'Xq3uZ8kRwT5nC1vB7mYp2sLd9fGh4jKa', api: 'https://orders.acme.example/', scopes: ['orders:read', 'orders:write'] },
        ],
      },
    ],
  };
  const report = [
    `API "https://acme.eu.auth0.com/api/v2/": skipped: Auth0's own API; Tessera's admin API (urn:tessera:admin) takes its place.`,
    `API "https://inventory.acme.example/": token_lifetime 172800 s set to 86400 s: Tessera's lifetimes are 60 to 86400 seconds.`,
    `API "https://inventory.acme.example/": RBAC (enforce_policies) not carried over: Tessera's tokens carry scope, no permissions claim.`,
    `client "Xq3uZ8kRwT5nC1vB7mYp2sLd9fGh4jKa" (Orders Job): new client secret: Auth0 exports hold no secrets; apply prints the new one once, hand it to the client's owner.`,
    'client "Vn6pR2wQ8sK4tY1mZ7cD3fH9jL5bX0gE" (Storefront): skipped: a single-page application; Tessera serves machine-to-machine applications only.',
    `client grant "Orders Job" > "https://acme.eu.auth0.com/api/v2/": skipped: it is for Auth0's own API.`,
  ];

  it('directory format: M2M applications, resource servers and client grants (named by client name) become clients, APIs and grants', () => {
    const conversion = convertAuth0(readAuth0Export(fixture('auth0')));
    assert.deepEqual(conversion.document, expected);
    assert.deepEqual(conversion.secrets, []);
    assert.deepEqual(conversion.report, report);
    assertValidDocument(conversion);
  });

  it('YAML format (tenant.yaml): the same document and report', () => {
    const conversion = convertAuth0(readAuth0Export(fixture('auth0-tenant.yaml')));
    assert.deepEqual(conversion.document, expected);
    assert.deepEqual(conversion.report, report);
  });

  it('an export without identifiers: the application name becomes the client id, and the report says how to keep Auth0 ids', () => {
    const result = convertAuth0(
      {
        clients: [{ name: 'Nightly Sync', app_type: 'non_interactive' }],
        resourceServers: [{ identifier: 'https://sync.example/', scopes: [{ value: 'sync' }] }],
        clientGrants: [
          { client_id: 'Nightly Sync', audience: 'https://sync.example/', scope: ['sync', 'purge'] },
          { client_id: 'Gone', audience: 'https://sync.example/', scope: ['sync'] },
        ],
      },
      { tenant: 'sync' },
    );
    assert.deepEqual(result.document.tenants, [
      {
        id: 'sync',
        apis: [{ identifier: 'https://sync.example/', scopes: [{ value: 'sync' }] }],
        clients: [{ client_id: 'Nightly Sync' }],
        grants: [{ client: 'Nightly Sync', api: 'https://sync.example/', scopes: ['sync'] }],
      },
    ]);
    assert.deepEqual(result.report, [
      'client "Nightly Sync": the export has no client_id (export with AUTH0_EXPORT_IDENTIFIERS=true to keep it): the client id is the application\'s name.',
      `client "Nightly Sync": new client secret: Auth0 exports hold no secrets; apply prints the new one once, hand it to the client's owner.`,
      'client grant "Nightly Sync" > "https://sync.example/": scopes "purge" dropped: the API does not define them.',
      'client grant "Gone" > "https://sync.example/": skipped: its application was not imported.',
    ]);
  });
});
