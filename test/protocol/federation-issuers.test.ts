import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { manualClock, type ManualClock } from '../helpers/admin.js';
import { JWT_BEARER } from '../helpers/assertions.js';
import { describeEachDialect } from '../helpers/dialects.js';
import {
  FEDERATION_TEST_ENV,
  githubActionsClaims,
  gitlabCiClaims,
  kubernetesClaims,
  spiffeSvidClaims,
  startKubernetesIssuer,
  startOidcIssuer,
  startSpiffeBundle,
  type KubernetesIssuer,
  type TestIssuer,
} from '../helpers/federated-issuers.js';
import { assertInvalidGrant, inlineIssuer, JWT_BEARER_GRANT, JWT_SPIFFE, trust } from '../helpers/federation.js';
import { createClient } from '../helpers/fixtures.js';
import { assertInvalidClient } from '../helpers/private-key-jwt.js';
import { startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://orders.test';
const HOUR_MS = 3_600_000;

/** Asserts an access token issued to `clientId`. */
function assertTokenOf(res: HttpResult, clientId: string, why: string): void {
  assert.equal(res.status, 200, `${why}: ${res.text}`);
  assert.equal(decodeJwt(res.body.access_token).client_id, clientId, why);
}

describeEachDialect('token endpoint: platform tokens of issuers served over HTTP (discovery, jwks_uri, Kubernetes bearer, SPIFFE bundle)', (dialect) => {
  let t: TestTessera;
  let clock: ManualClock;
  let github: TestIssuer;
  let gitlab: TestIssuer;
  let kubernetes: KubernetesIssuer;
  /** A managed cluster's: tokens say https://kubernetes.default.svc, discovery is elsewhere. */
  let managed: KubernetesIssuer;
  let spiffe: TestIssuer;
  let bystander: TestIssuer;

  const asClientAssertion = (token: string, type = JWT_BEARER) =>
    t.form('/oauth2/token', { grant_type: 'client_credentials', client_assertion_type: type, client_assertion: token });
  const asGrant = (token: string) => t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: token });

  before(async () => {
    clock = manualClock('2030-01-01T00:00:00.000Z');
    t = await startTessera({ dialect, clock, env: FEDERATION_TEST_ENV });
    [github, gitlab, kubernetes, spiffe, bystander] = await Promise.all([
      startOidcIssuer({ alg: 'RS256', clock }),
      startOidcIssuer({ alg: 'ES384', clock, discovery: false }),
      startKubernetesIssuer({ clock }),
      startSpiffeBundle({ clock }),
      startOidcIssuer({ clock }),
    ]);
    managed = await startKubernetesIssuer({ clock, issuer: 'https://kubernetes.default.svc' });
    for (const clientId of ['deployer', 'gitlab-app', 'pod', 'managed-pod', 'svid', 'bystanding'])
      await createClient(t, { client_id: clientId, audience: [AUD] });
    const issuers = [
      inlineIssuer('default', github.issuer, [], { jwks: null }),
      inlineIssuer('default', gitlab.issuer, [], { jwks: null, jwksUri: gitlab.jwksUri }),
      inlineIssuer('default', kubernetes.issuer, [], { jwks: null, kind: 'kubernetes', bearerTokenFile: kubernetes.bearerTokenFile }),
      inlineIssuer('default', spiffe.issuer, [], { jwks: null, kind: 'spiffe', jwksUri: spiffe.jwksUri }),
      inlineIssuer('default', bystander.issuer, [], { jwks: null }),
      inlineIssuer('default', managed.issuer, [], {
        jwks: null,
        kind: 'kubernetes',
        discoveryUrl: managed.discoveryUrl,
        bearerTokenFile: managed.bearerTokenFile,
      }),
    ];
    await trust(t, 'default', issuers, {
      deployer: [{ issuer: github.issuer, subject: 'repo:acme/cleanup:ref:refs/heads/main', claims: { repository_id: '892176' } }],
      'gitlab-app': [{ issuer: gitlab.issuer, subject: 'project_path:acme/app:ref_type:branch:ref:main', claims: { project_id: '42' } }],
      pod: [{ issuer: kubernetes.issuer, subject: 'system:serviceaccount:prod:api' }],
      svid: [{ issuer: spiffe.issuer, subject: 'spiffe://example.org/ns/prod/sa/cleanup' }],
      bystanding: [{ issuer: bystander.issuer, subject: 'anyone' }],
      'managed-pod': [{ issuer: managed.issuer, subject: 'system:serviceaccount:prod:api' }],
    });
  });
  after(async () => {
    await Promise.all([github, gitlab, kubernetes, managed, spiffe, bystander].map((i) => i.close()));
    await t.close();
  });

  it('GitHub-like (OIDC discovery), GitLab-like (jwks_uri, ES384), Kubernetes-like (bearer) and SPIFFE tokens, both ways', async () => {
    assertTokenOf(await asClientAssertion(await github.mint(githubActionsClaims({ aud: t.publicUrl }))), 'deployer', 'GitHub as client assertion');
    assertTokenOf(await asGrant(await github.mint(githubActionsClaims({ aud: t.publicUrl }))), 'deployer', 'GitHub as grant');
    const gitlabToken = () => gitlab.mint(gitlabCiClaims({ aud: t.publicUrl, projectPath: 'acme/app', projectId: '42' }));
    assertTokenOf(await asClientAssertion(await gitlabToken()), 'gitlab-app', 'GitLab as client assertion');
    assertTokenOf(await asGrant(await gitlabToken()), 'gitlab-app', 'GitLab as grant');
    const podToken = () => kubernetes.mint(kubernetesClaims({ aud: t.publicUrl, namespace: 'prod', serviceAccount: 'api' }));
    assertTokenOf(await asClientAssertion(await podToken()), 'pod', 'Kubernetes as client assertion');
    assertTokenOf(await asGrant(await podToken()), 'pod', 'Kubernetes as grant');
    const svid = () => spiffe.mint(spiffeSvidClaims({ aud: t.publicUrl }));
    assertTokenOf(await asClientAssertion(await svid(), JWT_SPIFFE), 'svid', 'SPIFFE as jwt-spiffe client assertion');
    assertTokenOf(await asGrant(await svid()), 'svid', 'SPIFFE as grant');
    const managedToken = await managed.mint(kubernetesClaims({ aud: t.publicUrl, namespace: 'prod', serviceAccount: 'api' }));
    assert.equal(decodeJwt(managedToken).iss, 'https://kubernetes.default.svc');
    assertTokenOf(await asClientAssertion(managedToken), 'managed-pod', 'a managed cluster: discovery_url on another host than iss');
    // The Kubernetes issuer's bearer token went to its own server only.
    assert.ok(kubernetes.requests.every((r) => r.authorization === `Bearer ${kubernetes.bearerToken}`));
    for (const other of [github, gitlab, spiffe]) assert.ok(other.requests.every((r) => r.authorization === undefined));
  });

  it('an unknown kid waits for one refetch, at most one per issuer per 30 s (counted at the issuer), then a rotated key works', async () => {
    assertTokenOf(await asGrant(await bystander.mint({ sub: 'anyone', aud: t.publicUrl })), 'bystanding', 'the first fetch');
    const fetched = bystander.keyFetches();
    const unknownKid = () => bystander.mint({ sub: 'anyone', aud: t.publicUrl }, { kid: 'not-published' });
    assertInvalidGrant(await asGrant(await unknownKid()), 'unknown kid');
    assert.equal(bystander.keyFetches(), fetched + 1, 'one refetch');
    assertInvalidClient(await asClientAssertion(await unknownKid()), 'unknown kid again');
    assertInvalidGrant(await asGrant(await unknownKid()), 'and again');
    assert.equal(bystander.keyFetches(), fetched + 1, 'no more within 30 s');
    await bystander.rotate();
    clock.advance(30_000);
    assertTokenOf(await asGrant(await bystander.mint({ sub: 'anyone', aud: t.publicUrl })), 'bystanding', 'the rotated key, after one refetch');
    assert.equal(bystander.keyFetches(), fetched + 2);
  });

  it('while the issuer is down its last keys keep working, until they are 24 h old', async () => {
    const token = () => github.mint(githubActionsClaims({ aud: t.publicUrl }));
    assertTokenOf(await asGrant(await token()), 'deployer', 'keys cached');
    github.setDown(true);
    clock.advance(23 * HOUR_MS);
    assertTokenOf(await asGrant(await token()), 'deployer', 'down for 23 h');
    clock.advance(2 * HOUR_MS);
    assertInvalidGrant(await asGrant(await token()), 'down for 25 h');
    const line = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).findLast((l) => l.msg === 'request completed');
    assert.match(String(line?.detail), /refused: keys of federated issuer fi_\w+ unavailable: /);
    github.setDown(false);
    clock.advance(31_000);
    assertTokenOf(await asGrant(await token()), 'deployer', 'back up');
  });
});

describe('token endpoint: no federated issuer, no change', () => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera();
  });
  after(() => t.close());

  it('a jwt-bearer grant whose assertion no federated issuer made is invalid_grant; a jwt-spiffe assertion is invalid_client', async () => {
    const issuer = await startOidcIssuer();
    try {
      const token = await issuer.mint({ sub: 'x', aud: t.publicUrl });
      assertInvalidGrant(await t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: token }), 'no federated issuer');
      assertInvalidClient(
        await t.form('/oauth2/token', { grant_type: 'client_credentials', client_assertion_type: JWT_SPIFFE, client_assertion: token }),
        'jwt-spiffe without a spiffe issuer',
      );
    } finally {
      await issuer.close();
    }
  });
});
