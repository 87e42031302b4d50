import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Api, ApiCreate } from '../../src/http/schemas/apis.js';
import { TLS_CLIENT_AUTH_FIELDS } from '../../src/domain/clients/model.js';
import { CertificateInspection, ClientCertificateOut } from '../../src/http/schemas/certificates.js';
import { ClientCreate, ClientCreated } from '../../src/http/schemas/clients.js';
import { FederatedCredentialIn, FederatedIssuer, FederatedIssuerCreate } from '../../src/http/schemas/federated-issuers.js';
import { Tenant, TenantCreate } from '../../src/http/schemas/tenants.js';
import { GUIDE_000_ANSWER_GENERATED } from '../fixtures/guides.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { assertLikeDocumented, codeIn, docJson, docSection, docTable, REPO_ROOT, sourceFiles } from '../helpers/docs.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const API = 'docs/api.md';

/** The names in the first column of a fields table (`` `user_name` or `userName` `` → `user_name`). */
const fieldNames = (rows: string[][]) => rows.map((row) => codeIn(row[0]!)!);

/** The Cache-Control a section of api.md documents, e.g. `public, max-age=60`. */
const documentedCacheControl = (heading: string) => /`Cache-Control: ([^`]+)`/.exec(docSection(API, heading))![1]!;

describe("docs/api.md's fields tables and examples are the admin API's schemas", () => {
  it("the clients' fields table lists every field a client may be created with, and no other", () => {
    assert.deepEqual(fieldNames(docTable(API, '## Clients', 'Fields:')).sort(), Object.keys(ClientCreate.properties).sort());
  });

  it("the client example shows every field of the create answer's schema, in its order, but for those only a mutual TLS client has", () => {
    const mutualTlsOnly = [...TLS_CLIENT_AUTH_FIELDS.map((field) => `tls_client_auth_${field}`), 'certificates'];
    const schema = Object.keys(ClientCreated.properties);
    assert.deepEqual(
      Object.keys(docJson(API, '## Clients', 'Every answer presents a client like this')),
      schema.filter((name) => !mutualTlsOnly.includes(name)),
    );
    const mutualTls = docSection(API, '### Mutual TLS clients');
    for (const name of mutualTlsOnly) assert.ok(mutualTls.includes(`\`${name}\``), name);
    assert.deepEqual(Object.keys(docJson(API, '### Mutual TLS clients').certificates[0]), Object.keys(ClientCertificateOut.properties));
  });

  it('the certificate inspection example shows every field of the answer, in its order', () => {
    assert.deepEqual(Object.keys(docJson(API, '## Certificates')), Object.keys(CertificateInspection.properties));
  });

  it("the APIs' fields table lists every field an API may be created with, and the example every field of an API", () => {
    assert.deepEqual(fieldNames(docTable(API, '## APIs', '| field |')).sort(), Object.keys(ApiCreate.properties).sort());
    assert.deepEqual(Object.keys(docJson(API, '## APIs', 'Answer:')), Object.keys(Api.properties));
  });

  it("the federated issuers' fields table lists every field an issuer may be created with, and the example every field of an issuer", () => {
    assert.deepEqual(fieldNames(docTable(API, '## Federated issuers', '| field |')).sort(), Object.keys(FederatedIssuerCreate.properties).sort());
    assert.deepEqual(Object.keys(docJson(API, '## Federated issuers', 'Answer:')), Object.keys(FederatedIssuer.properties));
  });

  it("the federated credentials' table lists every member of a credential", () => {
    assert.deepEqual(fieldNames(docTable(API, '### Federated credentials', '| member |')).sort(), Object.keys(FederatedCredentialIn.properties).sort());
  });

  it("the tenants' fields table lists every field a tenant may be created with, and the example every field of a tenant", () => {
    assert.deepEqual(fieldNames(docTable(API, '## Tenants', '| field |')).sort(), Object.keys(TenantCreate.properties).sort());
    assert.deepEqual(Object.keys(docJson(API, '## Tenants', 'Answer:')), Object.keys(Tenant.properties));
  });
});

