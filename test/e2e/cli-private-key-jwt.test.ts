import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describeEachDialect } from '../helpers/dialects.js';
import { docBlock } from '../helpers/docs.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';
import { testKey } from '../helpers/keys.js';
import { runCli, tesseraOnPath } from '../helpers/process.js';
import { sh } from '../helpers/shell.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

describeEachDialect('CLI: private_key_jwt clients and tessera token --private-key', (dialect) => {
  let t: TestTessera;
  let keys: JwksServer;
  let dir: string;
  let env: Record<string, string>;
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  /** Runs the CLI, asserts exit code 0, answers its standard output. */
  const ok0 = async (...args: string[]) => {
    const res = await runCli(args, env);
    assert.equal(res.code, 0, `tessera ${args.join(' ')}\n${res.stderr}`);
    return res.stdout;
  };
  /** Asserts that `token` is an access token of Tessera for `clientId` and `audience`. */
  const assertTokenOf = async (token: string, clientId: string, audience: string) => {
    const jwks = createRemoteJWKSet(new URL(`${t.publicUrl}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(token, jwks, { issuer: t.publicUrl, audience, typ: 'at+jwt' });
    assert.equal(payload.client_id, clientId);
  };

  before(async () => {
    // The key server is on 127.0.0.1: allowed by name where outbound fetches are limited to public addresses.
    t = await startTessera({ dialect, env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1' } });
    keys = await startJwksServer();
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-pkjwt-'));
    env = { TESSERA_ADMIN_URL: t.adminUrl, TESSERA_ADMIN_TOKEN: t.adminToken };
  });
  after(async () => {
    await keys.close();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs docs/cli.md's recipe as written: openssl key, JWK Set by node, clients create --jwks, tessera token --private-key", async () => {
    const work = mkdtempSync(join(dir, 'recipe-'));
    const recipe = docBlock('docs/cli.md', '#### A private_key_jwt client, from key pair to token').replaceAll('http://localhost:4444', t.publicUrl);
    const stdout = await sh(recipe, { cwd: work, env: { ...env, PATH: tesseraOnPath(work) } });
    const client = await t.admin('GET', '/clients/billing-job');
    assert.equal(client.body.token_endpoint_auth_method, 'private_key_jwt', 'implied by --jwks');
    assert.equal(client.body.jwks.keys[0].kid, 'billing-job-1');
    assert.ok(!stdout.includes('client_secret '), 'no secret is made for a private_key_jwt client');
    await assertTokenOf(stdout.trim().split('\n').at(-1)!, 'billing-job', 'https://billing.example.com/');
  });

  it('creates with --auth-method private_key_jwt --jwks-uri; an RSA PEM key (RS256) gets a token, with --json', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keys.route('/rsa.json', { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'rsa-1' }] });
    const created = JSON.parse(
      await ok0(
        'clients',
        'create',
        '--client-id',
        'rsa-job',
        '--auth-method',
        'private_key_jwt',
        '--jwks-uri',
        `${keys.base}/rsa.json`,
        '--audience',
        'https://rsa.example.com/',
        '--json',
      ),
    );
    assert.equal(created.token_endpoint_auth_method, 'private_key_jwt');
    assert.equal(created.jwks_uri, `${keys.base}/rsa.json`);
    assert.equal(created.client_secret, undefined);
    const pem = file('rsa.key.pem', privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const response = JSON.parse(await ok0('token', '--issuer', t.publicUrl, '--client-id', 'rsa-job', '--private-key', pem, '--json'));
    assert.equal(response.token_type, 'Bearer');
    await assertTokenOf(response.access_token, 'rsa-job', 'https://rsa.example.com/');
  });

  it('clients update --jwks switches a secret client to private_key_jwt; a private JWK (EdDSA, its kid) then gets a token', async () => {
    const created = JSON.parse(await ok0('clients', 'create', '--client-id', 'switch-job', '--audience', 'https://switch.example.com/', '--json'));
    assert.equal(typeof created.client_secret, 'string');
    const key = await testKey('EdDSA', 'ed-1');
    const updated = JSON.parse(await ok0('clients', 'update', 'switch-job', '--jwks', file('ed.jwks.json', { keys: [key.publicJwk] }), '--json'));
    assert.equal(updated.token_endpoint_auth_method, 'private_key_jwt');
    const token = await ok0('token', '--issuer', t.publicUrl, '--client-id', 'switch-job', '--private-key', file('ed.private.jwk', key.privateJwk));
    await assertTokenOf(token.trim(), 'switch-job', 'https://switch.example.com/');
    const secret = await runCli(['token', '--issuer', t.publicUrl, '--client-id', 'switch-job'], { TESSERA_CLIENT_SECRET: created.client_secret });
    assert.equal(secret.code, 4, 'its old secret is no longer accepted');
  });

  it('a key the client did not register is invalid_client (exit 4)', async () => {
    const registered = await testKey('ES256', 'es-1');
    await ok0(
      'clients',
      'create',
      '--client-id',
      'es-job',
      '--jwks',
      file('es.jwks.json', { keys: [registered.publicJwk] }),
      '--audience',
      'https://es.example.com/',
    );
    const other = await testKey('ES256', 'es-1');
    const res = await runCli(['token', '--issuer', t.publicUrl, '--client-id', 'es-job', '--private-key', file('other.private.jwk', other.privateJwk)]);
    assert.equal(res.code, 4);
    assert.equal(res.stderr, 'tessera: invalid_client: Client authentication failed.\n');
  });

  it('wrong usage is exit 2, named after the option, before anything is sent', async () => {
    const { privateKey: p384 } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const ed = await testKey('EdDSA');
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--private-key', join(dir, 'missing.pem')], {}, /^tessera: --private-key .*missing\.pem: ENOENT/],
      [
        ['--private-key', file('public.jwk', ed.publicJwk)],
        {},
        /^tessera: --private-key .*public\.jwk: not a PEM private key or a private JWK \(the JWK holds no private key \("d"\)\)/,
      ],
      [
        ['--private-key', file('p384.pem', p384.export({ format: 'pem', type: 'pkcs8' }))],
        {},
        /^tessera: --private-key .*p384\.pem: the key must be RSA, EC P-256 or Ed25519\n$/,
      ],
      [
        ['--private-key', file('ed.jwk', ed.privateJwk), '--alg', 'RS256'],
        {},
        /^tessera: --alg RS256 does not fit the ed25519 key of --private-key .*ed\.jwk\n$/,
      ],
      [['--private-key', file('ed2.jwk', ed.privateJwk), '--client-secret', 'x'], {}, /^tessera: give --client-secret or --private-key, not both\n$/],
      [[], {}, /^tessera: give --client-secret \(or TESSERA_CLIENT_SECRET\) or --private-key\n$/],
      [['--kid', 'k1'], { TESSERA_CLIENT_SECRET: 's' }, /^tessera: --alg and --kid go with --private-key\n$/],
    ];
    // An issuer nothing listens on: a request sent would be exit 3.
    for (const [args, extra, stderr] of cases) {
      const res = await runCli(['token', '--issuer', 'http://127.0.0.1:9', '--client-id', 'x', ...args], extra);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, stderr);
    }
    const bad = await runCli(['clients', 'create', '--auth-method', 'private_key_jwt_typo'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Allowed choices are client_secret_basic, client_secret_post, private_key_jwt/);
  });
});
