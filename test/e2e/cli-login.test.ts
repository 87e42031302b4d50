import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { ADMIN_API_IDENTIFIER } from '../../src/domain/admin-scopes.js';
import { systemClock } from '../../src/lib/clock.js';
import { created } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { eventually } from '../helpers/eventually.js';
import { inlineIssuer, platformToken, trust } from '../helpers/federation.js';
import { createClient } from '../helpers/fixtures.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { runCli } from '../helpers/process.js';
import { basic, decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

const KUBERNETES = 'https://kubernetes.default.svc.cluster.local';

describeEachDialect('CLI: tessera login, the saved access token for the admin API, logout', (dialect) => {
  let t: TestTessera;
  let key: TestKey;
  let home: string;
  let secret: string;
  /** The environment of a user whose config directory is in a temporary HOME: no admin token. */
  let env: Record<string, string>;
  const loginPath = () => join(home, 'config', 'tessera', 'login.json');
  const saved = () => JSON.parse(readFileSync(loginPath(), 'utf8'));
  const cli = (...args: string[]) => runCli(args, env);
  const login = (...args: string[]) => cli('login', '--issuer', t.publicUrl, ...args);
  /** Makes the saved token look expired (as if its expires_in had passed), and unusable if it were sent anyway. */
  const expireSavedToken = () =>
    writeFileSync(loginPath(), JSON.stringify({ ...saved(), access_token: 'e30.e30.expired', expires_at: Math.floor(Date.now() / 1000) + 29 }));
  /** A platform token file for the service account `name`, as Kubernetes projects it. */
  const podToken = async (name: string) => {
    const path = join(home, `token-${name}`);
    writeFileSync(path, `${await platformToken(key, systemClock, { iss: KUBERNETES, sub: `system:serviceaccount:ci:${name}`, aud: t.publicUrl })}\n`);
    return path;
  };

  before(async () => {
    t = await startTessera({ dialect });
    key = await testKey('ES256', 'k8s-1');
    home = mkdtempSync(join(tmpdir(), 'tessera-cli-login-'));
    env = { TESSERA_ADMIN_URL: t.adminUrl, HOME: home, XDG_CONFIG_HOME: join(home, 'config') };
    // Rights on the tenant's built-in API urn:tessera:admin come from grants only.
    ({ secret } = await createClient(t, { client_id: 'reader' }));
    await createClient(t, { client_id: 'pipeline' });
    for (const [client, scopes] of [
      ['reader', ['clients:read']],
      ['pipeline', ['clients:write', 'grants:read']],
    ] as const) {
      created(await t.admin('POST', '/grants', { client_id: client, api_identifier: ADMIN_API_IDENTIFIER, scopes }));
    }
    await trust(t, 'default', [inlineIssuer('default', KUBERNETES, [key], { kind: 'kubernetes' })], {
      pipeline: [{ issuer: KUBERNETES, subject: 'system:serviceaccount:ci:pipeline' }],
    });
  });
  after(async () => {
    await t.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('login with a secret: a token for urn:tessera:admin, saved with the secret in a 0600 file of a 0700 directory, never printed', async () => {
    const res = await login('--client-id', 'reader', '--client-secret', secret);
    assert.equal(res.code, 0, res.stderr);
    const login0 = saved();
    const { payload } = decodeJwt(login0.access_token);
    assert.deepEqual([payload.client_id, payload.aud, payload.scope], ['reader', ADMIN_API_IDENTIFIER, 'clients:read']);
    assert.equal(
      res.stdout,
      `logged in to ${t.adminUrl} as client reader; the token expires at ${new Date(login0.expires_at * 1000).toISOString().replace('.000Z', 'Z')} and is renewed as needed\n`,
    );
    assert.equal(res.stderr, `saved in ${loginPath()}, with the client secret (readable by you only); "tessera logout" deletes it\n`);
    assert.ok(Math.abs(login0.expires_at - (Math.floor(Date.now() / 1000) + 3600)) <= 60, 'expiry from expires_in');
    assert.deepEqual(login0.credential, { type: 'client_secret', secret });
    assert.equal(login0.token_url, `${t.publicUrl}/oauth2/token`);
    assert.equal(statSync(loginPath()).mode & 0o777, 0o600);
    assert.equal(statSync(join(home, 'config', 'tessera')).mode & 0o777, 0o700);
    for (const text of [res.stdout, res.stderr]) assert.ok(!text.includes(login0.access_token) && !text.includes(secret), 'nothing saved is printed');
  });

  it('admin commands without --token use the saved token: whoami, a list; a call beyond its scopes is 403 naming the scope, on one line', async () => {
    const whoami = await cli('whoami', '--json');
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.deepEqual(JSON.parse(whoami.stdout), { actor: 'client:reader', kind: 'access-token', tenant: null, scopes: ['clients:read'] });
    const list = await cli('clients', 'list');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^reader +/m);
    const refused = await cli('clients', 'create', '--client-id', 'x');
    assert.deepEqual([refused.code, refused.stdout, refused.stderr], [4, '', 'tessera: Forbidden: this call needs the scope clients:write (or admin)\n']);
    const noToken = await runCli(['apis', 'list'], { ...env, XDG_CONFIG_HOME: join(home, 'nobody') });
    assert.deepEqual(
      [noToken.code, noToken.stderr],
      [
        4,
        'tessera: Unauthorized: send an admin token: Authorization: Bearer <token> (or start Tessera with TESSERA_ADMIN_AUTH=loopback)\nno admin token was given: use --token, TESSERA_ADMIN_TOKEN or "tessera login"\n',
      ],
    );
  });

  it('the saved token goes only to the admin API it was obtained for; an unreadable login file is named, never shown', async () => {
    const elsewhere = t.adminUrl.replace('127.0.0.1', 'localhost');
    const other = await cli('whoami', '--endpoint', elsewhere);
    assert.deepEqual(
      [other.code, other.stderr],
      [
        4,
        'tessera: Unauthorized: send an admin token: Authorization: Bearer <token> (or start Tessera with TESSERA_ADMIN_AUTH=loopback)\n' +
          `no admin token was given, and the saved login is for ${t.adminUrl}: use --token, or "tessera login --endpoint ${elsewhere}"\n`,
      ],
    );
    const kept = readFileSync(loginPath(), 'utf8');
    writeFileSync(loginPath(), kept.slice(0, 40));
    const broken = await cli('clients', 'list');
    assert.deepEqual(
      [broken.code, broken.stderr],
      [1, `tessera: ${loginPath()} is not a login of this version of tessera: run "tessera logout" and "tessera login" again\n`],
    );
    writeFileSync(loginPath(), kept);
  });

  it('--token (or TESSERA_ADMIN_TOKEN) wins over the saved login, as an admin token or an access token', async () => {
    const asAdmin = await runCli(['whoami', '--json'], { ...env, TESSERA_ADMIN_TOKEN: t.adminToken });
    assert.equal(JSON.parse(asAdmin.stdout).kind, 'admin-token', asAdmin.stderr);
    const token = await cli('token', '--issuer', t.publicUrl, '--client-id', 'reader', '--client-secret', secret, '--audience', ADMIN_API_IDENTIFIER);
    assert.equal(token.code, 0, token.stderr);
    const asClient = await runCli(['whoami', '--json', '--token', token.stdout.trim()], { ...env, XDG_CONFIG_HOME: join(home, 'nobody') });
    assert.equal(JSON.parse(asClient.stdout).actor, 'client:reader', asClient.stderr);
  });

  it('a token that expires within 30 s is renewed with the saved secret before it is used, and saved', async () => {
    expireSavedToken();
    const res = await cli('whoami', '--json');
    assert.equal(res.code, 0, res.stderr);
    assert.equal(JSON.parse(res.stdout).actor, 'client:reader');
    const renewed = saved();
    assert.notEqual(renewed.access_token, 'e30.e30.expired');
    assert.ok(renewed.expires_at > Math.floor(Date.now() / 1000) + 3000);
    assert.equal(statSync(loginPath()).mode & 0o777, 0o600);
  });

  it('a saved token the admin API refuses (revoked) prints the reason on one line, and says to log in again', async () => {
    const revoked = await t.form('/oauth2/revoke', { token: saved().access_token }, { authorization: basic('reader', secret) });
    assert.equal(revoked.status, 200, revoked.text);
    // The admin API learns of it through the change feed.
    await eventually(
      'the revocation reaches the admin API',
      async () => (await t.admin('GET', '/whoami', undefined, { token: saved().access_token })).status === 401,
      {
        withinMs: 10_000,
      },
    );
    const res = await cli('clients', 'list');
    assert.deepEqual(
      [res.code, res.stderr],
      [
        4,
        `tessera: Unauthorized: the access token has been revoked\nthe admin API refused the token of the saved login (${loginPath()}): run "tessera login" again\n`,
      ],
    );
  });

  it('login with --client-secret-file keeps the path, not the secret; the file is read again at renewal', async () => {
    const file = join(home, 'reader-secret');
    writeFileSync(file, `${secret}\n`);
    const res = await login('--client-id', 'reader', '--client-secret-file', file, '--scope', 'clients:read');
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(saved().credential, { type: 'client_secret_file', path: file });
    assert.equal(saved().scope, 'clients:read');
    assert.ok(!readFileSync(loginPath(), 'utf8').includes(secret));
    writeFileSync(file, 'not-the-secret\n');
    expireSavedToken();
    const refused = await cli('clients', 'list');
    assert.deepEqual(
      [refused.code, refused.stderr],
      [4, 'tessera: invalid_client: Client authentication failed.\nthe saved login could not get a new token: run "tessera login" again\n'],
    );
  });

  it('login with --assertion-file (a federated credential, no secret): the file is read again at each renewal', async () => {
    const file = await podToken('pipeline');
    const res = await login('--client-id', 'pipeline', '--assertion-file', file);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stderr, `saved in ${loginPath()}; "tessera logout" deletes it\n`);
    assert.deepEqual(saved().credential, { type: 'assertion_file', path: file, assertion_type: 'jwt-bearer' });
    assert.ok(!readFileSync(loginPath(), 'utf8').includes(readFileSync(file, 'utf8').trim()), 'the platform token is not kept');
    const whoami = await cli('whoami', '--json');
    assert.deepEqual(JSON.parse(whoami.stdout).scopes, ['clients:write', 'grants:read'], whoami.stderr);
    // The platform rotated the file: to another service account's token, which names no client.
    writeFileSync(file, readFileSync(await podToken('stranger'), 'utf8'));
    expireSavedToken();
    const refused = await cli('grants', 'list');
    assert.deepEqual(
      [refused.code, refused.stderr],
      [4, 'tessera: invalid_client: Client authentication failed.\nthe saved login could not get a new token: run "tessera login" again\n'],
    );
    writeFileSync(file, readFileSync(await podToken('pipeline'), 'utf8'));
    const renewed = await cli('grants', 'list', '--json');
    assert.equal(renewed.code, 0, renewed.stderr);
    assert.equal(decodeJwt(saved().access_token).payload.client_id, 'pipeline');
  });

  it("login --tenant: a client of acme holding clients:read lists acme's clients and nothing else", async () => {
    created(await t.admin('POST', '/tenants', { id: 'acme' }));
    const { secret: acmeSecret } = await createClient(t, { client_id: 'acme-reader' }, 'acme');
    created(await t.admin('POST', '/tenants/acme/grants', { client_id: 'acme-reader', api_identifier: ADMIN_API_IDENTIFIER, scopes: ['clients:read'] }));
    const res = await login('--tenant', 'acme', '--client-id', 'acme-reader', '--client-secret', acmeSecret);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(saved().token_url, `${t.publicUrl}/t/acme/oauth2/token`);
    const list = await cli('clients', 'list', '--tenant', 'acme');
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^acme-reader +/m);
    const elsewhere = await cli('clients', 'list');
    assert.equal(elsewhere.code, 4);
    assert.match(elsewhere.stderr, /^tessera: Forbidden: .*limited to tenant acme\n$/);
    const write = await cli('clients', 'create', '--tenant', 'acme', '--name', 'x');
    assert.deepEqual([write.code, write.stderr], [4, 'tessera: Forbidden: this call needs the scope clients:write (or admin)\n']);
  });

  it('wrong usage (exit 2): no credential, two credentials, no issuer; a refused client is exit 4 and saves nothing', async () => {
    const cases: [string[], string][] = [
      [
        ['login', '--issuer', t.publicUrl, '--client-id', 'reader'],
        'give --client-secret (or TESSERA_CLIENT_SECRET), --client-secret-file or --assertion-file',
      ],
      [
        ['login', '--issuer', t.publicUrl, '--client-id', 'reader', '--client-secret', 's', '--assertion-file', 'f'],
        'give one of --client-secret, --client-secret-file and --assertion-file',
      ],
      [['login', '--client-id', 'reader', '--client-secret', 's'], "give --issuer (the public URL of Tessera, or a tenant's issuer) or --token-url"],
      [
        ['login', '--token-url', `${t.publicUrl}/oauth2/token`, '--tenant', 'acme', '--client-id', 'reader', '--client-secret', 's'],
        'give --issuer (with --tenant) or --token-url, not both',
      ],
    ];
    for (const [args, message] of cases) {
      const res = await cli(...args);
      assert.deepEqual([res.code, res.stderr], [2, `tessera: ${message}\n`], args.join(' '));
    }
    rmSync(loginPath());
    const refused = await login('--client-id', 'reader', '--client-secret', 'wrong');
    assert.deepEqual([refused.code, refused.stderr], [4, 'tessera: invalid_client: Client authentication failed.\n']);
    assert.equal(existsSync(loginPath()), false);
  });

  it('logout deletes the file; the next admin command has no token', async () => {
    const res = await cli('login', '--token-url', `${t.publicUrl}/oauth2/token`, '--client-id', 'reader', '--client-secret', secret);
    assert.equal(res.code, 0, res.stderr);
    const saved0 = saved().access_token;
    const out = await cli('logout');
    assert.deepEqual([out.code, out.stdout], [0, `logged out: deleted ${loginPath()}\n`]);
    assert.equal(existsSync(loginPath()), false);
    assert.equal((await cli('logout')).stdout, `not logged in: no ${loginPath()}\n`);
    assert.equal((await cli('clients', 'list')).code, 4);
    const logs = t.logs.join('\n');
    assert.ok(!logs.includes(secret) && !logs.includes(saved0), 'neither the secret nor a token reaches the server logs');
  });
});
