import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { GUIDE_000_CREATE_CLIENT, GUIDE_001_CREATE_SERVICE_ACCOUNT } from '../fixtures/guides.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { docBlock } from '../helpers/docs.js';
import { sh } from '../helpers/shell.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const host = (url: string) => url.replace(/^http:\/\//, '');

describeEachDialect("the README's guides run again after its start-over commands", (dialect) => {
  let t: TestTessera;
  /** A README block as a reader runs it: against this server, with the shell variables the guide set. */
  const runReadme = (heading: string, vars: Record<string, string> = {}) =>
    sh(docBlock('README.md', heading).replaceAll('127.0.0.1:4445', host(t.adminUrl)), {
      env: { PATH: process.env.PATH ?? '', TESSERA_ADMIN_TOKEN: t.adminToken, ...vars },
    });
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  it('guide 000: step 1 twice is 409; after "Running guide 000 again" it is 201', async () => {
    const create = () =>
      sh(
        GUIDE_000_CREATE_CLIENT.replace('<ADMIN_ENDPOINT>', host(t.adminUrl))
          .replace('<YOUR_CLIENT_ID>', 'my-api4')
          .replace("--header 'Content-Type", `--header 'Authorization: Bearer ${t.adminToken}' --header 'Content-Type`),
      ).then((out) => JSON.parse(out));
    assert.equal((await create()).client_id, 'my-api4');
    assert.equal((await create()).status, 409);
    await runReadme('### Running guide 000 again');
    const again = await create();
    assert.equal(again.client_id, 'my-api4');
    assert.match(again.client_secret, /^[A-Za-z0-9_-]{43}$/);
  });

  it('guide 001: steps 1 and 3 twice are 409; after "Running guide 001 again" both are 201', async () => {
    const createAccount = async () =>
      JSON.parse(await sh(GUIDE_001_CREATE_SERVICE_ACCOUNT.replace('<API_TOKEN>', t.adminToken).replace('https://{tenant}.crossid.io', t.adminUrl)));
    const api = { name: 'Cleanup API', identifier: 'https://cleanup.example.com/', scopes: [{ value: 'write', description: 'Write access' }] };
    const sa = await createAccount();
    const client = await t.admin('POST', '/clients', { client_name: 'Periodic Cleanup', service_account_id: sa.id });
    assert.equal((await t.admin('POST', '/apis', api)).status, 201);
    assert.equal((await t.admin('POST', '/grants', { service_account_id: sa.id, api_identifier: api.identifier, scopes: ['write'] })).status, 201);
    assert.equal((await createAccount()).status, 409);
    assert.equal((await t.admin('POST', '/apis', api)).status, 409);

    await runReadme('### Running guide 001 again', { CLIENT_ID: client.body.client_id, SA_ID: sa.id });
    assert.equal((await t.admin('GET', `/clients/${client.body.client_id}`)).status, 404);
    assert.equal((await t.admin('GET', '/grants')).body.items.length, 0);
    assert.equal((await createAccount()).user_name, 'periodicCleanup');
    assert.equal((await t.admin('POST', '/apis', api)).status, 201);
  });
});
