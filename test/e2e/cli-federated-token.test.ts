import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { decodeJwt } from 'jose';
import { systemClock } from '../../src/lib/clock.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { inlineIssuer, platformToken, trust } from '../helpers/federation.js';
import { createClient } from '../helpers/fixtures.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { runCli } from '../helpers/process.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const KUBERNETES = 'https://kubernetes.default.svc.cluster.local';
const SVID = 'spiffe://example.org/ns/prod/sa/api';

describeEachDialect('CLI: tessera token --assertion-file (a platform token, no secret)', (dialect) => {
  let t: TestTessera;
  let key: TestKey;
  let spiffe: TestKey;
  let dir: string;
  /** Writes a platform token where a pod would find it. */
  const tokenFile = async (claims: Record<string, unknown>, signer: TestKey = key) => {
    const path = join(dir, `token-${Math.random().toString(36).slice(2)}`);
    writeFileSync(path, `${await platformToken(signer, systemClock, claims)}\n`);
    return path;
  };
  const cli = (...args: string[]) => runCli(['token', '--issuer', t.publicUrl, ...args], {});

  before(async () => {
    t = await startTessera({ dialect });
    [key, spiffe] = await Promise.all([testKey('ES256', 'k8s-1'), testKey('ES256', 'svid-1')]);
    dir = mkdtempSync(join(tmpdir(), 'tessera-cli-federated-'));
    await createClient(t, { client_id: 'pod', audience: ['https://orders.test'] });
    await createClient(t, { client_id: 'svid', audience: ['https://orders.test'] });
    await trust(
      t,
      'default',
      [inlineIssuer('default', KUBERNETES, [key], { kind: 'kubernetes' }), inlineIssuer('default', 'spiffe://example.org', [spiffe], { kind: 'spiffe' })],
      {
        pod: [{ issuer: KUBERNETES, subject: 'system:serviceaccount:prod:api' }],
        svid: [{ issuer: 'spiffe://example.org', subject: SVID }],
      },
    );
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the file as client assertion (default) or as the jwt-bearer grant, with or without --client-id', async () => {
    const file = await tokenFile({ iss: KUBERNETES, sub: 'system:serviceaccount:prod:api', aud: t.publicUrl });
    for (const args of [[], ['--client-id', 'pod'], ['--grant', 'jwt-bearer'], ['--grant', 'jwt-bearer', '--client-id', 'pod']]) {
      const res = await cli('--assertion-file', file, ...args);
      assert.equal(res.code, 0, `${args.join(' ')}: ${res.stderr}`);
      assert.equal(decodeJwt(res.stdout.trim()).client_id, 'pod', args.join(' '));
    }
    const svid = await tokenFile({ sub: SVID, aud: t.publicUrl }, spiffe);
    const res = await cli('--assertion-file', svid, '--assertion-type', 'jwt-spiffe');
    assert.equal(res.code, 0, res.stderr);
    assert.equal(decodeJwt(res.stdout.trim()).client_id, 'svid');
  });

  it('a refused token is exit 4 either way; a missing file or mixed credentials are wrong usage (2)', async () => {
    const stranger = await tokenFile({ iss: KUBERNETES, sub: 'system:serviceaccount:prod:other', aud: t.publicUrl });
    const asAssertion = await cli('--assertion-file', stranger);
    assert.deepEqual([asAssertion.code, asAssertion.stderr], [4, 'tessera: invalid_client: Client authentication failed.\n']);
    const asGrant = await cli('--assertion-file', stranger, '--grant', 'jwt-bearer');
    assert.deepEqual([asGrant.code, asGrant.stderr], [4, 'tessera: invalid_grant: The assertion is not valid.\n']);
    const missing = await cli('--assertion-file', join(dir, 'nope'));
    assert.deepEqual([missing.code, missing.stderr], [2, `tessera: --assertion-file ${join(dir, 'nope')}: cannot read it (ENOENT)\n`]);
    const mixed = await cli('--assertion-file', stranger, '--client-id', 'pod', '--client-secret', 's');
    assert.deepEqual([mixed.code, mixed.stderr], [2, 'tessera: give one of --client-secret, --private-key and --assertion-file\n']);
    const noId = await cli('--client-secret', 's');
    assert.deepEqual([noId.code, noId.stderr], [2, 'tessera: give --client-id (only --assertion-file does without it)\n']);
    const grantAlone = await cli('--client-id', 'pod', '--client-secret', 's', '--grant', 'jwt-bearer');
    assert.deepEqual([grantAlone.code, grantAlone.stderr], [2, 'tessera: --assertion-type and --grant go with --assertion-file\n']);
  });
});
