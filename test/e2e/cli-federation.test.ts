import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ok } from '../helpers/admin.js';
import { testKey } from '../helpers/keys.js';
import { runCli } from '../helpers/process.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const GITHUB = 'https://token.actions.githubusercontent.com';

describe('CLI: federated issuers and federated credentials against a running Tessera', () => {
  let t: TestTessera;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, env);
  const ok0 = async (...args: string[]) => {
    const res = await cli(...args);
    assert.equal(res.code, 0, `tessera ${args.join(' ')}\n${res.stderr}`);
    return res;
  };
  const json = async (...args: string[]) => JSON.parse((await ok0(...args, '--json')).stdout);

  before(async () => {
    t = await startTessera();
    env = { TESSERA_ADMIN_URL: t.adminUrl, TESSERA_ADMIN_TOKEN: t.adminToken };
  });
  after(() => t.close());

  let githubId: string;

  it('federated-issuers: create from a JWKS file, list, get, update, and the 422 of a bad setting', async () => {
    const jwksFile = join(t.dataDir, 'github.jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [(await testKey('RS256', 'gh-1')).publicJwk] }));
    const github = await json(
      'federated-issuers',
      'create',
      '--name',
      'GitHub Actions',
      '--issuer',
      GITHUB,
      '--jwks',
      jwksFile,
      '--audience',
      'https://tessera.example.com/ci',
      '--algorithm',
      'RS256',
      '--reason',
      'ci',
    );
    githubId = github.id;
    assert.equal(github.kind, 'oidc');
    assert.deepEqual(github.effective_audiences, ['https://tessera.example.com/ci']);
    assert.deepEqual(github.algorithms, ['RS256']);
    const k8s = await json(
      'federated-issuers',
      'create',
      '--name',
      'cluster',
      '--kind',
      'kubernetes',
      '--issuer',
      'https://k8s.example.test',
      '--jwks',
      jwksFile,
      '--bearer-token-file',
      '/var/run/secrets/tessera/k8s-token',
      '--max-token-age',
      '600',
    );
    assert.equal(k8s.bearer_token_file, '/var/run/secrets/tessera/k8s-token');
    assert.equal(k8s.max_token_age, 600);

    const list = await ok0('federated-issuers', 'list');
    assert.match(list.stdout, /^ID +NAME +KIND +ISSUER +AUDIENCES$/m);
    assert.match(list.stdout, new RegExp(`^${githubId} +GitHub Actions +oidc +${GITHUB} +https://tessera.example.com/ci$`, 'm'));
    assert.match((await ok0('federated-issuers', 'get', githubId)).stdout, /^require_jti +false$/m);
    const updated = await json('federated-issuers', 'update', githubId, '--require-jti', '--no-audience', '--no-algorithm');
    assert.equal(updated.require_jti, true);
    assert.equal(updated.audiences, null);
    assert.equal(updated.algorithms, null);

    const bad = await cli('federated-issuers', 'create', '--name', 'x', '--issuer', 'https://x.example.test', '--jwks-uri', 'http://169.254.169.254/');
    assert.equal(bad.code, 1);
    assert.equal(
      bad.stderr,
      'tessera: Unprocessable Content: the federated issuer is not valid\n  /jwks_uri: address 169.254.169.254 is link-local (169.254.0.0/16) and not in TESSERA_OUTBOUND_ALLOW\n',
    );
  });

  it('clients create with presets: no secret, one credential per option, the GitHub warning without --repository-id', async () => {
    const res = await cli(
      'clients',
      'create',
      '--client-id',
      'cleanup',
      '--auth-method',
      'federated',
      '--github-actions',
      'acme/cleanup',
      '--kubernetes-service-account',
      'https://k8s.example.test=jobs:cleanup',
      '--json',
    );
    assert.equal(res.code, 0, res.stderr);
    assert.equal(
      res.stderr,
      'warning: --github-actions acme/cleanup without --repository-id: a name can be registered again by someone else after a rename or delete; --repository-id pins the credential to this one (the repository_id claim)\n',
    );
    const client = JSON.parse(res.stdout);
    assert.equal('client_secret' in client, false);
    assert.deepEqual(
      client.federated_credentials.map((c: any) => [c.issuer, c.subject, c.claims]),
      [
        ['https://k8s.example.test', 'system:serviceaccount:jobs:cleanup', {}],
        [GITHUB, 'repo:acme/cleanup:ref:refs/heads/main', {}],
      ],
    );

    const pinned = await cli('clients', 'update', 'cleanup', '--github-actions', 'acme/cleanup:environment:prod', '--repository-id', '892176');
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.equal(pinned.stderr, '', 'no warning with the id');
    assert.match(pinned.stdout, /^federated_credentials$/m);
    assert.match(
      pinned.stdout,
      new RegExp(
        `^  - id=fc_\\w+ issuer_id=${githubId} issuer=${GITHUB} subject=repo:acme/cleanup:environment:prod claims=\\{"repository_id":"892176"\\}$`,
        'm',
      ),
    );
    const got = (await ok0('clients', 'get', 'cleanup')).stdout;
    assert.match(got, /subject=repo:acme\/cleanup:environment:prod/);
    assert.deepEqual(ok(await t.admin('GET', '/clients/cleanup')).federated_credentials.length, 1, 'update replaced the list');

    const explicit = await json(
      'clients',
      'update',
      'cleanup',
      '--federated-credential',
      `${githubId}=*,environment=prod,environment=staging,repository_id=892176`,
    );
    assert.deepEqual(explicit.federated_credentials[0].claims, { environment: ['prod', 'staging'], repository_id: '892176' });
    assert.deepEqual((await json('clients', 'update', 'cleanup', '--no-federated-credential')).federated_credentials, []);

    const overlap = await cli('clients', 'create', '--client-id', 'other', '--federated-credential', `${GITHUB}=*,repository_id=892176`);
    assert.equal(overlap.code, 0, overlap.stderr);
    const clash = await cli('clients', 'create', '--client-id', 'clash', '--github-actions', 'acme/cleanup', '--repository-id', '892176');
    assert.equal(clash.code, 1);
    assert.equal(
      clash.stderr,
      'tessera: Conflict: federated credential 0 could match the same tokens as a federated credential of client "other"; a token must name one client\n',
    );
  });

  it('wrong usage is exit 2: a malformed preset, an id without its preset', async () => {
    const malformed = await cli('clients', 'create', '--github-actions', 'cleanup');
    assert.equal(malformed.code, 2);
    assert.equal(malformed.stderr, 'tessera: --github-actions cleanup: expected OWNER/REPO[:CONTEXT]\n');
    const lonely = await cli('clients', 'create', '--repository-id', '1');
    assert.equal(lonely.code, 2);
    assert.equal(lonely.stderr, 'tessera: --repository-id and --github-issuer go with --github-actions\n');
  });

  it('federated-issuers delete is refused while a credential names the issuer, then deletes it', async () => {
    const refused = await cli('federated-issuers', 'delete', githubId);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `tessera: Conflict: federated issuer "${githubId}" is named by federated credentials of clients "other"; remove them first\n`);
    await ok0('clients', 'delete', 'other');
    assert.equal((await ok0('federated-issuers', 'delete', githubId)).stdout, `deleted federated issuer ${githubId}\n`);
  });
});
