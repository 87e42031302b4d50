import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { ADMIN_API_IDENTIFIER, ADMIN_SCOPE_DESCRIPTIONS, ADMIN_SCOPES, type AdminScope } from '../../src/domain/admin-scopes.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { codeIn, docBlock, docJson, docTable, substitute, transcriptOf, workflowStep } from '../helpers/docs.js';
import {
  FEDERATION_TEST_ENV,
  githubActionsClaims,
  kubernetesClaims,
  serveGithubJobTokens,
  startKubernetesIssuer,
  startOidcIssuer,
  type TestIssuer,
} from '../helpers/federated-issuers.js';
import { assertInsufficientScope } from '../helpers/admin.js';
import { tesseraOnPath } from '../helpers/process.js';
import { sh, shTranscript } from '../helpers/shell.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const SECURITY = 'docs/security.md';
const API = 'docs/api.md';
const GITHUB = 'https://token.actions.githubusercontent.com';
const KUBERNETES = 'https://kubernetes.default.svc.cluster.local';
/** The addresses the recipes name: the admin listener on the server's machine, behind a proxy, and the public listener. */
const LOCAL_ADMIN = 'http://127.0.0.1:4445';
const PROXIED_ADMIN = 'https://tessera-admin.example.com';
const PUBLIC = 'https://auth.example.com';

/** A route of api.md's scope table: `GET /clients/{client_id}`, the scope it needs (`authenticated`: any valid token) and whether a tenant-limited caller is refused. */
interface DocumentedRoute {
  readonly route: string;
  readonly scope: AdminScope | 'authenticated';
  readonly global: boolean;
}

/** The rows of api.md's table "Scopes of the admin routes". */
function documentedRoutes(): DocumentedRoute[] {
  return docTable(API, '## Scopes of the admin routes', '| method and path |').map(([route, scope]) => ({
    route: codeIn(route!)!,
    scope: (codeIn(scope!) ?? 'authenticated') as AdminScope | 'authenticated',
    global: scope!.includes('not limited to a tenant'),
  }));
}

