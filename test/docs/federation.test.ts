import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describeEachDialect } from '../helpers/dialects.js';
import { assertLikeDocumented, docBlock, docJson, substitute, workflowStep } from '../helpers/docs.js';
import {
  FEDERATION_TEST_ENV,
  githubActionsClaims,
  kubernetesClaims,
  serveGithubJobTokens,
  spiffeSvidClaims,
  startKubernetesIssuer,
  startOidcIssuer,
  startSpiffeBundle,
  type TestIssuer,
} from '../helpers/federated-issuers.js';
import { tesseraOnPath } from '../helpers/process.js';
import { sh } from '../helpers/shell.js';
import { decodeJwt, startTessera, type TestTessera } from '../helpers/tessera.js';

const GUIDE = 'docs/federation.md';
const GITHUB = 'https://token.actions.githubusercontent.com';
const KUBERNETES = 'https://kubernetes.default.svc.cluster.local';

describeEachDialect("docs/federation.md's recipes, run as written: tokens with no secret", (dialect) => {
  let t: TestTessera;
  let dir: string;
  const issuers: TestIssuer[] = [];
  /** A recipe's shell block run as a reader runs it, with the admin CLI configured and `tessera` on the PATH. */
  const run = (script: string, env: Record<string, string> = {}) =>
    sh(script, { cwd: dir, env: { PATH: tesseraOnPath(dir), TESSERA_ADMIN_URL: t.adminUrl, TESSERA_ADMIN_TOKEN: t.adminToken, ...env } });
  /** Asserts that `token` is an access token of the tenant at `issuer`, for `clientId` and `audience`; answers its claims. */
  const assertTokenOf = async (token: string, clientId: string, audience: string, issuer = t.publicUrl) => {
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)), { issuer, audience, typ: 'at+jwt' });
    assert.equal(payload.client_id, clientId);
    return payload;
  };
  const noSecretOf = async (clientId: string, tenant = '') => {
    const client = await t.admin('GET', `${tenant}/clients/${clientId}`);
    assert.equal(client.status, 200);
    assert.equal(client.body.token_endpoint_auth_method, 'federated');
    assert.deepEqual(client.body.client_secrets ?? [], [], 'no secret exists');
  };

  before(async () => {
    // The simulated platforms are on 127.0.0.1, as an in-cluster API server is on a private address: allowed by name.
    t = await startTessera({ dialect, env: FEDERATION_TEST_ENV });
    dir = mkdtempSync(join(tmpdir(), 'tessera-docs-federation-'));
  });
  after(async () => {
    await Promise.all(issuers.map((issuer) => issuer.close()));
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GitHub Actions: the registration, then the workflow step fetches the job token and gets a Tessera token', async () => {
    // GitHub's issuer as Tessera sees it: tokens with its iss, keys at the address the recipe names (here on 127.0.0.1).
    const github = await startOidcIssuer({ issuer: GITHUB, alg: 'RS256' });
    issuers.push(github);
    await run(substitute(docBlock(GUIDE, '### 1. Register GitHub, and the client'), [[`${GITHUB}/.well-known/jwks`, github.jwksUri]]));
    await noSecretOf('cleanup');

    // GitHub's token service for the job: ACTIONS_ID_TOKEN_REQUEST_URL, with ACTIONS_ID_TOKEN_REQUEST_TOKEN as bearer.
    const { env: jobEnv, minted } = serveGithubJobTokens(github, (aud) =>
      githubActionsClaims({ aud, repository: 'acme/cleanup', repositoryId: '892176', workflow: 'cleanup' }),
    );
    const workflow = docBlock(GUIDE, '### 2. The workflow', 'yaml');
    assert.match(workflow, /\npermissions:\n {2}id-token: write\n/, 'the workflow may ask for an OIDC token');
    const githubEnv = join(dir, 'github-env');
    writeFileSync(githubEnv, '');
    const stdout = await run(substitute(workflowStep(workflow, 'Get a Tessera token'), [['https://auth.example.com', t.publicUrl]]), {
      ...jobEnv,
      GITHUB_ENV: githubEnv,
    });

    assert.equal(minted.length, 1);
    assert.equal(decodeJwt(minted[0]!).payload.aud, t.publicUrl, "the job asked GitHub for a token with Tessera's issuer as audience");
    const exported = /^ACCESS_TOKEN=(\S+)\n$/.exec(readFileSync(githubEnv, 'utf8'));
    assert.ok(exported, 'the step exports the access token to the next steps');
    assert.equal(stdout, `::add-mask::${exported[1]}\n`, 'and masks it in the log');
    const claims = await assertTokenOf(exported[1]!, 'cleanup', 'https://cleanup.example.com/');
    assert.equal(claims.scope, 'cleanup:run');
    assert.ok(claims.exp! <= decodeJwt(minted[0]!).payload.exp, "the token expires no later than the job's");
  });

  it("Kubernetes: the cluster behind a bearer token, the client, then the pod's one line and its curl equivalent", async () => {
    // As kubernetes.default.svc serves it: discovery and keys behind Tessera's own service account token, the
    // document's issuer the tokens' iss rather than its own address.
    const cluster = await startKubernetesIssuer({ issuer: KUBERNETES });
    issuers.push(cluster);
    const clusterAddresses = [
      ['https://kubernetes.default.svc/.well-known/openid-configuration', cluster.discoveryUrl],
      ['/var/run/secrets/kubernetes.io/serviceaccount/token', cluster.bearerTokenFile],
    ] as const;
    await run(substitute(docBlock(GUIDE, '### 2. Register the cluster'), clusterAddresses));
    assert.equal((await t.admin('POST', '/tenants', { id: 'curl' })).status, 201);
    const viaApi = JSON.parse(
      await run(substitute(docBlock(GUIDE, 'The same through the admin API:'), [...clusterAddresses, ['http://127.0.0.1:4445', `${t.adminUrl}/tenants/curl`]])),
    );
    assert.equal(viaApi.kind, 'kubernetes', JSON.stringify(viaApi));
    assert.deepEqual([viaApi.issuer, viaApi.discovery_url, viaApi.bearer_token_file], [KUBERNETES, cluster.discoveryUrl, cluster.bearerTokenFile]);
    await run(docBlock(GUIDE, '### 3. The client'));
    await noSecretOf('inventory-sync');

    // The pod spec's projected token: its audience and where the pod finds it.
    const pod = docBlock(GUIDE, "### 1. The pod's token", 'yaml');
    const podSpec = (field: string) => new RegExp(`\\n\\s+${field}: (\\S+)\\n`).exec(pod)?.[1];
    const tokenPath = `${podSpec('mountPath')}/${podSpec('path')}`;
    assert.deepEqual([podSpec('audience'), tokenPath, podSpec('expirationSeconds')], ['https://auth.example.com', '/var/run/secrets/tokens/tessera', '3600']);
    const projected = join(dir, 'projected-token');
    const claims = kubernetesClaims({ aud: t.publicUrl, namespace: 'inventory', serviceAccount: 'sync', pod: 'inventory-sync' });
    // Issued a quarter of an hour ago, for an hour: 2,700 s left, as in the page's example answer.
    const iat = Math.floor(Date.now() / 1000) - 900;
    writeFileSync(projected, await cluster.mint(claims, { iat, expiresIn: 3600 }));
    const inPod = [
      ['https://auth.example.com', t.publicUrl],
      [tokenPath, projected],
    ] as const;

    const oneLine = await run(substitute(docBlock(GUIDE, 'In the pod, one line (the `tessera` command of the npm package):'), inPod));
    const issued = await assertTokenOf(oneLine.trim(), 'inventory-sync', 'https://inventory.example.com/');
    assert.equal(issued.scope, 'inventory:write');
    const viaCurl = JSON.parse(await run(substitute(docBlock(GUIDE, 'The same request with curl:'), inPod)));
    // The page's example answer and claims, but for the token's id, times and the issuer's address.
    assertLikeDocumented(viaCurl, docJson(GUIDE, '### The issued token', 'For the pod of the'), ['/access_token', '/expires_in']);
    assert.ok(viaCurl.expires_in <= 2700 && viaCurl.expires_in > 2600, `expires_in ${viaCurl.expires_in}: the pod's token's remaining life`);
    const payload = await assertTokenOf(viaCurl.access_token, 'inventory-sync', 'https://inventory.example.com/');
    assertLikeDocumented(payload, docJson(GUIDE, '### The issued token', 'and the access token carries'), ['/iss', '/exp', '/iat', '/jti']);
    assert.equal(payload.exp, iat + 3600, "its exp is the pod's token's");

    const fetched = cluster.requests;
    assert.ok(fetched.length >= 2, 'the discovery document and the key set were fetched');
    for (const request of fetched) assert.equal(request.authorization, `Bearer ${cluster.bearerToken}`, "every fetch carried the file's token");
  });

  it("SPIRE: the trust domain by its bundle endpoint, the client, then the agent's JWT-SVID as a jwt-spiffe assertion", async () => {
    const bundle = await startSpiffeBundle({ trustDomain: 'example.org' });
    issuers.push(bundle);
    await run(substitute(docBlock(GUIDE, '## SPIRE'), [['https://spire-bundle.example.org:8443', bundle.jwksUri]]));
    await noSecretOf('billing-api');

    // The agent of the workload: `spire-agent api fetch jwt` prints the SVID on its second line, after a tab.
    const spiffeId = 'spiffe://example.org/ns/billing/sa/api';
    const svid = await bundle.mint(spiffeSvidClaims({ aud: t.publicUrl, spiffeId }));
    const agent = [
      '#!/bin/sh',
      `[ "$*" = "api fetch jwt -audience ${t.publicUrl} -socketPath /run/spire/sockets/agent.sock" ] || exit 1`,
      `printf 'token(${spiffeId}):\\n\\t%s\\nbundle(spiffe://example.org):\\n\\t{"keys":[]}\\n' '${svid}'`,
    ];
    writeFileSync(join(dir, 'spire-agent'), `${agent.join('\n')}\n`, { mode: 0o755 });
    const answer = JSON.parse(
      await run(
        substitute(docBlock(GUIDE, "In the workload (the second line of the agent's answer is the token):"), [['https://auth.example.com', t.publicUrl]]),
      ),
    );
    assert.equal(answer.token_type, 'Bearer', JSON.stringify(answer));
    const claims = await assertTokenOf(answer.access_token, 'billing-api', 'https://billing.example.com/');
    assert.equal(claims.scope, 'invoices:read');
  });

  it("Tessera to Tessera: tenant a's client, tenant a trusted by tenant b, then a's token buys b's", async () => {
    for (const id of ['a', 'b']) assert.equal((await t.admin('POST', '/tenants', { id })).status, 201);
    const here = [['https://auth.example.com', t.publicUrl]] as const;
    const created = await run(substitute(docBlock(GUIDE, "In tenant `a`, the client's audience is tenant `b`'s issuer:"), here));
    const secret = /^client_secret\s+(\S+)$/m.exec(created)?.[1];
    assert.ok(secret, created);
    await run(substitute(docBlock(GUIDE, 'In tenant `b`, tenant `a` is an issuer whose tokens must be meant for `b`, and a client takes'), here));
    await noSecretOf('reporter-in-b', '/tenants/b');
    const answer = JSON.parse(await run(substitute(docBlock(GUIDE, 'Then a token of `a` is the assertion at `b`:'), here), { TESSERA_CLIENT_SECRET: secret }));
    assert.equal(answer.token_type, 'Bearer', JSON.stringify(answer));
    await assertTokenOf(answer.access_token, 'reporter-in-b', 'https://reports.example.com/', `${t.publicUrl}/t/b`);
  });
});
