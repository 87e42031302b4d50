import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { loadConfig } from '../../src/app/config.js';
import { createDocumentFetcher } from '../../src/app/outbound.js';
import { readTokenFile } from '../../src/app/token-file.js';
import { FederatedKeys } from '../../src/domain/federation/issuer-keys.js';
import type { FederatedIssuer } from '../../src/domain/federation/model.js';
import { VERIFY_JWS_ALGS } from '../../src/lib/public-jwk.js';
import { manualClock } from '../helpers/admin.js';
import {
  federatedIssuerRecord,
  githubActionsClaims,
  gitlabCiClaims,
  kubernetesClaims,
  spiffeSvidClaims,
  startKubernetesIssuer,
  startOidcIssuer,
  startSpiffeBundle,
  type TestIssuer,
} from '../helpers/federated-issuers.js';

const AUD = 'https://tessera.test/t/acme';

function federatedKeys(): FederatedKeys {
  const documents = createDocumentFetcher(loadConfig({ TESSERA_OUTBOUND_ALLOW: '127.0.0.1' }), { port: 1 }, pino({ level: 'silent' }));
  return new FederatedKeys({ clock: manualClock(), documents, readFile: readTokenFile });
}

function issuerOf(issuer: TestIssuer, settings: Partial<FederatedIssuer>): FederatedIssuer {
  return federatedIssuerRecord(issuer, { id: `fi_${Math.random().toString(36).slice(2)}`, ...settings });
}

/** Verifies a minted token with the keys FederatedKeys fetched for it, as the token path will. */
async function verifiedClaims(keys: readonly JWK[], token: string): Promise<Record<string, unknown>> {
  const alg = decodeProtectedHeader(token).alg;
  // jose's key sets take `use: "sig"` only: a SPIFFE key's `jwt-svid` is read as a signing use, as the token path must.
  const asSig = keys.map((k) => (k.use === 'jwt-svid' ? { ...k, use: 'sig' } : k));
  return (await jwtVerify(token, createLocalJWKSet({ keys: asSig }), { algorithms: alg ? [alg] : [] })).payload;
}

describe('test issuers: tokens with the platforms’ claim shapes, verified with the keys Tessera fetches', () => {
  const started: TestIssuer[] = [];
  after(async () => {
    await Promise.all(started.map((i) => i.close()));
  });

  it('an OIDC issuer mints with every algorithm Tessera verifies, and its discovered keys pass the gate', async () => {
    const keys = federatedKeys();
    for (const alg of VERIFY_JWS_ALGS) {
      const issuer = await startOidcIssuer({ alg });
      started.push(issuer);
      const fetched = await keys.keysFor(issuerOf(issuer, {}), { kid: 'key-1' });
      const claims = await verifiedClaims(fetched, await issuer.mint({ sub: 'workload', aud: AUD }));
      assert.equal(claims.iss, issuer.issuer, alg);
      assert.equal(claims.sub, 'workload');
      assert.equal(claims.exp, (claims.iat as number) + 300);
      assert.equal(claims.nbf, claims.iat);
    }
  });

  it('GitHub Actions and GitLab CI tokens carry their real claims', async () => {
    const keys = federatedKeys();
    const github = await startOidcIssuer({ alg: 'RS256' });
    started.push(github);
    const fetched = await keys.keysFor(issuerOf(github, {}), { kid: undefined });
    const gh = await verifiedClaims(fetched, await github.mint(githubActionsClaims({ aud: AUD, repository: 'acme/cleanup', repositoryId: '892176' })));
    assert.equal(gh.sub, 'repo:acme/cleanup:ref:refs/heads/main');
    assert.equal(gh.repository_id, '892176');
    assert.equal(gh.job_workflow_ref, 'acme/cleanup/.github/workflows/ci.yml@refs/heads/main');
    assert.equal(gh.aud, AUD);
    assert.equal(githubActionsClaims({ aud: AUD, environment: 'prod' }).sub, 'repo:acme/cleanup:environment:prod');
    const gitlab = gitlabCiClaims({ aud: AUD, projectPath: 'group/sub/project' });
    assert.equal(gitlab.sub, 'project_path:group/sub/project:ref_type:branch:ref:main');
    assert.equal(gitlab.namespace_path, 'group/sub');
  });

  it('a Kubernetes issuer answers 401 without its bearer token, and mints projected service account tokens', async () => {
    const cluster = await startKubernetesIssuer();
    started.push(cluster);
    const res = await fetch(cluster.discoveryUrl);
    assert.equal(res.status, 401);
    const fetched = await federatedKeys().keysFor(issuerOf(cluster, { kind: 'kubernetes', bearerTokenFile: cluster.bearerTokenFile }), { kid: undefined });
    const claims = await verifiedClaims(fetched, await cluster.mint(kubernetesClaims({ aud: AUD, namespace: 'prod', serviceAccount: 'cleanup' })));
    assert.equal(claims.sub, 'system:serviceaccount:prod:cleanup');
    assert.deepEqual(claims.aud, [AUD]);
    assert.equal((claims['kubernetes.io'] as { namespace: string }).namespace, 'prod');
    assert.equal(decodeProtectedHeader(await cluster.mint({})).alg, 'RS256');
  });

  it('a SPIFFE bundle’s keys lack alg; its JWT-SVIDs have no iss', async () => {
    const bundle = await startSpiffeBundle({ trustDomain: 'example.org' });
    started.push(bundle);
    const fetched = await federatedKeys().keysFor(issuerOf(bundle, { kind: 'spiffe', jwksUri: bundle.jwksUri }), { kid: bundle.currentKid() });
    const claims = await verifiedClaims(fetched, await bundle.mint(spiffeSvidClaims({ aud: AUD })));
    assert.equal(claims.iss, undefined);
    assert.equal(claims.sub, 'spiffe://example.org/ns/prod/sa/cleanup');
    assert.equal(bundle.issuer, 'spiffe://example.org');
  });

  it('mints the forgeries a verifier must refuse: unsigned, HMAC keyed with the public key, another kid', async () => {
    const issuer = await startOidcIssuer({ alg: 'RS256' });
    started.push(issuer);
    const none = await issuer.mint({ sub: 's' }, { alg: 'none' });
    assert.deepEqual(decodeProtectedHeader(none), { typ: 'JWT', kid: 'key-1', alg: 'none' });
    assert.ok(none.endsWith('.'));
    assert.equal(decodeProtectedHeader(await issuer.mint({ sub: 's' }, { alg: 'HS256' })).alg, 'HS256');
    assert.equal(decodeProtectedHeader(await issuer.mint({ sub: 's' }, { kid: null })).kid, undefined);
    await issuer.rotate();
    assert.equal(issuer.currentKid(), 'key-2');
    assert.deepEqual(
      issuer.jwks().keys.map((k) => k.kid),
      ['key-2'],
    );
  });
});