/** The routes in the third column of security.md's scope table, by scope. */
function securityTableRoutes(): Map<string, string[]> {
  return new Map(
    docTable(SECURITY, '## Admin scopes', '| scope |').map(([scope, , routes]) => [
      codeIn(scope!)!,
      [...routes!.matchAll(/`([A-Z]+ \/[^`]*)`/g)].map((m) => m[1]!),
    ]),
  );
}

describe("docs/security.md's scope table is the scopes of urn:tessera:admin, and names the routes api.md gives each", () => {
  it('lists every scope, in order, with what it allows', () => {
    const rows = docTable(SECURITY, '## Admin scopes', '| scope |');
    assert.deepEqual(
      rows.map(([scope, allows]) => [codeIn(scope!), allows]),
      ADMIN_SCOPES.map((scope) => [scope, ADMIN_SCOPE_DESCRIPTIONS[scope]]),
    );
  });

  it("names, for each scope, exactly the routes api.md's table says need it (admin: only those needing admin itself)", () => {
    const byScope = securityTableRoutes();
    for (const scope of ADMIN_SCOPES) {
      const needing = documentedRoutes()
        .filter((r) => r.scope === scope)
        .map((r) => r.route);
      assert.deepEqual(byScope.get(scope), needing, scope);
    }
  });
});

describeEachDialect("docs/security.md's admin scopes: api.md's route table is the server's, and the recipes run as written", (dialect) => {
  let t: TestTessera;
  let dir: string;
  const issuers: TestIssuer[] = [];
  /** The CI recipe's admin access token, for the test of what the audit log says of it. */
  let pipelineToken = '';
  /** The environment of an operator's shell: `tessera` on the PATH, the admin API and its unrestricted token; `env` added, `unset` removed. */
  const shellEnv = (env: Record<string, string>, unset: readonly string[] = []) => {
    const all: Record<string, string> = {
      PATH: tesseraOnPath(dir),
      XDG_CONFIG_HOME: join(dir, 'config'),
      TESSERA_ADMIN_URL: t.adminUrl,
      TESSERA_ADMIN_TOKEN: t.adminToken,
      ...env,
    };
    for (const name of unset) delete all[name];
    return all;
  };
  /** A recipe's shell block run as a reader runs it, with the admin CLI configured and `tessera` on the PATH. */
  const run = (script: string, env: Record<string, string> = {}, unset: readonly string[] = []) => sh(script, { cwd: dir, env: shellEnv(env, unset) });
  /** Runs each `$ command` of a transcript block and asserts it prints what the page shows; answers the exit codes. */
  const runTranscript = async (block: string, env: Record<string, string>, addresses: readonly (readonly [string, string])[]) => {
    const codes: number[] = [];
    for (const { command, output } of transcriptOf(block)) {
      const served = await shTranscript(substitute(command, addresses), { cwd: dir, env: shellEnv(env) });
      assert.equal(served.output.trimEnd(), substitute(output, addresses).trimEnd(), command);
      codes.push(served.code);
    }
    return codes;
  };
  /** Verifies an access token of tenant `tenant` for the admin API; answers its claims. */
  const adminAccessToken = async (token: string, tenant: string): Promise<JWTPayload> => {
    const issuer = `${t.publicUrl}/t/${tenant}`;
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`)), {
      issuer,
      audience: ADMIN_API_IDENTIFIER,
      typ: 'at+jwt',
    });
    return payload;
  };
  const adminToken = async (body: Record<string, unknown>): Promise<string> => {
    const res = await t.admin('POST', '/admin-tokens', body);
    assert.equal(res.status, 201, res.text);
    return res.body.token;
  };

  before(async () => {
    t = await startTessera({ dialect, env: FEDERATION_TEST_ENV });
    dir = mkdtempSync(join(tmpdir(), 'tessera-docs-admin-scopes-'));
    for (const id of ['acme', 'globex', 'probe']) assert.equal((await t.admin('POST', '/tenants', { id })).status, 201);
  });
  after(async () => {
    await Promise.all(issuers.map((issuer) => issuer.close()));
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("api.md's table lists every operation of /openapi.json and GET /metrics, and no other route", async () => {
    const doc = (await t.admin('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const served = new Set<string>(['GET /metrics']);
    for (const [path, operations] of Object.entries(doc.paths)) {
      // The tables write a tenant's resources without their prefix; the tenant itself is `/tenants/{tenant}`.
      const written = path.startsWith('/tenants/{tenant}/') ? path.slice('/tenants/{tenant}'.length) : path;
      for (const method of Object.keys(operations)) served.add(`${method.toUpperCase()} ${written}`);
    }
    assert.deepEqual(
      documentedRoutes()
        .map((r) => r.route)
        .sort(),
      [...served].sort(),
    );
  });

  it("each operation of /openapi.json names in its security the scope api.md's table gives it", async () => {
    const doc = (await t.admin('GET', '/openapi.json')).body as { paths: Record<string, Record<string, { security?: { oauth2?: string[] }[] }>> };
    let checked = 0;
    for (const { route, scope } of documentedRoutes()) {
      const [method, path] = route.split(' ') as [string, string];
      for (const at of [path, `/tenants/{tenant}${path}`]) {
        const operation = doc.paths[at]?.[method.toLowerCase()];
        if (operation === undefined) continue;
        const oauth2 = operation.security?.find((requirement) => requirement.oauth2 !== undefined)?.oauth2;
        assert.deepEqual(oauth2, scope === 'authenticated' ? [] : [scope], `${method} ${at}`);
        checked++;
      }
    }
    assert.ok(checked >= documentedRoutes().length - 1, 'every documented route but GET /metrics is an operation');
  });

  it('each route refuses a token without its documented scope with 403 insufficient_scope naming it, at the root and under /tenants/{tenant}', async () => {
    const paths = Object.keys((await t.admin('GET', '/openapi.json')).body.paths as Record<string, unknown>);
    // Two narrow tokens: every route's scope is missing from one of them (no route needs both).
    const configOnly = await adminToken({ name: 'config only', scopes: ['config:read'] });
    const auditOnly = await adminToken({ name: 'audit only', scopes: ['audit:read'] });
    for (const { route, scope } of documentedRoutes()) {
      const [method, path] = route.split(' ') as [string, string];
      const concrete = path.replaceAll(/\{tenant\}/g, 'probe').replaceAll(/\{[a-z_]+\}/g, 'x');
      const forms = paths.includes(`/tenants/{tenant}${path}`) ? [concrete, `/tenants/probe${concrete}`] : [concrete];
      for (const at of forms) {
        const token = scope.startsWith('config:') ? auditOnly : configOnly;
        const res = await t.admin(method, at, method === 'GET' || method === 'DELETE' ? undefined : {}, { token });
        if (scope === 'authenticated') {
          assert.equal(res.status, 200, `${method} ${at}: ${res.text}`);
          continue;
        }
        assertInsufficientScope(res, scope, at);
      }
    }
  });

  it('the routes documented "not limited to a tenant" refuse a tenant-limited admin token, and only those', async () => {
    const limited = await adminToken({ name: 'probe only', tenant: 'probe' });
    for (const { route, global } of documentedRoutes()) {
      const [method, path] = route.split(' ') as [string, string];
      const concrete =
        path.startsWith('/tenants') || path.startsWith('/admin-tokens') || path === '/whoami' || path === '/metrics' ? path : `/tenants/probe${path}`;
      const res = await t.admin(
        method,
        concrete.replaceAll('{tenant}', 'probe').replaceAll(/\{[a-z_]+\}/g, 'x'),
        method === 'GET' || method === 'DELETE' ? undefined : {},
        {
          token: limited,
        },
      );
      const refused = res.status === 403 && res.body?.detail === 'this admin token is limited to tenant probe';
      assert.equal(refused, global, `${route}: ${res.status} ${res.text}`);
    }
  });

  it('No escalation: the refusal the section shows is what a token of acme holding clients:write and grants:write gets granting admin', async () => {
    assert.equal((await t.admin('POST', '/tenants/acme/clients', { client_id: 'escalator' })).status, 201);
    const token = await adminToken({ name: 'clients and grants of acme', tenant: 'acme', scopes: ['clients:write', 'grants:write'] });
    const refused = await t.admin(
      'POST',
      '/tenants/acme/grants',
      { client_id: 'escalator', api_identifier: ADMIN_API_IDENTIFIER, scopes: ['admin'] },
      { token },
    );
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body, docJson(SECURITY, '### No escalation', 'that grants'));
    assert.deepEqual((await t.admin('GET', '/tenants/acme/grants?client_id=escalator')).body.items, [], 'no grant was made');
  });

  it('A read-only auditor: the token reads every tenant and is refused every change, naming the scope it lacks', async () => {
    assert.equal((await t.admin('POST', '/tenants/acme/clients', { client_id: 'billing-worker' })).status, 201);
    const addresses = [[LOCAL_ADMIN, t.adminUrl]] as const;
    const auditor = (await run(`${substitute(docBlock(SECURITY, '### A read-only auditor'), addresses)}\nprintf %s "$AUDITOR_TOKEN"`)).trim();
    const whoami = await t.admin('GET', '/whoami', undefined, { token: auditor });
    assert.deepEqual(whoami.body.scopes, [
      'tenants:read',
      'clients:read',
      'service-accounts:read',
      'apis:read',
      'grants:read',
      'keys:read',
      'federation:read',
      'admin-tokens:read',
      'config:read',
      'audit:read',
    ]);
    assert.equal(whoami.body.tenant, null, 'every tenant');

    const reads = await run(docBlock(SECURITY, 'The auditor reads with it:'), { AUDITOR_TOKEN: auditor });
    for (const seen of ['acme', 'globex', 'billing-worker', 'client.create']) assert.ok(reads.includes(seen), `${seen} in:\n${reads}`);

    const codes = await runTranscript(
      docBlock(SECURITY, 'and is refused every change, with the scope it lacks:', 'text'),
      { TESSERA_ADMIN_TOKEN: auditor },
      addresses,
    );
    assert.deepEqual(codes, [4], 'exit code 4');
    assert.equal((await t.admin('GET', '/tenants/acme/clients/billing-worker')).status, 200, 'the client is still there');
    // The answer the section "Too few scopes" shows is the one the same call gets.
    const refused = await t.admin('DELETE', '/tenants/acme/clients/billing-worker', undefined, { token: auditor });
    const documented = docBlock(SECURITY, '### Too few scopes', '');
    assert.equal(refused.headers.get('www-authenticate'), /^WWW-Authenticate: (.*)$/m.exec(documented)?.[1]);
    assert.deepEqual(refused.body, JSON.parse(documented.slice(documented.indexOf('{'))));
  });

  it('A CI pipeline: its GitHub job token buys an admin access token that registers clients of acme, and does nothing else', async () => {
    const github = await startOidcIssuer({ issuer: GITHUB, alg: 'RS256' });
    issuers.push(github);
    await run(substitute(docBlock(SECURITY, 'client, and its grant.'), [[`${GITHUB}/.well-known/jwks`, github.jwksUri]]));

    const job = serveGithubJobTokens(github, (aud) => githubActionsClaims({ aud, repository: 'acme/identity', repositoryId: '892177', workflow: 'identity' }));
    const workflow = docBlock(SECURITY, 'grant, RFC 7523 section 2.1) for an access token of the admin API, and registers a client:', 'yaml');
    assert.match(workflow, /\npermissions:\n {2}id-token: write\n/, 'the workflow may ask for an OIDC token');
    const addresses = [
      [PROXIED_ADMIN, t.adminUrl],
      [PUBLIC, t.publicUrl],
    ] as const;
    const githubEnv = join(dir, 'github-env');
    writeFileSync(githubEnv, '');
    await run(substitute(workflowStep(workflow, 'Get a Tessera admin access token'), addresses), { ...job.env, GITHUB_ENV: githubEnv });
    assert.equal(job.minted.length, 1);
    const exported = /^ACCESS_TOKEN=(\S+)\n$/.exec(readFileSync(githubEnv, 'utf8'));
    assert.ok(exported, 'the step exports the access token to the next steps');
    const accessToken = exported[1]!;
    const claims = await adminAccessToken(accessToken, 'acme');
    assert.equal(claims.client_id, 'identity-pipeline');
    assert.equal(claims.scope, 'clients:write');
    pipelineToken = accessToken;

    await run(substitute(workflowStep(workflow, 'Register the billing deployer'), addresses), { ACCESS_TOKEN: accessToken });
    const registered = await t.admin('GET', '/tenants/acme/clients/billing-deploy');
    assert.equal(registered.status, 200, registered.text);
    assert.equal(registered.body.token_endpoint_auth_method, 'federated');
    assert.deepEqual(registered.body.client_secrets ?? [], [], 'no secret exists');

    const env = { ACCESS_TOKEN: accessToken };
    await runTranscript(
      docBlock(SECURITY, 'The same token can do nothing else. Another tenant, and the installation-wide operations:', 'text'),
      env,
      addresses,
    );
    await runTranscript(docBlock(SECURITY, 'and, in tenant `acme`, anything but clients (`required_scope` says what it lacks):', 'text'), env, addresses);
    assert.equal((await t.admin('GET', '/tenants/globex/clients')).body.items.length, 0, 'nothing was made in globex');
  });

  it('A CI pipeline, in the audit log: its token and the event of the client it registered name the workflow behind it', async () => {
    const workflow = { iss: GITHUB, sub: 'repo:acme/identity:ref:refs/heads/main' };
    assert.deepEqual((await adminAccessToken(pipelineToken, 'acme')).federated, workflow);
    const events = await t.admin('GET', '/tenants/acme/audit-events?action=client.create&target_id=billing-deploy');
    assert.equal(events.body.items.length, 1, events.text);
    assert.equal(events.body.items[0].actor, 'client:identity-pipeline');
    assert.deepEqual(events.body.items[0].actor_detail, { tenant: 'acme', client_id: 'identity-pipeline', federated: workflow });
  });

  it('A Kubernetes controller: the pod logs in with its projected token file, and with curl, and manages the clients of acme', async () => {
    const cluster = await startKubernetesIssuer({ issuer: KUBERNETES });
    issuers.push(cluster);
    await run(
      substitute(docBlock(SECURITY, "Once, with an unrestricted admin token (Tessera's environment as in"), [
        ['https://kubernetes.default.svc/.well-known/openid-configuration', cluster.discoveryUrl],
        ['/var/run/secrets/kubernetes.io/serviceaccount/token', cluster.bearerTokenFile],
      ]),
    );

    const pod = docBlock(SECURITY, '### A Kubernetes controller', 'yaml');
    const podSpec = (field: string) => new RegExp(`\\n\\s+${field}: (\\S+)\\n`).exec(pod)?.[1];
    assert.deepEqual([podSpec('path'), podSpec('audience')], ['tessera', `${PUBLIC}/t/acme`]);
    const projected = join(dir, 'controller-token');
    writeFileSync(
      projected,
      await cluster.mint(kubernetesClaims({ aud: `${t.publicUrl}/t/acme`, namespace: 'identity', serviceAccount: 'acme-controller' }), { expiresIn: 3600 }),
    );
    const inPod = [
      [PROXIED_ADMIN, t.adminUrl],
      [PUBLIC, t.publicUrl],
      ['/var/run/secrets/tokens/tessera', projected],
    ] as const;

    // The pod holds no admin token: the login's access token is all it has.
    const listed = await run(substitute(docBlock(SECURITY, 'usual (the access token is cached and fetched again with the file when it expires):'), inPod), {}, [
      'TESSERA_ADMIN_TOKEN',
      'TESSERA_ADMIN_URL',
    ]);
    const acmeClients = ((await t.admin('GET', '/tenants/acme/clients')).body.items as { client_id: string }[]).map((c) => c.client_id);
    assert.ok(acmeClients.includes('acme-controller'));
    assert.deepEqual(
      [...listed.matchAll(/^(\S+)\s+-?\s*machine_to_machine/gm)].map((m) => m[1]),
      acmeClients,
      listed,
    );

    const viaCurl = JSON.parse(
      await run(substitute(docBlock(SECURITY, 'The same with curl (read the file at every token request: the kubelet replaces it):'), inPod)),
    );
    assert.deepEqual(
      viaCurl.items.map((c: { client_id: string }) => c.client_id),
      acmeClients,
    );
  });
});
