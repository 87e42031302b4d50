import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { created, ok } from '../helpers/admin.js';
import { runCli } from '../helpers/process.js';
import { decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://cli-client-ids.test';

/** Ids the old alphabet refused: space, colon, plus, percent; slash, quote, backslash and `>`. */
const IDS = ['orders job:eu+1 100%', 'team/a "b" \\c>d'];

describe('CLI: client ids with spaces, colons, plus and percent signs, slashes and quotes', () => {
  let t: TestTessera;
  let env: Record<string, string>;
  /** Runs the CLI as the bootstrap admin, asserts exit code 0, answers its output. */
  const ok0 = async (args: string[], extra: Record<string, string> = {}) => {
    const res = await runCli(args, { ...env, ...extra });
    assert.equal(res.code, 0, `tessera ${args.join(' ')}\n${res.stderr}`);
    return res;
  };
  const json = async (...args: string[]) => JSON.parse((await ok0([...args, '--json'])).stdout);

  before(async () => {
    t = await startTessera();
    env = { TESSERA_ADMIN_URL: t.adminUrl, TESSERA_ADMIN_TOKEN: t.adminToken };
    created(await t.admin('POST', '/apis', { name: 'Orders', identifier: AUD, scopes: [{ value: 'read' }] }));
  });
  after(() => t.close());

  for (const id of IDS) {
    it(`create, get, update, grant, rotate-secret, token (Basic and post), delete: ${id}`, async () => {
      const client = await json('clients', 'create', '--client-id', id, '--audience', AUD);
      assert.equal(client.client_id, id);
      // The key/value output prints the id as it is.
      assert.match((await ok0(['clients', 'get', id])).stdout, new RegExp(`^client_id +${id.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')}$`, 'm'));
      assert.equal((await json('clients', 'update', id, '--name', 'Renamed')).client_name, 'Renamed');
      assert.equal((await json('grants', 'create', '--client-id', id, '--api-identifier', AUD, '--scope', 'read')).client_id, id);
      assert.deepEqual(
        (await json('grants', 'list', '--client-id', id)).items.map((g: { client_id: string }) => g.client_id),
        [id],
      );
      const rotated = await json('clients', 'rotate-secret', id);
      for (const auth of ['basic', 'post']) {
        const res = await ok0(['token', '--issuer', t.publicUrl, '--client-id', id, '--auth', auth, '--scope', 'read'], {
          TESSERA_CLIENT_SECRET: rotated.client_secret,
        });
        const { payload } = decodeJwt(res.stdout.trim());
        assert.deepEqual([payload.client_id, payload.sub, payload.scope], [id, id, 'read'], auth);
      }
      await ok0(['clients', 'revoke-tokens', id]);
      assert.equal((await ok0(['clients', 'delete', id])).code, 0);
      assert.equal((await t.admin('GET', `/clients/${encodeURIComponent(id)}`)).status, 404);
      assert.deepEqual(ok(await t.admin('GET', '/clients')).items, []);
    });
  }
});