/**
 * Every `error` and status the public listener's code can answer, as `code status`: each
 * `new OAuthError('code', …)` of src/protocol and src/http/public with its `status:` (else the
 * code's default status in src/protocol/errors.ts), and the statuses of Node's parser refusals.
 */
function answerableErrors(): Set<string> {
  const errors = readFileSync(`${REPO_ROOT}src/protocol/errors.ts`, 'utf8');
  const defaults = new Map([.../const STATUS[^{]*\{([\s\S]*?)\};/.exec(errors)![1]!.matchAll(/(\w+): (\d{3})/g)].map((m) => [m[1]!, m[2]!]));
  const found = new Set<string>();
  for (const [, text] of [...sourceFiles('src/protocol'), ...sourceFiles('src/http/public')]) {
    for (const [, code, rest] of text.matchAll(/new OAuthError\('(\w+)'([\s\S]*?)[;)]\n/g)) {
      found.add(`${code} ${/status: (\d{3})/.exec(rest!)?.[1] ?? defaults.get(code!)}`);
    }
  }
  const publicApp = readFileSync(`${REPO_ROOT}src/http/public/app.ts`, 'utf8');
  for (const [, status] of /const RAW_DESCRIPTIONS[^{]*\{([\s\S]*?)\};/.exec(publicApp)![1]!.matchAll(/(\d{3}):/g)) found.add(`invalid_request ${status}`);
  return found;
}

describe("docs/api.md's token endpoint error table is what the code can answer", () => {
  it('lists every error code and status the public listener produces, and none it does not', () => {
    const documented = new Set(docTable(API, '## Token endpoint errors', '| `error` |').map((row) => `${codeIn(row[0]!)} ${row[1]}`));
    assert.deepEqual([...answerableErrors()].sort(), [...documented].sort());
  });
});

describeEachDialect("docs/api.md's examples are what a running Tessera answers", (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
    assert.equal((await t.admin('POST', '/tenants', { id: 'acme', signing_alg: 'ES256' })).status, 201);
  });
  after(() => t.close());

  it('the discovery document, byte for byte at each of its three addresses, with its Cache-Control', async () => {
    const documented = JSON.stringify(docJson(API, '## Discovery')).replaceAll('http://localhost:4444', t.publicUrl);
    for (const path of [
      '/t/acme/.well-known/openid-configuration',
      '/t/acme/.well-known/oauth-authorization-server',
      '/.well-known/oauth-authorization-server/t/acme',
    ]) {
      const served = await t.publicFetch(path);
      assert.equal(served.status, 200, path);
      assert.equal(served.text, documented, path);
      assert.equal(served.headers.get('cache-control'), documentedCacheControl('## Discovery'), path);
    }
  });

  it("the JWKS: the members of tenant acme's ES256 key, with its Cache-Control", async () => {
    const served = await t.publicFetch('/t/acme/.well-known/jwks.json');
    const [documentedKey] = docJson(API, '## JWKS').keys;
    assert.deepEqual(Object.keys(served.body.keys[0]).sort(), Object.keys(documentedKey).sort());
    assert.equal(served.body.keys[0].kty, documentedKey.kty);
    assert.equal(served.headers.get('cache-control'), documentedCacheControl('## JWKS'));
  });

  it("the client example: guide 000's client as POST /clients answers it", async () => {
    const created = await t.admin('POST', '/clients', {
      client_id: 'my-api4',
      audience: ['https://localhost:5001/'],
      grant_types: ['client_credentials'],
      response_types: ['token'],
      scope: 'read:secrets',
      client_type: 'machine_to_machine',
    });
    assert.equal(created.status, 201);
    assertLikeDocumented(created.body, docJson(API, '## Clients', 'Every answer presents a client like this'), GUIDE_000_ANSWER_GENERATED);
  });
});
