import assert from 'node:assert/strict';
import { createHmac, createPublicKey, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint, decodeJwt } from 'jose';
import type { FederatedIssuer } from '../../src/domain/federation/model.js';
import { manualClock, ok, type ManualClock } from '../helpers/admin.js';
import { dpopProof, JWT_BEARER, unsecuredJwt } from '../helpers/assertions.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { eventually } from '../helpers/eventually.js';
import { assertInvalidGrant, inlineIssuer, JWT_BEARER_GRANT, JWT_SPIFFE, platformToken, setCredentials, trust, trustInMemory } from '../helpers/federation.js';
import { createClient } from '../helpers/fixtures.js';
import { countingVerifier } from '../helpers/jwt-verifier.js';
import { testKey, type TestKey } from '../helpers/keys.js';
import { assertInvalidClient } from '../helpers/private-key-jwt.js';
import { basic, startTessera, type HttpResult, type TestTessera } from '../helpers/tessera.js';

const GITHUB = 'https://token.actions.githubusercontent.com';
const GITLAB = 'https://gitlab.example';
const KUBERNETES = 'https://kubernetes.default.svc.cluster.local';
const SPIFFE = 'spiffe://example.org';
const AUD = 'https://orders.test';
const GH_SUB = 'repo:acme/cleanup:ref:refs/heads/main';
const GL_SUB = 'project_path:acme/app:ref_type:branch:ref:main';
const K8S_SUB = 'system:serviceaccount:prod:api';
const SVID = 'spiffe://example.org/ns/prod/sa/api';

/** A GitHub Actions job's token (the claims that matter here) for the default tenant. */
function githubClaims(t: TestTessera, claims: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: GITHUB,
    sub: GH_SUB,
    aud: t.publicUrl,
    repository: 'acme/cleanup',
    repository_id: '892176',
    ref: 'refs/heads/main',
    run_attempt: '1',
    jti: randomUUID(),
    ...claims,
  };
}

