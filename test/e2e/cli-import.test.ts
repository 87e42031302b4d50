import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeEachDialect } from '../helpers/dialects.js';
import { REPO_ROOT } from '../helpers/docs.js';
import { runCli } from '../helpers/process.js';
import { basic, decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';
import { assertTokenFor, issuerPath } from '../helpers/tokens.js';

const FIXTURES = `${REPO_ROOT}test/fixtures/import`;
const KEYCLOAK_SECRET = '7fceO047KZp3fv5UibPhOpPM3XuauGis';

/** The `client_secrets` of a secrets file, by client id. */
function secretsIn(path: string): Record<string, string> {
  const file = JSON.parse(readFileSync(path, 'utf8')) as { client_secrets: { client_id: string; client_secret: string }[] };
  return Object.fromEntries(file.client_secrets.map((s) => [s.client_id, s.client_secret]));
}

describe('CLI: tessera import, offline', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-import-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('needs --secrets-out when the export holds plaintext secrets: exit 2 naming the flag, nothing on stdout', async () => {
    const res = await runCli(['import', 'keycloak', `${FIXTURES}/keycloak-realm.json`]);
    assert.deepEqual(res, {
      code: 2,
      stdout: '',
      stderr: 'tessera: the export holds 1 client secret: --secrets-out FILE is required (secrets never go in the document)\n',
    });
  });

  it('writes secrets to a new 0600 file, never over an existing one, and the document as JSON when -o ends in .json', async () => {
    const secrets = join(dir, 'keycloak-secrets.json');
    const doc = join(dir, 'tessera.json');
    const res = await runCli(['import', 'keycloak', `${FIXTURES}/keycloak-realm.json`, '-o', doc, '--secrets-out', secrets]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, '');
    assert.equal(statSync(secrets).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(secrets, 'utf8')), {
      client_secrets: [{ tenant: 'acme-prod', client_id: 'orders-job', client_secret: KEYCLOAK_SECRET }],
    });
    assert.equal(JSON.parse(readFileSync(doc, 'utf8')).tenants[0].id, 'acme-prod');
    assert.match(res.stderr, /\ntenant acme-prod: 2 clients, 3 APIs, 4 grants; 1 secret in .*keycloak-secrets\.json; 6 items above not carried over as is\n$/);

    const again = await runCli(['import', 'keycloak', `${FIXTURES}/keycloak-realm.json`, '--tenant', 'other', '--secrets-out', secrets]);
    assert.deepEqual([again.code, again.stdout, again.stderr], [2, '', `tessera: --secrets-out ${secrets}: the file exists; it is never overwritten\n`]);
    assert.equal(JSON.parse(readFileSync(secrets, 'utf8')).client_secrets[0].tenant, 'acme-prod');
  });

  it('refuses an export of the wrong shape, an unknown source and an invalid --tenant with exit 2', async () => {
    const notAList = join(dir, 'not-a-list.json');
    writeFileSync(notAList, '{"items": []}');
    assert.deepEqual(await runCli(['import', 'hydra', notAList]), {
      code: 2,
      stdout: '',
      stderr: `tessera: ${notAList}: a Hydra client list is a JSON array (the answer of GET /admin/clients)\n`,
    });
    assert.equal((await runCli(['import', 'okta', notAList])).code, 2);
    const badTenant = await runCli(['import', 'hydra', `${FIXTURES}/hydra-clients.json`, '--tenant', 'Acme Prod']);
    assert.deepEqual(
      [badTenant.code, badTenant.stderr],
      [2, 'tessera: --tenant Acme Prod: a tenant id is 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit\n'],
    );
  });
});

