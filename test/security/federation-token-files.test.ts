import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDialect } from '../helpers/dialects.js';
import { federatedIssuerRecord, startKubernetesIssuer, type KubernetesIssuer } from '../helpers/federated-issuers.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

describeEachDialect('token files a kubernetes issuer may send', (dialect) => {
  let t: TestTessera;
  let cluster: KubernetesIssuer;

  before(async () => {
    cluster = await startKubernetesIssuer();
    // Only the cluster's token file is listed: any other file on this machine stays here.
    t = await startTessera({ dialect, env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1', TESSERA_FEDERATION_TOKEN_FILES: cluster.bearerTokenFile } });
  });
  after(async () => {
    await t.close();
    await cluster.close();
  });

  it('sends a listed file’s token to the issuer', async () => {
    const keys = await t.server.deps.federatedKeys.keysFor(
      federatedIssuerRecord(cluster, { id: 'fi_listed', kind: 'kubernetes', bearerTokenFile: cluster.bearerTokenFile }),
      {
        kid: undefined,
      },
    );
    assert.equal(keys.length, 1);
  });

  it('never reads a file the operator did not list, even for an issuer already registered, and asks the issuer nothing', async () => {
    const before = cluster.requests.length;
    await assert.rejects(
      t.server.deps.federatedKeys.keysFor(federatedIssuerRecord(cluster, { id: 'fi_unlisted', kind: 'kubernetes', bearerTokenFile: '/etc/hostname' }), {
        kid: undefined,
      }),
      { message: 'bearer_token_file /etc/hostname cannot be read (not listed in TESSERA_FEDERATION_TOKEN_FILES)' },
    );
    assert.equal(cluster.requests.length, before);
  });

  it('refuses to register an issuer that names an unlisted file (422)', async () => {
    const res = await t.admin('POST', '/federated-issuers', {
      name: 'cluster',
      kind: 'kubernetes',
      issuer: cluster.issuer,
      bearer_token_file: '/var/run/secrets/kubernetes.io/serviceaccount/token',
    });
    assert.equal(res.status, 422);
    assert.deepEqual(res.body.errors, [
      { pointer: '/bearer_token_file', detail: 'is not among the token files the operator allows to be sent (TESSERA_FEDERATION_TOKEN_FILES)' },
    ]);
  });
});