describeEachDialect('token endpoint: tokens of federated issuers (RFC 7523 §2.1 and §2.2)', (dialect) => {
  let t: TestTessera;
  let clock: ManualClock;
  let gh: TestKey;
  let gl: TestKey;
  let k8s: TestKey;
  let spiffe: TestKey;
  let deployer: { clientId: string; secret: string };
  let other: { clientId: string; secret: string };
  let issuers: FederatedIssuer[];
  let issuerIds: string[];

  /** A token request with `token` as a client assertion (RFC 7523 §2.2). */
  const asClientAssertion = (token: string, extra: Record<string, string> = {}, type = JWT_BEARER) =>
    t.form('/oauth2/token', { grant_type: 'client_credentials', client_assertion_type: type, client_assertion: token, ...extra });
  /** A token request with `token` as the jwt-bearer grant's assertion (RFC 7523 §2.1). */
  const asGrant = (token: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: token, ...extra }, headers);
  const gitHubToken = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) => platformToken(gh, clock, githubClaims(t, claims), header);

  before(async () => {
    clock = manualClock('2030-01-01T00:00:00.000Z');
    t = await startTessera({ dialect, clock });
    [gh, gl, k8s, spiffe] = await Promise.all([testKey('RS256', 'gh-1'), testKey('ES256', 'gl-1'), testKey('ES256', 'k8s-1'), testKey('EdDSA', 'svid-1')]);
    assert.equal((await t.admin('POST', '/tenants', { id: 'beta' })).status, 201);
    deployer = await createClient(t, { client_id: 'deployer', audience: [AUD] });
    other = await createClient(t, { client_id: 'other', audience: [AUD] });
    for (const clientId of ['gitlab-app', 'pod', 'svid', 'disabled'])
      await createClient(t, { client_id: clientId, audience: [AUD], ...(clientId === 'disabled' ? { active: false } : {}) });
    await createClient(t, { client_id: 'deployer', audience: [AUD] }, 'beta');
    // SPIFFE bundle keys carry `use: jwt-svid` and may lack `alg`.
    const { alg: _alg, ...bundleJwk } = spiffe.publicJwk;
    const svidKey = { ...spiffe, publicJwk: { ...bundleJwk, use: 'jwt-svid' } };
    issuers = [
      inlineIssuer('default', GITHUB, [gh]),
      inlineIssuer('default', GITLAB, [gl], { requireJti: true }),
      inlineIssuer('default', KUBERNETES, [k8s], { kind: 'kubernetes', allowLongerThanAssertion: true }),
      inlineIssuer('default', SPIFFE, [svidKey], { kind: 'spiffe' }),
    ];
    issuerIds = await trust(t, 'default', issuers, {
      deployer: [{ issuer: GITHUB, subject: GH_SUB, claims: { repository_id: '892176' } }],
      other: [{ issuer: GITHUB, subject: 'repo:acme/other:ref:refs/heads/main' }],
      'gitlab-app': [{ issuer: GITLAB, subject: GL_SUB, claims: { project_id: '42' } }],
      pod: [{ issuer: KUBERNETES, subject: K8S_SUB }],
      svid: [{ issuer: SPIFFE, subject: SVID }],
      disabled: [{ issuer: GITHUB, subject: 'repo:acme/disabled:ref:refs/heads/main' }],
    });
    // Tenant beta trusts the same issuer, with its own audiences (the default ones: its issuer and token endpoint).
    await trust(t, 'beta', [inlineIssuer('beta', GITHUB, [gh])], { deployer: [{ issuer: GITHUB, subject: GH_SUB, claims: { repository_id: '892176' } }] });
  });
  after(() => t.close());

  /** Asserts a token issued to `clientId` whose `exp` is `expiresIn` seconds from the clock's now. */
  function assertIssued(res: HttpResult, clientId: string, expiresIn: number, why: string): Record<string, unknown> {
    assert.equal(res.status, 200, `${why}: ${res.text}`);
    assert.equal(res.body.token_type, 'Bearer', why);
    assert.equal(res.body.expires_in, expiresIn, why);
    const claims = decodeJwt(res.body.access_token);
    assert.equal(claims.sub, clientId, why);
    assert.equal(claims.client_id, clientId, why);
    assert.equal(claims.aud, AUD, why);
    assert.equal(claims.exp, Math.floor(clock.now() / 1000) + expiresIn, why);
    return claims;
  }

  /** The log line of the request that answered `res` last: the newest `request completed` line naming `error` or `client_id`. */
  function lastRequestLine(): Record<string, unknown> {
    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request completed');
    const line = lines.at(-1);
    assert.ok(line, 'a request line');
    return line;
  }

  it('a GitHub Actions token as client assertion, with and without client_id: the client is the matched one, the token lives no longer than the assertion', async () => {
    assertIssued(await asClientAssertion(await gitHubToken()), 'deployer', 600, 'no client_id');
    assert.deepEqual(
      { client_id: lastRequestLine().client_id, federated_iss: lastRequestLine().federated_iss, federated_sub: lastRequestLine().federated_sub },
      { client_id: 'deployer', federated_iss: GITHUB, federated_sub: GH_SUB },
    );
    assertIssued(await asClientAssertion(await gitHubToken(), { client_id: 'deployer' }), 'deployer', 600, 'client_id of the matched client');
    const now = Math.floor(clock.now() / 1000);
    assertIssued(await asClientAssertion(await gitHubToken({ exp: now + 90 })), 'deployer', 90, 'exp 90 s ahead caps the token');
  });

  it('GitLab CI, Kubernetes (allow_longer_than_assertion) and SPIFFE (jwt-spiffe, no iss) tokens', async () => {
    const gitlab = await platformToken(gl, clock, {
      iss: GITLAB,
      sub: GL_SUB,
      aud: t.publicUrl,
      project_id: '42',
      project_path: 'acme/app',
      jti: randomUUID(),
    });
    assertIssued(await asClientAssertion(gitlab), 'gitlab-app', 600, 'GitLab');
    const now = Math.floor(clock.now() / 1000);
    const kubernetes = await platformToken(k8s, clock, {
      iss: KUBERNETES,
      sub: K8S_SUB,
      aud: [t.publicUrl],
      nbf: now,
      exp: now + 120,
      'kubernetes.io': { namespace: 'prod', serviceaccount: { name: 'api', uid: randomUUID() }, pod: { name: 'api-0', uid: randomUUID() } },
    });
    assertIssued(await asClientAssertion(kubernetes), 'pod', 3600, 'Kubernetes: the issuer allows the token to outlive the assertion');
    const svid = await platformToken(spiffe, clock, { sub: SVID, aud: `${t.publicUrl}/oauth2/token` }, { alg: 'EdDSA' });
    assertIssued(await asClientAssertion(svid, {}, JWT_SPIFFE), 'svid', 600, 'SPIFFE as jwt-spiffe');
    assertIssued(await asClientAssertion(svid), 'svid', 600, 'SPIFFE as jwt-bearer (sub names the trust domain)');
  });

  it('the jwt-bearer grant, with and without client authentication', async () => {
    assertIssued(await asGrant(await gitHubToken()), 'deployer', 600, 'no client authentication');
    assertIssued(await asGrant(await gitHubToken(), { client_id: 'deployer' }), 'deployer', 600, 'client_id alone');
    assertIssued(
      await asGrant(await gitHubToken(), {}, { authorization: basic(deployer.clientId, deployer.secret) }),
      'deployer',
      600,
      'Basic of the matched client',
    );
    assertIssued(
      await asGrant(await gitHubToken(), { client_assertion_type: JWT_BEARER, client_assertion: await gitHubToken() }),
      'deployer',
      600,
      'a federated client assertion of the matched client',
    );
    assertInvalidGrant(await asGrant(await gitHubToken(), {}, { authorization: basic(other.clientId, other.secret) }), 'Basic of another client');
    assertInvalidGrant(await asGrant(await gitHubToken(), { client_id: 'other' }), 'client_id of another client');
    const wrongSecret = await asGrant(await gitHubToken(), {}, { authorization: basic('deployer', 'wrong') });
    assert.equal(wrongSecret.status, 401, 'a wrong secret is still invalid_client');
    assert.deepEqual(wrongSecret.body, { error: 'invalid_client', error_description: 'Client authentication failed.' });
    assert.deepEqual((await asGrant('')).body, { error: 'invalid_request', error_description: 'The assertion parameter is required.' });
  });

  it("the token names the external identity behind it: federated {iss, sub} of the platform's token, never for a secret", async () => {
    const federated = { iss: GITHUB, sub: GH_SUB };
    assert.deepEqual(assertIssued(await asClientAssertion(await gitHubToken()), 'deployer', 600, 'client assertion').federated, federated);
    assert.deepEqual(assertIssued(await asGrant(await gitHubToken()), 'deployer', 600, 'jwt-bearer').federated, federated);
    const withSecret = await asGrant(await gitHubToken(), {}, { authorization: basic(deployer.clientId, deployer.secret) });
    assert.deepEqual(assertIssued(withSecret, 'deployer', 600, 'jwt-bearer with Basic').federated, federated, 'the assertion is who acts');
    const svid = await platformToken(spiffe, clock, { sub: SVID, aud: `${t.publicUrl}/oauth2/token` }, { alg: 'EdDSA' });
    assert.deepEqual(assertIssued(await asClientAssertion(svid, {}, JWT_SPIFFE), 'svid', 600, 'SPIFFE').federated, { iss: SPIFFE, sub: SVID });
    const bySecret = await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(deployer.clientId, deployer.secret) });
    assert.equal('federated' in assertIssued(bySecret, 'deployer', 3600, 'a secret'), false);
  });

  it('a DPoP proof binds the token issued for a federated token, as for a secret (RFC 9449)', async () => {
    const proofKey = await testKey('ES256', 'dpop-1');
    const dpop = await dpopProof(proofKey, clock, { htu: `${t.publicUrl}/oauth2/token` });
    const res = await t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: await gitHubToken() }, { dpop });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.token_type, 'DPoP');
    assert.deepEqual(decodeJwt(res.body.access_token).cnf, { jkt: await calculateJwkThumbprint(proofKey.publicJwk) });
  });

  it('a client holding a secret and a federated credential uses either, one per request', async () => {
    const bySecret = await t.form('/oauth2/token', { grant_type: 'client_credentials' }, { authorization: basic(deployer.clientId, deployer.secret) });
    assertIssued(bySecret, 'deployer', 3600, 'the secret');
    assertIssued(await asClientAssertion(await gitHubToken()), 'deployer', 600, 'the federated credential');
    const both = await t.form(
      '/oauth2/token',
      { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: await gitHubToken() },
      { authorization: basic(deployer.clientId, deployer.secret) },
    );
    assert.equal(both.status, 400, both.text);
    assert.deepEqual(both.body, { error: 'invalid_request', error_description: 'Use exactly one client authentication method.' });
  });

  describe('the negative matrix: one public answer each way, the reason in the log', () => {
    const HMAC_KEY = () => createPublicKey({ key: gh.publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const now = () => Math.floor(clock.now() / 1000);
    /** Each case: a token that must be refused, and the reason the log gives. */
    const cases: [string, () => Promise<string>, RegExp][] = [
      ['wrong iss (an issuer the tenant does not trust)', () => gitHubToken({ iss: 'https://evil.example' }), /./],
      ['wrong aud', () => gitHubToken({ aud: 'https://elsewhere.example' }), /aud "https:\/\/elsewhere.example" is none of the issuer's audiences/],
      ['wrong sub', () => gitHubToken({ sub: 'repo:acme/cleanup:ref:refs/heads/dev' }), /no federated credential matches/],
      ['wrong claim value', () => gitHubToken({ repository_id: '1' }), /no federated credential matches/],
      ['missing claim', () => gitHubToken({ repository_id: undefined }), /no federated credential matches/],
      ['expired', () => gitHubToken({ exp: now() - 10 }), /expired/],
      ['nbf in the future', () => gitHubToken({ nbf: now() + 60 }), /nbf in the future/],
      ['iat too old', () => gitHubToken({ iat: now() - 3700, exp: now() + 60 }), /more than max_token_age 3600 s/],
      ['missing iat', () => gitHubToken({ iat: undefined }), /iat missing/],
      ['alg none', async () => unsecuredJwt(githubClaims(t, { iat: now(), exp: now() + 60 })), /alg "none" is not allowed/],
      [
        'HS256 signed with the public key bytes',
        async () => {
          const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
          const input = `${part({ alg: 'HS256', kid: gh.kid })}.${part(githubClaims(t, { iat: now(), exp: now() + 60 }))}`;
          return `${input}.${createHmac('sha256', HMAC_KEY()).update(input).digest('base64url')}`;
        },
        /alg "HS256" is not allowed/,
      ],
      ['unknown kid', () => gitHubToken({}, { kid: 'not-published' }), /no key of federated issuer .* matches kid "not-published"/],
      ['signed by another key under the known kid', () => platformToken(gl, clock, githubClaims(t), { alg: 'ES256', kid: gh.kid }), /./],
      ['a token for tenant beta used at the default tenant', () => gitHubToken({ aud: `${t.publicUrl}/t/beta` }), /is none of the issuer's audiences/],
      ['the matched client is disabled', () => gitHubToken({ sub: 'repo:acme/disabled:ref:refs/heads/main' }), /client disabled is disabled/],
    ];

    it('as a client assertion: 401 invalid_client', async () => {
      for (const [why, token, reason] of cases) {
        assertInvalidClient(await asClientAssertion(await token()), why);
        const line = lastRequestLine();
        assert.equal(line.error, 'invalid_client', why);
        assert.match(String(line.detail), reason, why);
      }
    });

    it('as the jwt-bearer grant: 400 invalid_grant', async () => {
      for (const [why, token, reason] of cases) {
        assertInvalidGrant(await asGrant(await token()), why);
        const line = lastRequestLine();
        assert.equal(line.error, 'invalid_grant', why);
        assert.match(String(line.detail), reason, why);
      }
    });

    it("the log names the token's iss and sub", async () => {
      assertInvalidClient(await asClientAssertion(await gitHubToken({ sub: 'repo:acme/cleanup:ref:refs/heads/dev' })), 'wrong sub');
      assert.equal(
        lastRequestLine().detail,
        `federated token (iss "${GITHUB}", sub "repo:acme/cleanup:ref:refs/heads/dev") refused: no federated credential matches iss "${GITHUB}" sub "repo:acme/cleanup:ref:refs/heads/dev"`,
      );
    });

    it('a refusal is audited as client.federated.refused, out of the request path', async () => {
      const sub = 'repo:acme/audited:ref:refs/heads/main';
      assertInvalidGrant(await asGrant(await gitHubToken({ sub })), 'unknown sub');
      const find = async () =>
        (ok(await t.admin('GET', '/audit-events?action=client.federated.refused&limit=200')).items as any[]).filter((e) => e.details.sub === sub);
      await eventually('the audit event', async () => (await find()).length > 0, { withinMs: 5000 });
      const [event] = await find();
      assert.deepEqual(
        { ...event, id: undefined, occurred_at: undefined },
        {
          id: undefined,
          occurred_at: undefined,
          tenant_id: 'default',
          actor: 'system',
          actor_detail: null,
          actor_name: null,
          action: 'client.federated.refused',
          target_type: 'federated_issuer',
          target_id: issuerIds[0],
          reason: 'federated token refused',
          details: { iss: GITHUB, sub, reason: `no federated credential matches iss "${GITHUB}" sub "${sub}"`, via: 'jwt_bearer_grant' },
        },
      );
    });

    it('a long iss or sub is clipped to 200 characters in the audit event and the log', async () => {
      const long = `repo:${'x'.repeat(5000)}`;
      assertInvalidGrant(await asGrant(await gitHubToken({ sub: long })), 'long sub');
      const clipped = `${long.slice(0, 197)}...`;
      assert.match(String(lastRequestLine().detail), new RegExp(`sub "${long.slice(0, 190)}[x.]*\\) refused`));
      const find = async () =>
        (ok(await t.admin('GET', '/audit-events?action=client.federated.refused&limit=200')).items as any[]).filter((e) => e.details.sub === clipped);
      await eventually('the audit event', async () => (await find()).length === 1, { withinMs: 5000 });
    });

    it('client_id naming another client than the matched one', async () => {
      assertInvalidClient(await asClientAssertion(await gitHubToken(), { client_id: 'other' }), 'client_id other');
      assert.match(String(lastRequestLine().detail), /client_id "other" is not the matched client deployer/);
    });

    it('a replayed jti when the issuer requires jti; a token without jti there', async () => {
      const gitlab = await platformToken(gl, clock, { iss: GITLAB, sub: GL_SUB, aud: t.publicUrl, project_id: '42', jti: randomUUID() });
      assertIssued(await asClientAssertion(gitlab), 'gitlab-app', 600, 'first use');
      assertInvalidClient(await asClientAssertion(gitlab), 'replayed');
      assert.match(String(lastRequestLine().detail), /replayed \(jti /);
      const noJti = await platformToken(gl, clock, { iss: GITLAB, sub: GL_SUB, aud: t.publicUrl, project_id: '42' });
      assertInvalidGrant(await asGrant(noJti), 'no jti');
      assert.match(String(lastRequestLine().detail), /jti required by the issuer/);
    });

    it("tenant beta accepts its own audience, never the default tenant's", async () => {
      const forBeta = await gitHubToken({ aud: `${t.publicUrl}/t/beta` });
      assert.equal((await t.form('/t/beta/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: forBeta })).status, 200);
      assertInvalidGrant(
        await t.form('/t/beta/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: await gitHubToken() }),
        'a default-tenant token at beta',
      );
    });
  });
});

describe('token endpoint: a federated grant the client may not use', () => {
  let t: TestTessera;
  const clock = manualClock('2030-01-01T00:00:00.000Z');
  before(async () => {
    t = await startTessera({ clock });
  });
  after(() => t.close());

  it('unauthorized_client when the matched client lacks the jwt-bearer grant type', async () => {
    const key = await testKey('ES256', 'k');
    await createClient(t, { client_id: 'plain', audience: [AUD] });
    await trust(t, 'default', [inlineIssuer('default', GITHUB, [key])], {});
    await setCredentials(t, 'default', 'plain', [{ issuer: GITHUB, subject: GH_SUB }], ['client_credentials']);
    const token = await platformToken(key, clock, githubClaims(t));
    const res = await t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: token });
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(res.body, { error: 'unauthorized_client', error_description: `The client is not allowed to use the ${JWT_BEARER_GRANT} grant type.` });
    assert.equal((await t.form('/oauth2/token', { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: token })).status, 200);
  });
});

describe('token endpoint: a federated token two clients would match', () => {
  let t: TestTessera;
  const clock = manualClock('2030-01-01T00:00:00.000Z');
  before(async () => {
    t = await startTessera({ clock });
  });
  after(() => t.close());

  it('is refused (registration keeps credentials apart; the token path never picks one)', async () => {
    const key = await testKey('ES256', 'k');
    await createClient(t, { client_id: 'one', audience: [AUD] });
    await createClient(t, { client_id: 'two', audience: [AUD] });
    const issuer = inlineIssuer('default', GITHUB, [key]);
    trustInMemory(t, 'default', [issuer], {
      one: [{ issuerId: issuer.id, subject: GH_SUB, claims: {} }],
      two: [{ issuerId: issuer.id, subject: '*', claims: { repository_id: '892176' } }],
    });
    const res = await t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: await platformToken(key, clock, githubClaims(t)) });
    assertInvalidGrant(res, 'two clients match');
    const line = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).findLast((l) => l.msg === 'request completed');
    assert.match(String(line?.detail), /credentials of several clients match \(one, two\): refused/);
  });
});

describe('token endpoint: refused federated tokens count as failed authentications (RFC 6749 §2.3.1)', () => {
  let t: TestTessera;
  const clock = manualClock('2030-01-01T00:00:00.000Z');
  let key: TestKey;
  const LOCKED = { error: 'temporarily_unavailable', error_description: 'Too many failed client authentications; retry later.' };
  before(async () => {
    t = await startTessera({ clock, env: { TESSERA_BRUTE_FORCE_MAX_FAILURES: '3', TESSERA_BRUTE_FORCE_WINDOW: '60' } });
    key = await testKey('ES256', 'k');
    await createClient(t, { client_id: 'deployer', audience: [AUD] });
    await trust(t, 'default', [inlineIssuer('default', GITHUB, [key])], { deployer: [{ issuer: GITHUB, subject: GH_SUB }] });
  });
  after(() => t.close());

  it('three refusals (grant and client assertion alike) lock the address, then even a good token is 429 until the window ends', async () => {
    const good = () => platformToken(key, clock, githubClaims(t));
    assertInvalidGrant(
      await t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: await platformToken(key, clock, githubClaims(t, { sub: 'x' })) }),
      'unknown sub',
    );
    assertInvalidGrant(await t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: await good(), client_id: 'other' }), 'client_id of another');
    assertInvalidClient(
      await t.form('/oauth2/token', {
        grant_type: 'client_credentials',
        client_assertion_type: JWT_BEARER,
        client_assertion: await good(),
        client_id: 'other',
      }),
      'client_id of another',
    );
    const locked = await t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: await good() });
    assert.equal(locked.status, 429, locked.text);
    assert.deepEqual(locked.body, LOCKED);
    clock.advance(60_000);
    assert.equal((await t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: await good() })).status, 200);
  });
});