describeEachDialect('CLI: tessera import, then tessera apply: the imported clients get tokens', (dialect) => {
  let t: TestTessera;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    t = await startTessera({ dialect });
    dir = mkdtempSync(join(tmpdir(), 'tessera-import-'));
    env = { TESSERA_ADMIN_URL: t.adminUrl, TESSERA_ADMIN_TOKEN: t.adminToken };
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Imports `source` (YAML document, secrets file), applies it with those secrets, checks a re-plan finds nothing; answers the secrets the apply created. */
  async function importAndApply(source: string, file: string, ...flags: string[]): Promise<Record<string, string>> {
    const [doc, given, created] = ['tessera.yaml', 'secrets.json', 'new-secrets.json'].map((name) => join(dir, `${source}-${name}`));
    const imported = await runCli(['import', source, `${FIXTURES}/${file}`, '-o', doc!, '--secrets-out', given!, ...flags]);
    assert.equal(imported.code, 0, imported.stderr);
    const applied = await runCli(['apply', '-f', doc!, '--secrets', given!, '--secrets-out', created!], env);
    assert.equal(applied.code, 0, applied.stderr);
    const plan = await runCli(['apply', '-f', doc!, '--plan', '--json'], env);
    assert.equal(plan.code, 0, `a second apply changes nothing: ${plan.stdout}${plan.stderr}`);
    assert.deepEqual(new Set(JSON.parse(plan.stdout).changes.map((c: { action: string }) => c.action)), new Set(['unchanged']));
    return secretsIn(created!);
  }

  /** A client_credentials token request as a client_secret_post client. */
  const postToken = (tenant: string, clientId: string, secret: string, audience: string) =>
    t.form(`${issuerPath(tenant)}/oauth2/token`, { grant_type: 'client_credentials', client_id: clientId, client_secret: secret, audience });
  /** A client_credentials token request as a client_secret_basic client. */
  const basicToken = (tenant: string, clientId: string, secret: string, audience: string) =>
    t.form(`${issuerPath(tenant)}/oauth2/token`, { grant_type: 'client_credentials', audience }, { authorization: basic(clientId, secret) });

  it('Keycloak: the confidential client keeps its old secret and gets the scopes of its roles and client scopes', async () => {
    assert.deepEqual(await importAndApply('keycloak', 'keycloak-realm.json'), {});
    const orders = assertTokenFor(await basicToken('acme-prod', 'orders-job', KEYCLOAK_SECRET, 'orders-api'), 'orders-job');
    assert.deepEqual([orders.aud, orders.scope], ['orders-api', 'orders:read']);
    const billing = assertTokenFor(await postToken('acme-prod', 'orders-job', KEYCLOAK_SECRET, 'https://billing.acme.example/'), 'orders-job');
    assert.deepEqual([billing.aud, billing.scope], ['https://billing.acme.example/', 'invoices.read']);
    const wrong = await basicToken('acme-prod', 'orders-job', 'not-the-keycloak-secret', 'orders-api');
    assert.deepEqual([wrong.status, wrong.body.error], [401, 'invalid_client']);
  });

  it('Ory Hydra: secret clients get new secrets from the apply, and their audience and scope lists', async () => {
    const secrets = await importAndApply('hydra', 'hydra-clients.json', '--tenant', 'hydra');
    assert.deepEqual(Object.keys(secrets).sort(), ['9ff06376-521d-42ef-930c-a7717e10ad3e', 'billing sync:eu+1%']);
    const ordersJob = '9ff06376-521d-42ef-930c-a7717e10ad3e';
    const orders = assertTokenFor(await basicToken('hydra', ordersJob, secrets[ordersJob]!, 'https://orders.acme.example/'), ordersJob);
    assert.deepEqual([orders.aud, orders.scope, orders.exp - orders.iat], ['https://orders.acme.example/', 'orders:read orders:write', 1800]);
    const billing = assertTokenFor(
      await postToken('hydra', 'billing sync:eu+1%', secrets['billing sync:eu+1%']!, 'https://billing.acme.example/'),
      'billing sync:eu+1%',
    );
    assert.deepEqual([billing.aud, billing.scope], ['https://billing.acme.example/', 'invoices:read']);
  });

  it('Auth0: the M2M application keeps its client_id, gets a new secret and the scopes of its client grants', async () => {
    const secrets = await importAndApply('auth0', 'auth0', '--tenant', 'auth0');
    const id = 'Xq3uZ8kRwT5nC1vB7mYp2sLd9fGh4jKa';
    assert.deepEqual(Object.keys(secrets), [id]);
    const orders = await postToken('auth0', id, secrets[id]!, 'https://orders.acme.example/');
    assert.deepEqual(
      [assertTokenFor(orders, id).aud, decodeJwt(orders.body.access_token).payload.scope],
      ['https://orders.acme.example/', 'orders:read orders:write'],
    );
    const stock = assertTokenFor(await postToken('auth0', id, secrets[id]!, 'https://inventory.acme.example/'), id);
    assert.deepEqual([stock.scope, stock.exp - stock.iat], ['stock:read', 86400]);
  });
});
