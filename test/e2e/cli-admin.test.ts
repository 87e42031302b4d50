import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ok, tokenRequest } from '../helpers/admin.js';
import { freePort } from '../helpers/ports.js';
import { runCli } from '../helpers/process.js';
import { decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

/** The value of `key` in a key/value block printed by the CLI. */
function field(stdout: string, key: string): string {
  const match = new RegExp(`^ *${key} +(.*)$`, 'm').exec(stdout);
  assert.ok(match, `no "${key}" line in:\n${stdout}`);
  return match[1]!;
}

describe('CLI: admin commands and tessera token against a running Tessera', () => {
  let t: TestTessera;
  let env: Record<string, string>;
  /** Runs the CLI as the bootstrap admin. */
  const cli = (...args: string[]) => runCli(args, env);
  /** Runs the CLI, asserts exit code 0, answers its output. */
  const ok0 = async (...args: string[]) => {
    const res = await cli(...args);
    assert.equal(res.code, 0, `tessera ${args.join(' ')}\n${res.stderr}`);
    return res;
  };
  /** Runs the CLI with --json, asserts exit code 0, answers the parsed JSON. */
  const json = async (...args: string[]) => JSON.parse((await ok0(...args, '--json')).stdout);
  /** The audit events of one target, as the admin API answers them. */
  const auditOf = async (targetId: string, tenant?: string) =>
    ok(await t.admin('GET', `${tenant ? `/tenants/${tenant}` : ''}/audit-events?target_id=${encodeURIComponent(targetId)}`)).items;

  before(async () => {
    t = await startTessera();
    env = { TESSERA_ADMIN_URL: t.adminUrl, TESSERA_ADMIN_TOKEN: t.adminToken };
  });
  after(() => t.close());

  // Shared by the steps below, which run in order.
  let saId: string;
  let apiId: string;
  let clientId: string;
  let firstSecret: string;
  let rotatedSecret: string;

  it('service-accounts: create (reason in the audit log), list, get, update, deactivate, activate', async () => {
    const created = await json('service-accounts', 'create', '--user-name', 'periodicCleanup', '--display-name', 'Periodic Cleanup', '--reason', 'onboarding');
    assert.equal(created.user_name, 'periodicCleanup');
    assert.equal(created.active, true);
    saId = created.id;
    const [event] = await auditOf(saId);
    assert.equal(event.action, 'service_account.create');
    assert.equal(event.reason, 'onboarding');

    const list = await ok0('service-accounts', 'list');
    assert.match(list.stdout, /^ID +USER_NAME +DISPLAY_NAME +ACTIVE$/m);
    assert.match(list.stdout, new RegExp(`^${saId} +periodicCleanup +Periodic Cleanup +true$`, 'm'));
    assert.equal(field((await ok0('service-accounts', 'get', saId)).stdout, 'display_name'), 'Periodic Cleanup');
    assert.equal((await json('service-accounts', 'update', saId, '--display-name', 'Nightly Cleanup')).display_name, 'Nightly Cleanup');
    assert.equal((await json('service-accounts', 'deactivate', saId)).active, false);
    assert.equal(field((await ok0('service-accounts', 'activate', saId)).stdout, 'active'), 'true');
  });

  it('apis: create with VALUE=DESCRIPTION scopes, list, get, update', async () => {
    const created = await json(
      'apis',
      'create',
      '--name',
      'Cleanup API',
      '--identifier',
      'https://cleanup.example.com/',
      '--scope',
      'write=Write access',
      '--scope',
      'read:logs',
    );
    assert.deepEqual(created.scopes, [
      { value: 'write', description: 'Write access' },
      { value: 'read:logs', description: '' },
    ]);
    apiId = created.id;
    assert.match((await ok0('apis', 'list')).stdout, new RegExp(`^${apiId} +Cleanup API +https://cleanup\\.example\\.com/ +write, read:logs +-$`, 'm'));
    assert.match((await ok0('apis', 'get', apiId)).stdout, /^ {2}- value=write description=Write access$/m);
    const updated = await json('apis', 'update', apiId, '--ttl', '600', '--scope', 'write=Write access', '--scope', 'read:logs', '--scope', 'purge');
    assert.equal(updated.access_token_ttl, 600);
    assert.deepEqual(
      updated.scopes.map((s: { value: string }) => s.value),
      ['write', 'read:logs', 'purge'],
    );
  });

  it('clients create prints the secret once (note on stderr) and the secret works at the token endpoint', async () => {
    const res = await ok0('clients', 'create', '--name', 'cleanup', '--service-account-id', saId, '--reason', 'm2m integration');
    clientId = field(res.stdout, 'client_id');
    firstSecret = field(res.stdout, 'client_secret');
    assert.match(firstSecret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(res.stderr, 'Store the client secret now: it will not be shown again.\n');
    assert.equal((await auditOf(clientId))[0].reason, 'm2m integration');
    const token = await tokenRequest(t, '/oauth2/token', clientId, firstSecret, { scope: 'write' });
    assert.equal(token.body.error_description, 'No audience is allowed for this client.', 'authenticated, but no grant yet');
  });

  it('grants: create, list, get; the client then gets a token', async () => {
    const grant = await json(
      'grants',
      'create',
      '--service-account-id',
      saId,
      '--api-identifier',
      'https://cleanup.example.com/',
      '--scope',
      'write read:logs',
    );
    assert.deepEqual(grant.scopes, ['write', 'read:logs']);
    assert.equal(grant.api_id, apiId);
    assert.match(
      (await ok0('grants', 'list', '--service-account-id', saId)).stdout,
      new RegExp(`^${grant.id} +- +${saId} +https://cleanup\\.example\\.com/ +write, read:logs$`, 'm'),
    );
    assert.equal(field((await ok0('grants', 'get', grant.id)).stdout, 'api_identifier'), 'https://cleanup.example.com/');
    assert.equal((await tokenRequest(t, '/oauth2/token', clientId, firstSecret, { scope: 'write' })).status, 200);
  });

  it('grants update: --scope replaces the list, --no-scope empties it, nothing to change is wrong usage', async () => {
    const [grant] = (await json('grants', 'list', '--service-account-id', saId)).items;
    const narrowed = await ok0('grants', 'update', grant.id, '--scope', 'read:logs', '--reason', 'read only');
    assert.equal(field(narrowed.stdout, 'scopes'), 'read:logs');
    const [event] = await auditOf(grant.id).then((events) => events.filter((e: any) => e.action === 'grant.update'));
    assert.deepEqual([event.reason, event.details.previous_scopes, event.details.scopes], ['read only', ['write', 'read:logs'], ['read:logs']]);
    const refused = await tokenRequest(t, '/oauth2/token', clientId, firstSecret, { scope: 'write' });
    assert.equal(refused.body.error, 'invalid_scope', refused.text);
    assert.deepEqual((await json('grants', 'update', grant.id, '--no-scope')).scopes, []);
    const usage = await cli('grants', 'update', grant.id);
    assert.deepEqual([usage.code, usage.stderr], [2, 'tessera: nothing to change: give at least one option (see --help)\n']);
    const undefinedScope = await cli('grants', 'update', grant.id, '--scope', 'write delete');
    assert.deepEqual(
      [undefinedScope.code, undefinedScope.stderr],
      [1, 'tessera: Unprocessable Content: the grant is not valid\n  /scopes/1: the API does not define scope "delete"\n'],
    );
    assert.deepEqual((await json('grants', 'update', grant.id, '--scope', 'write', '--scope', 'read:logs')).scopes, ['write', 'read:logs']);
  });

  it('clients: list, get (never a secret), update', async () => {
    const list = await json('clients', 'list');
    assert.deepEqual(
      list.items.map((c: { client_id: string }) => c.client_id),
      [clientId],
    );
    assert.equal(list.next_cursor, null);
    assert.match(
      (await ok0('clients', 'list', '--service-account-id', saId)).stdout,
      new RegExp(`^${clientId} +cleanup +machine_to_machine +${saId} +- +- +true$`, 'm'),
    );
    const got = await ok0('clients', 'get', clientId);
    assert.equal(field(got.stdout, 'service_account_id'), saId);
    assert.ok(!got.stdout.includes(firstSecret), 'get never shows a secret');
    assert.ok(!/client_secret /.test(got.stdout));
    const updated = await json('clients', 'update', clientId, '--name', 'nightly cleanup', '--ttl', '300');
    assert.equal(updated.client_name, 'nightly cleanup');
    assert.equal(updated.access_token_ttl, 300);
    assert.equal((await json('clients', 'update', clientId, '--no-ttl')).access_token_ttl, null);
  });

  it('clients rotate-secret gives a secret that works with tessera token; delete-secret removes the old one', async () => {
    const rotated = await json('clients', 'rotate-secret', clientId, '--expires-in', '600', '--reason', 'yearly rotation');
    rotatedSecret = rotated.client_secret;
    assert.match(rotatedSecret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(rotated.expires_at, null);

    // The secret comes from the environment, so it never stands on the command line.
    const tokenEnv = { TESSERA_CLIENT_SECRET: rotatedSecret };
    const plain = await runCli(['token', '--issuer', t.publicUrl, '--client-id', clientId, '--scope', 'write'], tokenEnv);
    assert.equal(plain.code, 0, plain.stderr);
    const { header, payload } = decodeJwt(plain.stdout.trim());
    assert.equal(header.typ, 'at+jwt');
    assert.deepEqual(
      [payload.iss, payload.aud, payload.client_id, payload.sub, payload.scope],
      [t.publicUrl, 'https://cleanup.example.com/', clientId, saId, 'write'],
    );

    const decoded = await runCli(
      ['token', '--issuer', `${t.publicUrl}/`, '--client-id', clientId, '--audience', 'https://cleanup.example.com/', '--decode'],
      tokenEnv,
    );
    assert.equal(decoded.code, 0, decoded.stderr);
    assert.equal(field(decoded.stdout, 'iss'), t.publicUrl);
    assert.equal(field(decoded.stdout, 'aud'), 'https://cleanup.example.com/');
    assert.equal(field(decoded.stdout, 'client_id'), clientId);
    assert.equal(field(decoded.stdout, 'typ'), 'at+jwt');
    assert.equal(field(decoded.stdout, 'scope'), 'write read:logs');
    assert.match(field(decoded.stdout, 'exp'), /^\d+ \(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)$/);

    const both = await runCli(
      [
        'token',
        '--issuer',
        t.publicUrl,
        '--client-id',
        clientId,
        '--client-secret',
        rotatedSecret,
        '--auth',
        'post',
        '--scope',
        'read:logs',
        '--decode',
        '--json',
      ],
      {},
    );
    assert.equal(both.code, 0, both.stderr);
    const answer = JSON.parse(both.stdout);
    assert.equal(answer.token_type, 'Bearer');
    assert.equal(answer.scope, 'read:logs');
    assert.deepEqual([answer.claims.iss, answer.claims.aud, answer.claims.client_id], [t.publicUrl, 'https://cleanup.example.com/', clientId]);
    assert.equal(answer.header.kid, decodeJwt(answer.access_token).header.kid);

    const secrets = (await json('clients', 'get', clientId)).client_secrets;
    assert.equal(secrets.length, 2);
    const old = secrets.find((s: { expires_at: string | null }) => s.expires_at !== null);
    assert.equal((await ok0('clients', 'delete-secret', clientId, old.id)).stdout, `deleted secret ${old.id} of client ${clientId}\n`);
    assert.equal((await tokenRequest(t, '/oauth2/token', clientId, firstSecret, { scope: 'write' })).status, 401);
    assert.equal((await tokenRequest(t, '/oauth2/token', clientId, rotatedSecret, { scope: 'write' })).status, 200);
  });

  it('clients revoke-tokens sets a cut-off', async () => {
    const cutoff = await json('clients', 'revoke-tokens', clientId, '--reason', 'incident');
    assert.equal(cutoff.client_id, clientId);
    assert.equal(typeof cutoff.cutoff, 'number');
  });

  it('keys: list, rotate routine and --emergency (reason and mode audited), withdraw a retired key', async () => {
    const before = await ok0('keys', 'list');
    assert.match(before.stdout, /^KID +ALG +STATUS/m);
    assert.match(before.stdout, / RS256 +active /);
    assert.match(before.stdout, / RS256 +next /);
    const next = (await json('keys', 'list')).items.find((k: { status: string }) => k.status === 'next').kid;
    const rotated = await json('keys', 'rotate', '--reason', 'drill');
    assert.equal(rotated.status, 'active');
    assert.equal(rotated.kid, next, 'the published next key signs');
    const [routine] = await auditOf(rotated.kid);
    assert.deepEqual([routine.reason, routine.details.mode], ['drill', 'routine']);
    const emergency = await json('keys', 'rotate', '--emergency', '--reason', 'leak');
    assert.equal(emergency.status, 'active');
    assert.deepEqual((await auditOf(emergency.kid))[0].details.mode, 'emergency');
    const keys = (await json('keys', 'list')).items;
    assert.deepEqual(
      keys.map((k: { status: string }) => k.status),
      ['next', 'active', 'retired', 'retired'],
    );
    await ok0('keys', 'withdraw', rotated.kid);
    assert.deepEqual(
      (await json('keys', 'list')).items.map((k: { kid: string }) => k.kid),
      keys.filter((k: { kid: string }) => k.kid !== rotated.kid).map((k: { kid: string }) => k.kid),
    );
  });

  it('tenants: create, list, get, update; --tenant puts a command in /tenants/{id}', async () => {
    const created = await json('tenants', 'create', '--id', 'acme', '--name', 'Acme', '--signing-alg', 'ES256');
    assert.equal(created.issuer, `${t.publicUrl}/t/acme`);
    assert.match((await ok0('tenants', 'list')).stdout, new RegExp(`^acme +Acme +${t.publicUrl}/t/acme +ES256 +3600$`, 'm'));
    assert.equal(field((await ok0('tenants', 'get', 'acme')).stdout, 'signing_alg'), 'ES256');
    assert.equal((await json('tenants', 'update', 'acme', '--ttl', '600', '--reason', 'shorter')).access_token_ttl, 600);

    const client = await json(
      'clients',
      'create',
      '--tenant',
      'acme',
      '--client-id',
      'acme-billing',
      '--audience',
      'https://billing.acme.example/',
      '--reason',
      'acme onboarding',
    );
    assert.equal(client.client_id, 'acme-billing');
    assert.equal(ok(await t.admin('GET', '/tenants/acme/clients/acme-billing')).client_id, 'acme-billing');
    assert.equal((await t.admin('GET', '/clients/acme-billing')).status, 404, 'not in tenant default');
    assert.equal((await auditOf('acme-billing', 'acme'))[0].reason, 'acme onboarding');
    assert.deepEqual(
      (await json('clients', 'list', '--tenant', 'acme')).items.map((c: { client_id: string }) => c.client_id),
      ['acme-billing'],
    );
    assert.match((await ok0('keys', 'list', '--tenant', 'acme')).stdout, / ES256 +active /);

    const token = await runCli([
      'token',
      '--issuer',
      `${t.publicUrl}/t/acme`,
      '--client-id',
      'acme-billing',
      '--client-secret',
      client.client_secret,
      '--json',
      '--decode',
    ]);
    assert.equal(token.code, 0, token.stderr);
    const { claims, header } = JSON.parse(token.stdout);
    assert.deepEqual(
      [header.alg, claims.iss, claims.aud, claims.client_id],
      ['ES256', `${t.publicUrl}/t/acme`, 'https://billing.acme.example/', 'acme-billing'],
    );
  });

  it('admin-tokens: create (limited to a tenant), list, delete; a tenant-limited token is refused elsewhere (exit 4)', async () => {
    const created = await ok0('admin-tokens', 'create', '--name', 'acme-ci', '--tenant', 'acme');
    const token = created.stdout.trim();
    assert.match(token, /^tsr_at_[A-Za-z0-9_-]{43}$/);
    assert.match(created.stderr, /store it now; it will not be shown again/);
    const acmeOnly = { ...env, TESSERA_ADMIN_TOKEN: token };
    const inTenant = await runCli(['clients', 'list', '--tenant', 'acme'], acmeOnly);
    assert.equal(inTenant.code, 0, inTenant.stderr);
    const outside = await runCli(['clients', 'list'], acmeOnly);
    assert.equal(outside.code, 4);
    assert.equal(outside.stderr, 'tessera: Forbidden: this admin token is limited to tenant acme\n');

    const list = (await json('admin-tokens', 'list')).items;
    const mine = list.find((a: { name: string }) => a.name === 'acme-ci');
    assert.equal(mine.tenant, 'acme');
    assert.ok(!JSON.stringify(list).includes(token), 'a list never holds token values');
    assert.match((await ok0('admin-tokens', 'list')).stdout, new RegExp(`^${mine.id} +acme-ci +acme `, 'm'));
    await ok0('admin-tokens', 'delete', mine.id, '--reason', 'rotated');
    assert.equal((await runCli(['clients', 'list', '--tenant', 'acme'], acmeOnly)).code, 4, 'a deleted token no longer works');
  });

  it('admin-tokens create --expires-in: expires_at in the answer and the list; out of range is refused with the field error', async () => {
    const created = await json('admin-tokens', 'create', '--name', 'short-lived', '--expires-in', '120');
    assert.equal(Date.parse(created.expires_at) - Date.parse(created.created_at), 120_000);
    const list = await ok0('admin-tokens', 'list');
    assert.match(list.stdout, /^ID +NAME +TENANT +SCOPES +CREATED_AT +EXPIRES_AT$/m);
    assert.match(list.stdout, new RegExp(`^${created.id} +short-lived +- +admin +${created.created_at} +${created.expires_at}$`, 'm'));
    const refused = await cli('admin-tokens', 'create', '--name', 'x', '--expires-in', '31536001');
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      'tessera: Unprocessable Content: the admin token is not valid\n  /expires_in: must be a whole number of seconds from 60 to 31536000\n',
    );
  });

  it('admin-tokens create --scopes (space-separated or repeated): the token holds those scopes only; a call beyond them is 403 on one line', async () => {
    const auditor = await json('admin-tokens', 'create', '--name', 'auditor', '--scopes', 'audit:read clients:read');
    assert.deepEqual(auditor.scopes, ['audit:read', 'clients:read']);
    const repeated = await json('admin-tokens', 'create', '--name', 'granter', '--scopes', 'grants:write', '--scopes', 'apis:read');
    assert.deepEqual(repeated.scopes, ['grants:write', 'apis:read']);
    assert.match((await ok0('admin-tokens', 'list')).stdout, new RegExp(`^${auditor.id} +auditor +- +audit:read, clients:read +`, 'm'));
    const asAuditor = { ...env, TESSERA_ADMIN_TOKEN: auditor.token };
    const whoami = await runCli(['whoami', '--json'], asAuditor);
    assert.deepEqual(JSON.parse(whoami.stdout), {
      actor: `admin-token:${auditor.id}`,
      kind: 'admin-token',
      tenant: null,
      scopes: ['audit:read', 'clients:read'],
    });
    assert.equal((await runCli(['clients', 'list'], asAuditor)).code, 0);
    const refused = await runCli(['clients', 'create', '--name', 'x'], asAuditor);
    assert.deepEqual([refused.code, refused.stdout, refused.stderr], [4, '', 'tessera: Forbidden: this call needs the scope clients:write (or admin)\n']);
    const issuer = await json('admin-tokens', 'create', '--name', 'issuer', '--scopes', 'admin-tokens:write clients:read');
    const escalation = await runCli(['admin-tokens', 'create', '--name', 'more', '--scopes', 'clients:read keys:write admin'], {
      ...env,
      TESSERA_ADMIN_TOKEN: issuer.token,
    });
    assert.deepEqual(
      [escalation.code, escalation.stdout, escalation.stderr],
      [4, '', 'tessera: Forbidden: the admin token would hold scopes the caller does not hold: keys:write, admin\n'],
    );
    const unknown = await cli('admin-tokens', 'create', '--name', 'x', '--scopes', 'clients:read everything');
    assert.deepEqual(
      [unknown.code, unknown.stderr],
      [1, 'tessera: Unprocessable Content: the admin token is not valid\n  /scopes/1: unknown scope "everything": see GET /apis (urn:tessera:admin)\n'],
    );
  });

  it('audit-events list shows the reasons given', async () => {
    const events = (await json('audit-events', 'list', '--target-id', clientId)).items;
    assert.deepEqual(
      events.map((e: { action: string; reason: string | null }) => [e.action, e.reason]),
      [
        ['client.tokens.revoke', 'incident'],
        ['client.secret.delete', null],
        ['client.secret.create', 'yearly rotation'],
        ['client.update', null],
        ['client.update', null],
        ['client.create', 'm2m integration'],
      ],
    );
    assert.match((await ok0('audit-events', 'list', '--action', 'key.rotate')).stdout, /key\.rotate +\S+ +drill$/m);
  });

  it('lists page with --limit and --cursor, and --all follows next_cursor', async () => {
    await json('service-accounts', 'create', '--user-name', 'second');
    await json('service-accounts', 'create', '--user-name', 'third');
    const first = await ok0('service-accounts', 'list', '--limit', '2');
    assert.equal(first.stdout.trim().split('\n').length, 3, 'header and two rows');
    const cursor = /^more: --cursor (\S+) \(or --all\)$/m.exec(first.stderr)?.[1];
    assert.ok(cursor, first.stderr);
    const rest = await json('service-accounts', 'list', '--limit', '2', '--cursor', cursor);
    assert.equal(rest.items.length, 1);
    assert.equal(rest.next_cursor, null);
    const all = await json('service-accounts', 'list', '--limit', '1', '--all');
    assert.equal(all.items.length, 3);
    assert.equal(all.next_cursor, null);
  });

  it('deletes: grants, clients, service accounts, APIs, tenants', async () => {
    const [grant] = (await json('grants', 'list')).items;
    assert.equal((await ok0('grants', 'delete', grant.id)).stdout, `deleted grant ${grant.id}\n`);
    await ok0('clients', 'delete', clientId, '--reason', 'decommissioned');
    assert.equal((await auditOf(clientId))[0].reason, 'decommissioned');
    assert.equal((await ok0('service-accounts', 'delete', saId, '--json')).stdout, '', 'nothing to print for a 204');
    await ok0('apis', 'delete', apiId);
    await ok0('tenants', 'delete', 'acme', '--reason', 'customer left');
    assert.equal((await json('tenants', 'list')).items.length, 1);
    assert.deepEqual(
      (await json('apis', 'list')).items.map((a: { identifier: string; built_in: boolean }) => [a.identifier, a.built_in]),
      [['urn:tessera:admin', true]],
      'the built-in API stays',
    );
  });

  it('errors: 404 and 422 are exit 1 with the problem on stderr; a wrong token is exit 4; no server is exit 3', async () => {
    const missing = await cli('clients', 'get', 'nope');
    assert.deepEqual([missing.code, missing.stdout, missing.stderr], [1, '', 'tessera: Not Found: client "nope" does not exist\n']);

    const invalid = await cli('clients', 'create', '--grant-type', 'password');
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^tessera: Unprocessable Content: .+\n {2}\/grant_types\/0: unsupported grant type "password"/);

    const wrong = await runCli(['apis', 'list'], { ...env, TESSERA_ADMIN_TOKEN: 'tsr_at_wrong-token-value' });
    assert.equal(wrong.code, 4);
    assert.match(wrong.stderr, /^tessera: Unauthorized: /);
    assert.ok(!wrong.stderr.includes('wrong-token-value'), 'the admin token is never printed');
    // A config directory with no saved login in it.
    const none = await runCli(['apis', 'list'], { TESSERA_ADMIN_URL: t.adminUrl, XDG_CONFIG_HOME: t.dataDir });
    assert.equal(none.code, 4);
    assert.match(none.stderr, /\nno admin token was given: use --token, TESSERA_ADMIN_TOKEN or "tessera login"\n$/);

    const down = await runCli(['clients', 'list', '--endpoint', `http://127.0.0.1:${await freePort()}`], env);
    assert.equal(down.code, 3);
    assert.match(down.stderr, /^tessera: could not reach http:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    const tokenDown = await runCli(['token', '--issuer', `http://127.0.0.1:${await freePort()}`, '--client-id', 'x', '--client-secret', 'y']);
    assert.equal(tokenDown.code, 3);

    const badSecret = await runCli(['token', '--issuer', t.publicUrl, '--client-id', 'nope', '--client-secret', 'wrong']);
    assert.deepEqual([badSecret.code, badSecret.stderr], [4, 'tessera: invalid_client: Client authentication failed.\n']);
    const mixUp = await runCli(['token', '--issuer', t.publicUrl.replace('127.0.0.1', 'localhost'), '--client-id', 'x', '--client-secret', 'y']);
    assert.equal(mixUp.code, 1);
    assert.match(mixUp.stderr, new RegExp(`names issuer "${t.publicUrl}"`));
  });

  it('wrong usage is exit 2: a missing required option, a malformed value, nothing to update', async () => {
    const missing = await cli('apis', 'create', '--name', 'x');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /required option '--identifier <audience>' not specified/);
    const malformed = await cli('clients', 'list', '--limit', 'ten');
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /'--limit <n>' argument 'ten' is invalid/);
    const choice = await cli('tenants', 'create', '--id', 'x', '--signing-alg', 'HS256');
    assert.equal(choice.code, 2);
    const nothing = await cli('tenants', 'update', 'default');
    assert.deepEqual([nothing.code, nothing.stderr], [2, 'tessera: nothing to change: give at least one option (see --help)\n']);
    const noSecret = await runCli(['token', '--issuer', t.publicUrl, '--client-id', 'x']);
    assert.equal(noSecret.code, 2);
    const endpoint = await cli('keys', 'list', '--endpoint', 'localhost:4445');
    assert.equal(endpoint.code, 2);
  });

  it('--help of every group and of tessera token shows examples; the root help lists the exit codes', async () => {
    for (const group of [
      'clients',
      'service-accounts',
      'apis',
      'grants',
      'keys',
      'tenants',
      'admin-tokens',
      'audit-events',
      'token',
      'admin-token',
      'login',
      'whoami',
    ]) {
      const help = await cli(group, '--help');
      assert.equal(help.code, 0, group);
      assert.match(help.stdout, new RegExp(`\nExamples:\n( {2}\\$ .+\n)* {2}\\$ (.+ )?tessera ${group} `), group);
      assert.ok(!help.stdout.includes(t.adminToken), 'help never shows the token from the environment');
    }
    const leaf = await cli('clients', 'rotate-secret', '--help');
    assert.match(leaf.stdout, /--reason <text>/);
    assert.match(leaf.stdout, /Examples:\n {2}\$ tessera clients rotate-secret/);
    const root = await cli('--help');
    assert.match(root.stdout, /Exit codes:\n {2}0 {2}success\n {2}1 .+\n {2}2 .+\n {2}3 .+\n {2}4 /);
  });
});