describe('token endpoint: a federated token costs no key import or signature check until its cheap checks pass', () => {
  let t: TestTessera;
  const clock = manualClock('2030-01-01T00:00:00.000Z');
  const verifier = countingVerifier();
  let key: TestKey;
  before(async () => {
    t = await startTessera({ clock, jwtVerifier: verifier });
    key = await testKey('ES256', 'k');
    await createClient(t, { client_id: 'deployer', audience: [AUD] });
    await trust(t, 'default', [inlineIssuer('default', GITHUB, [key])], { deployer: [{ issuer: GITHUB, subject: GH_SUB }] });
  });
  after(() => t.close());

  it('refusals before the signature reach no verifier; a key is imported once for every token it verifies', async () => {
    const grant = async (claims: Record<string, unknown>) =>
      t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion: await platformToken(key, clock, githubClaims(t, claims)) });
    for (const claims of [{ aud: 'https://elsewhere.example' }, { sub: 'repo:acme/other:ref:refs/heads/main' }, { iat: undefined }, { exp: 1 }]) {
      assertInvalidGrant(await grant(claims), JSON.stringify(claims));
    }
    assert.deepEqual([verifier.imported.length, verifier.verified.length], [0, 0]);
    for (let i = 0; i < 3; i++) assert.equal((await grant({})).status, 200);
    assert.deepEqual([verifier.imported.length, verifier.verified.length], [1, 3]);
  });
});
