import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { assertProblem, created, ok } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { testKey } from '../helpers/keys.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const INVALID = 'the client metadata is not valid';
const GITHUB = 'https://token.actions.githubusercontent.com';
const MAIN = 'repo:acme/cleanup:ref:refs/heads/main';

describeEachDialect('admin API: federated credentials of clients', (dialect) => {
  let t: TestTessera;
  let github: any;
  let gitlab: any;

  before(async () => {
    t = await startTessera({ dialect });
    const keys = { keys: [(await testKey('ES256', 'gh')).publicJwk] };
    github = created(await t.admin('POST', '/federated-issuers', { name: 'GitHub Actions', issuer: GITHUB, jwks: keys }));
    gitlab = created(await t.admin('POST', '/federated-issuers', { name: 'GitLab', issuer: 'https://gitlab.example.test', jwks: keys }));
  });
  after(() => t.close());

  const overlap = (i: number, other: string) =>
    `federated credential ${i} could match the same tokens as a federated credential of client ${JSON.stringify(other)}; a token must name one client`;

  it('creates a federated client with no secret, credentials named by issuer or id, listed with ids and canonical claims', async () => {
    const c = created(
      await t.admin('POST', '/clients', {
        client_id: 'cleanup',
        token_endpoint_auth_method: 'federated',
        grant_types: ['client_credentials', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
        federated_credentials: [
          { issuer: GITHUB, subject: MAIN, claims: { repository_id: '892176' } },
          { issuer: gitlab.id, subject: '*', claims: { project_id: ['42', '7', '42'], ref_type: 'branch' } },
        ],
      }),
    );
    assert.equal('client_secret' in c, false);
    assert.deepEqual(c.client_secrets, []);
    assert.match(c.federated_credentials[0].id, /^fc_/);
    assert.deepEqual(
      c.federated_credentials.map(({ id: _id, ...rest }: any) => rest),
      [
        { issuer_id: github.id, issuer: GITHUB, subject: MAIN, claims: { repository_id: '892176' } },
        { issuer_id: gitlab.id, issuer: 'https://gitlab.example.test', subject: '*', claims: { project_id: ['42', '7'], ref_type: 'branch' } },
      ],
    );
    assert.deepEqual(ok(await t.admin('GET', '/clients/cleanup')), c);
    assert.deepEqual(
      ok(await t.admin('GET', '/clients')).items.find((x: any) => x.client_id === 'cleanup'),
      c,
    );
    assertProblem(await t.admin('POST', '/clients/cleanup/secrets', {}), {
      status: 409,
      detail: 'a federated client authenticates with its federated credentials and has no secrets',
      instance: '/clients/cleanup/secrets',
    });
    const event = ok(await t.admin('GET', '/audit-events?limit=50')).items.find((e: any) => e.action === 'client.create' && e.target_id === 'cleanup');
    assert.deepEqual(event.details.federated_credentials, [
      { issuer: GITHUB, subject: MAIN, claims: { repository_id: '892176' } },
      { issuer: 'https://gitlab.example.test', subject: '*', claims: { project_id: ['42', '7'], ref_type: 'branch' } },
    ]);

    // PATCH replaces the list; an unchanged credential keeps its id; omitting the field keeps it.
    const kept = c.federated_credentials[0];
    const patched = ok(
      await t.admin('PATCH', '/clients/cleanup', { federated_credentials: [{ issuer: github.id, subject: MAIN, claims: { repository_id: '892176' } }] }),
    );
    assert.deepEqual(patched.federated_credentials, [kept]);
    assert.deepEqual(ok(await t.admin('PATCH', '/clients/cleanup', { client_name: 'Cleanup' })).federated_credentials, [kept]);
    assert.deepEqual(ok(await t.admin('PATCH', '/clients/cleanup', { federated_credentials: [] })).federated_credentials, []);
    assert.equal((await t.admin('DELETE', '/clients/cleanup')).status, 204);
  });

  it('refuses credentials that break the rules with 422 and a pointer for each', async () => {
    const cases: [unknown[], { pointer: string; detail: string }[]][] = [
      [
        [{ issuer: 'https://unknown.example.test', subject: 'x' }],
        [
          {
            pointer: '/federated_credentials/0/issuer',
            detail: 'no federated issuer "https://unknown.example.test" in this tenant (give its issuer or its id)',
          },
        ],
      ],
      [
        [{ issuer: GITHUB, subject: '*' }],
        [{ pointer: '/federated_credentials/0/subject', detail: '"*" matches any subject and needs at least one claim condition' }],
      ],
      [
        [{ issuer: GITHUB, subject: '*', claims: {} }],
        [{ pointer: '/federated_credentials/0/subject', detail: '"*" matches any subject and needs at least one claim condition' }],
      ],
      [
        [{ issuer: GITHUB, subject: MAIN, claims: { aud: 'x', iat: '1', repository_id: '1' } }],
        [
          { pointer: '/federated_credentials/0/claims/aud', detail: 'aud is checked by other rules and may not be a claim condition' },
          { pointer: '/federated_credentials/0/claims/iat', detail: 'iat is checked by other rules and may not be a claim condition' },
        ],
      ],
      [
        [
          { issuer: GITHUB, subject: MAIN, claims: { repository_id: ['1', '2'] } },
          { issuer: github.id, subject: MAIN, claims: { repository_id: ['2', '1', '1'] } },
        ],
        [{ pointer: '/federated_credentials/1', detail: 'repeats federated credential 0' }],
      ],
    ];
    for (const [federated_credentials, errors] of cases) {
      assertProblem(await t.admin('POST', '/clients', { client_id: 'bad', federated_credentials }), {
        status: 422,
        detail: INVALID,
        instance: '/clients',
        errors,
      });
    }
    // What the schema refuses (400 as for every field): an empty subject, an empty list of values, a 21st credential.
    for (const federated_credentials of [
      [{ issuer: GITHUB, subject: '' }],
      [{ issuer: GITHUB, subject: MAIN, claims: { repository_id: [] } }],
      Array.from({ length: 21 }, (_, i) => ({ issuer: GITHUB, subject: `repo:acme/r${i}:ref:refs/heads/main` })),
    ]) {
      const res = await t.admin('POST', '/clients', { client_id: 'bad', federated_credentials });
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.errors[0].pointer, /^\/federated_credentials/);
    }
    assertProblem(
      await t.admin('POST', '/clients', {
        client_id: 'bad',
        client_type: 'spa',
        grant_types: [],
        federated_credentials: [{ issuer: GITHUB, subject: MAIN, claims: { repository_id: '1' } }],
      }),
      {
        status: 422,
        detail: INVALID,
        instance: '/clients',
        errors: [{ pointer: '/federated_credentials', detail: 'a spa client is public and does not authenticate' }],
      },
    );
    assertProblem(await t.admin('GET', '/clients/bad'), { status: 404, detail: 'client "bad" does not exist', instance: '/clients/bad' });
  });

  it("refuses a credential that could match the same token as another client's (409), and takes disjoint ones", async () => {
    created(
      await t.admin('POST', '/clients', { client_id: 'main', federated_credentials: [{ issuer: GITHUB, subject: MAIN, claims: { repository_id: '892176' } }] }),
    );
    created(
      await t.admin('POST', '/clients', {
        client_id: 'envs',
        federated_credentials: [{ issuer: GITHUB, subject: '*', claims: { environment: ['prod', 'staging'], repository_id: '555' } }],
      }),
    );
    const conflicts: [unknown, string][] = [
      [{ issuer: GITHUB, subject: MAIN, claims: { repository_id: '892176' } }, 'main'],
      [{ issuer: github.id, subject: '*', claims: { repository_id: '892176' } }, 'main'],
      // No claim condition: it overlaps both; the first client in id order is named.
      [{ issuer: GITHUB, subject: MAIN }, 'envs'],
      [{ issuer: GITHUB, subject: 'repo:acme/deploy:environment:prod', claims: { environment: ['qa', 'staging'] } }, 'envs'],
    ];
    for (const [credential, other] of conflicts) {
      assertProblem(await t.admin('POST', '/clients', { client_id: 'late', federated_credentials: [{ issuer: gitlab.id, subject: 'x' }, credential] }), {
        status: 409,
        detail: overlap(1, other),
        instance: '/clients',
      });
    }
    const disjoint = created(
      await t.admin('POST', '/clients', {
        client_id: 'late',
        federated_credentials: [
          { issuer: GITHUB, subject: MAIN, claims: { repository_id: '111' } },
          { issuer: GITHUB, subject: 'repo:acme/deploy:environment:qa', claims: { environment: ['qa', 'dev'] } },
          { issuer: gitlab.id, subject: MAIN, claims: { repository_id: '892176' } },
        ],
      }),
    );
    assert.equal(disjoint.federated_credentials.length, 3);
    // The same client may hold credentials that overlap each other; PATCH is checked like create.
    ok(
      await t.admin('PATCH', '/clients/late', {
        federated_credentials: [
          ...disjoint.federated_credentials.map((c: any) => ({ issuer: c.issuer_id, subject: c.subject, claims: c.claims })),
          { issuer: GITHUB, subject: '*', claims: { repository_id: '111' } },
        ],
      }),
    );
    assertProblem(
      await t.admin('PATCH', '/clients/late', {
        federated_credentials: [{ issuer: GITHUB, subject: '*', claims: { environment: 'prod', repository_id: '555' } }],
      }),
      {
        status: 409,
        detail: overlap(0, 'envs'),
        instance: '/clients/late',
      },
    );
  });

  it('refuses to delete an issuer while credentials name it (409 naming the clients), then deletes it', async () => {
    const issuer = created(
      await t.admin('POST', '/federated-issuers', {
        name: 'k8s',
        kind: 'kubernetes',
        issuer: 'https://k8s.example.test',
        jwks: { keys: [(await testKey('RS256')).publicJwk] },
      }),
    );
    for (const id of ['pod-a', 'pod-b']) {
      created(
        await t.admin('POST', '/clients', { client_id: id, federated_credentials: [{ issuer: issuer.issuer, subject: `system:serviceaccount:prod:${id}` }] }),
      );
    }
    assertProblem(await t.admin('DELETE', `/federated-issuers/${issuer.id}`), {
      status: 409,
      detail: `federated issuer ${JSON.stringify(issuer.id)} is named by federated credentials of clients "pod-a", "pod-b"; remove them first`,
      instance: `/federated-issuers/${issuer.id}`,
    });
    assert.equal((await t.admin('DELETE', '/clients/pod-a')).status, 204, 'a client goes with its credentials');
    ok(await t.admin('PATCH', '/clients/pod-b', { federated_credentials: [] }));
    assert.equal((await t.admin('DELETE', `/federated-issuers/${issuer.id}`)).status, 204);
  });

  it("keeps the read model's federation index in step: a credential added finds its client, a change or delete removes it", async () => {
    const k8s = created(
      await t.admin('POST', '/federated-issuers', { name: 'jobs', issuer: 'https://jobs.example.test', jwks: { keys: [(await testKey('EdDSA')).publicJwk] } }),
    );
    const K8S = k8s.issuer;
    const claims = { sub: 'system:serviceaccount:jobs:report', team: 'data' };
    const matching = () =>
      t.server.deps.readModel
        .tenant('default')!
        .federation.matchingClients(k8s.id, claims)
        .map((e) => e.client.clientId);
    assert.deepEqual(matching(), []);
    created(
      await t.admin('POST', '/clients', {
        client_id: 'report',
        federated_credentials: [{ issuer: K8S, subject: claims.sub, claims: { team: ['data', 'ml'] } }],
      }),
    );
    assert.deepEqual(matching(), ['report']);
    ok(await t.admin('PATCH', '/clients/report', { federated_credentials: [{ issuer: K8S, subject: claims.sub, claims: { team: 'ml' } }] }));
    assert.deepEqual(matching(), []);
    ok(await t.admin('PATCH', '/clients/report', { federated_credentials: [{ issuer: K8S, subject: '*', claims: { team: 'data' } }] }));
    assert.deepEqual(matching(), ['report']);
    assert.equal(t.server.deps.readModel.tenant('default')!.federation.issuerOf(K8S)?.id, k8s.id);
    assert.equal((await t.admin('DELETE', '/clients/report')).status, 204);
    assert.deepEqual(matching(), []);
    // A full reload (a restart, the resync) finds the same.
    created(await t.admin('POST', '/clients', { client_id: 'report', federated_credentials: [{ issuer: K8S, subject: claims.sub }] }));
    await t.server.deps.readModel.loadAll();
    assert.deepEqual(matching(), ['report']);
  });

  it('deletes a tenant with its federated issuers, clients and credentials', async () => {
    created(await t.admin('POST', '/tenants', { id: 'gone' }));
    const issuer = created(
      await t.admin('POST', '/tenants/gone/federated-issuers', { name: 'ci', issuer: GITHUB, jwks: { keys: [(await testKey('ES256')).publicJwk] } }),
    );
    created(await t.admin('POST', '/tenants/gone/clients', { client_id: 'job', federated_credentials: [{ issuer: issuer.id, subject: MAIN }] }));
    assert.equal((await t.admin('DELETE', '/tenants/gone')).status, 204);
    assert.equal(t.server.deps.readModel.tenant('gone'), undefined);
  });

  it("takes a spiffe issuer's credentials only for SPIFFE IDs of its trust domain", async () => {
    const mesh = created(
      await t.admin('POST', '/federated-issuers', {
        name: 'mesh',
        kind: 'spiffe',
        issuer: 'spiffe://prod.example.org',
        jwks: { keys: [(await testKey('ES256')).publicJwk] },
      }),
    );
    assertProblem(
      await t.admin('POST', '/clients', {
        client_id: 'mesh-api',
        federated_credentials: [
          { issuer: mesh.issuer, subject: 'spiffe://dev.example.org/api' },
          { issuer: mesh.id, subject: 'api' },
        ],
      }),
      {
        status: 422,
        detail: INVALID,
        instance: '/clients',
        errors: [
          {
            pointer: '/federated_credentials/0/subject',
            detail: 'must be a SPIFFE ID in the trust domain prod.example.org (spiffe://prod.example.org/…), or "*"',
          },
          {
            pointer: '/federated_credentials/1/subject',
            detail: 'must be a SPIFFE ID in the trust domain prod.example.org (spiffe://prod.example.org/…), or "*"',
          },
        ],
      },
    );
    const c = created(
      await t.admin('POST', '/clients', {
        client_id: 'mesh-api',
        federated_credentials: [{ issuer: mesh.issuer, subject: 'spiffe://prod.example.org/ns/prod/sa/api' }],
      }),
    );
    assert.equal(c.federated_credentials[0].issuer, 'spiffe://prod.example.org');
    assert.equal((await t.admin('DELETE', '/clients/mesh-api')).status, 204);
    assert.equal((await t.admin('DELETE', `/federated-issuers/${mesh.id}`)).status, 204);
  });

  it('lets one of two concurrent registrations of overlapping credentials win; the other is a 409', async () => {
    // Not the same credential (the unique index would catch that): two that overlap, which only the checks see.
    const answers = await Promise.all([
      t.admin('POST', '/clients', {
        client_id: 'race-a',
        federated_credentials: [{ issuer: gitlab.id, subject: 'project_path:acme/race:ref_type:branch:ref:main' }],
      }),
      t.admin('POST', '/clients', {
        client_id: 'race-b',
        federated_credentials: [{ issuer: gitlab.id, subject: '*', claims: { project_path: 'acme/race', repository_id: 'race' } }],
      }),
    ]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [201, 409], answers.map((a) => a.text).join('\n'));
    const loser = answers.find((a) => a.status === 409)!;
    assert.match(
      loser.body.detail,
      /^federated credential 0 could match the same tokens as a federated credential of client "race-[ab]"; a token must name one client$/,
    );
  });
});
