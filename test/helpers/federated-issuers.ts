// Federated issuers made by the tests: real HTTP servers on 127.0.0.1 with real keys, minting
// tokens with the claim shapes of GitHub Actions, GitLab CI, Kubernetes and SPIFFE. Tessera
// reaches them with TESSERA_OUTBOUND_ALLOW=127.0.0.1 (FEDERATION_TEST_ENV).
import { createHmac, createPublicKey, randomBytes, randomUUID, type JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JSONWebKeySet, type JWK } from 'jose';
import type { FederatedIssuer } from '../../src/domain/federation/model.js';
import { systemClock, type Clock } from '../../src/lib/clock.js';
import type { VerifyJwsAlg } from '../../src/lib/public-jwk.js';
import { startJwksServer, type Answer, type JwksServer, type ServedRequest } from './jwks-server.js';

/** What a Tessera under test needs to fetch from these issuers. */
export const FEDERATION_TEST_ENV = { TESSERA_OUTBOUND_ALLOW: '127.0.0.1', TESSERA_FEDERATION_TOKEN_FILES: `${tmpdir()}/` };

/** `alg` values mint also writes: `none` (unsigned) and HMAC keyed with the issuer's public key (the algorithm-confusion attack). */
export type MintAlg = VerifyJwsAlg | 'none' | 'HS256' | 'HS384' | 'HS512';

export interface MintOptions {
  /** Header members added to (or replacing) `alg`, `kid` and `typ`. */
  readonly header?: Record<string, unknown>;
  /** Seconds from `iat` to `exp` (default 300). */
  readonly expiresIn?: number;
  /** The `iat` (default: now, by the issuer's clock); `null` leaves it out. */
  readonly iat?: number | null;
  /** The header's `kid` (default: the current key's); `null` leaves it out. */
  readonly kid?: string | null;
  /** Signs as `alg` instead of the key's own algorithm (`none` and HS* included). */
  readonly alg?: MintAlg;
}

export interface TestIssuerOptions {
  /** The signing algorithm (default ES256). */
  readonly alg?: VerifyJwsAlg;
  /** The first key's kid (default `key-1`). */
  readonly kid?: string;
  /** Serve `/.well-known/openid-configuration` (default true). */
  readonly discovery?: boolean;
  /** A path under the server's origin that the issuer URL ends with (e.g. `/tenant-a`). */
  readonly path?: string;
  /** The tokens' `iss` and the discovery document's `issuer` when not the served URL (a managed Kubernetes cluster's). */
  readonly issuer?: string;
  /** Discovery and keys answer 401 unless sent `Authorization: Bearer <bearer>`. */
  readonly bearer?: string;
  /** The jwks_uri the discovery document names (default the server's own key set). */
  readonly discoveryJwksUri?: string;
  /** The key set's path (default `/jwks`, appended to `path`). */
  readonly jwksPath?: string;
  /** The key set's Cache-Control header (none by default). */
  readonly cacheControl?: string;
  /** Extra members of the key set document (`spiffe_refresh_hint`, say). */
  readonly keySetMembers?: Record<string, unknown>;
  /** The published keys' `use` (default `sig`) and whether they carry `alg` (default true). */
  readonly keyUse?: string;
  readonly keyAlg?: boolean;
  /** The clock `iat` and `exp` are read from (default the system's). */
  readonly clock?: Clock;
}

/** An issuer under test: its URLs, what it was asked, and the tokens it mints. */
export interface TestIssuer {
  /** The `iss` of its tokens (and the registered `issuer`). */
  readonly issuer: string;
  /** The served URL the issuer's paths are under (the `issuer` unless one was given). */
  readonly base: string;
  readonly discoveryUrl: string;
  readonly jwksUri: string;
  /** The current signing key's kid. */
  currentKid(): string;
  /** Every request the server saw: path and Authorization header. */
  readonly requests: readonly ServedRequest[];
  /** The server underneath (to route other paths, or count hits per path). */
  readonly server: JwksServer;
  /** The published public keys. */
  jwks(): JSONWebKeySet;
  /** Requests to the key set so far. */
  keyFetches(): number;
  /** A signed JWT with `iss`, `iat`, `nbf` (= iat) and `exp` set unless `claims` sets them (a claim set to undefined is left out). */
  mint(claims: Record<string, unknown>, options?: MintOptions): Promise<string>;
  /** Signs with a new key from now on; the old one stays published only with `keep`. */
  rotate(options?: { keep?: boolean; kid?: string }): Promise<void>;
  /** While down, every path answers 503. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

async function signingKey(alg: VerifyJwsAlg, kid: string, use: string, withAlg: boolean): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, use, ...(withAlg ? { alg } : {}) };
  if (!withAlg) delete publicJwk.alg;
  return { kid, privateKey, publicJwk };
}

/** Signs `payload` under `header` as `alg`: with the key, unsigned for `none`, or HMAC keyed with the public key's PEM. */
async function sign(key: SigningKey, alg: MintAlg, header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  const fullHeader = { ...header, alg };
  if (alg === 'none' || alg.startsWith('HS')) {
    const input = `${base64url(JSON.stringify(fullHeader))}.${base64url(JSON.stringify(payload))}`;
    if (alg === 'none') return `${input}.`;
    const pem = createPublicKey({ key: key.publicJwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    return `${input}.${createHmac(`sha${alg.slice(2)}`, pem)
      .update(input)
      .digest('base64url')}`;
  }
  return new SignJWT(payload).setProtectedHeader(fullHeader).sign(key.privateKey);
}

/** An issuer served over HTTP on 127.0.0.1 with OIDC discovery and a JWK Set (ES256 by default). */
export async function startOidcIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const alg = options.alg ?? 'ES256';
  const clock = options.clock ?? systemClock;
  const use = options.keyUse ?? 'sig';
  const withAlg = options.keyAlg ?? true;
  const server = await startJwksServer();
  const path = options.path ?? '';
  const base = `${server.base}${path}`;
  const issuer = options.issuer ?? base;
  const jwksPath = `${path}${options.jwksPath ?? '/jwks'}`;
  const jwksUri = `${server.base}${jwksPath}`;
  let keys: SigningKey[] = [await signingKey(alg, options.kid ?? 'key-1', use, withAlg)];
  let down = false;
  let rotations = 1;

  /** Answers `document()` as JSON unless down or the bearer token is missing. */
  const serve =
    (document: () => unknown, headers: Record<string, string> = {}): Answer =>
    (req: IncomingMessage, res: ServerResponse) => {
      if (down) return void res.writeHead(503).end();
      if (options.bearer !== undefined && req.headers.authorization !== `Bearer ${options.bearer}`) {
        return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"kind":"Status","status":"Failure","reason":"Unauthorized","code":401}');
      }
      res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(document()));
    };
  const jwks = (): JSONWebKeySet => ({ keys: keys.map((k) => k.publicJwk) });
  server.route(
    jwksPath,
    serve(() => ({ ...jwks(), ...options.keySetMembers }), options.cacheControl ? { 'cache-control': options.cacheControl } : {}),
  );
  if (options.discovery !== false) {
    server.route(
      `${path}/.well-known/openid-configuration`,
      serve(() => ({
        issuer,
        jwks_uri: options.discoveryJwksUri ?? jwksUri,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [alg],
      })),
    );
  }
  return {
    issuer,
    base,
    discoveryUrl: `${base}/.well-known/openid-configuration`,
    jwksUri,
    // The first key signs: rotate puts the new one first.
    currentKid: () => keys[0]!.kid,
    requests: server.requests,
    server,
    jwks,
    keyFetches: () => server.hits.get(jwksPath) ?? 0,
    async mint(claims, mintOptions = {}) {
      // The first key is the current one.
      const key = keys[0]!;
      const now = Math.floor(clock.now() / 1000);
      const iat = mintOptions.iat === undefined ? now : mintOptions.iat;
      // As the platforms do, nbf is iat.
      const times = iat === null ? {} : { iat, nbf: iat };
      const payload: Record<string, unknown> = { iss: issuer, ...times, exp: (iat ?? now) + (mintOptions.expiresIn ?? 300), ...claims };
      for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
      const kid = mintOptions.kid === undefined ? key.kid : mintOptions.kid;
      const header = { typ: 'JWT', ...(kid === null ? {} : { kid }), ...mintOptions.header };
      return sign(key, mintOptions.alg ?? alg, header, payload);
    },
    async rotate(rotateOptions = {}) {
      rotations += 1;
      const next = await signingKey(alg, rotateOptions.kid ?? `key-${rotations}`, use, withAlg);
      keys = rotateOptions.keep === true ? [next, ...keys] : [next];
    },
    setDown: (value) => {
      down = value;
    },
    close: () => server.close(),
  };
}

/** A federated issuer as the read model holds it, registered for `issuer` (kind oidc, keys by discovery unless `settings` say otherwise). */
export function federatedIssuerRecord(issuer: Pick<TestIssuer, 'issuer'>, settings: Partial<FederatedIssuer> = {}): FederatedIssuer {
  return {
    id: 'fi_test',
    tenantId: 'tenant',
    name: 'test issuer',
    kind: 'oidc',
    issuer: issuer.issuer,
    jwks: null,
    jwksUri: null,
    discoveryUrl: null,
    audiences: null,
    maxTokenAge: 3600,
    requireJti: false,
    bearerTokenFile: null,
    allowLongerThanAssertion: false,
    algorithms: null,
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
    ...settings,
  };
}

/** A random string shaped like a JWT (three base64url parts), as a projected service account token is. */
export function fakeServiceAccountToken(): string {
  return [base64url('{"alg":"RS256"}'), base64url(randomBytes(24)), base64url(randomBytes(32))].join('.');
}

/** A Kubernetes API server's issuer: discovery and keys behind a bearer token, which is also in `bearerTokenFile`. */
export interface KubernetesIssuer extends TestIssuer {
  /** The token the discovery and key endpoints require. */
  readonly bearerToken: string;
  /** A file holding it, as a pod's projected token file would (removed on close). */
  readonly bearerTokenFile: string;
}

/**
 * A Kubernetes-like issuer (RS256, keys at `/openid/v1/jwks`): discovery and keys answer 401
 * without `Authorization: Bearer <bearerToken>`. With `issuer` (e.g. `https://kubernetes.default.svc`),
 * tokens carry that `iss` while discovery is served on 127.0.0.1 (register its `discoveryUrl`):
 * the managed-cluster case.
 */
export async function startKubernetesIssuer(options: Omit<TestIssuerOptions, 'bearer'> = {}): Promise<KubernetesIssuer> {
  const bearerToken = fakeServiceAccountToken();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-k8s-'));
  const bearerTokenFile = join(dir, 'token');
  writeFileSync(bearerTokenFile, `${bearerToken}\n`);
  const issuer = await startOidcIssuer({ alg: 'RS256', jwksPath: '/openid/v1/jwks', ...options, bearer: bearerToken });
  return {
    ...issuer,
    bearerToken,
    bearerTokenFile,
    close: async () => {
      rmSync(dir, { recursive: true, force: true });
      await issuer.close();
    },
  };
}

/**
 * A SPIFFE trust domain's bundle endpoint (SPIFFE Trust Domain and Bundle §4): keys with
 * `use: "jwt-svid"` and no `alg`, a `spiffe_refresh_hint`; `issuer` is `spiffe://<trustDomain>`
 * and `jwksUri` the bundle's URL. JWT-SVIDs carry no `iss` unless the claims give one.
 */
export async function startSpiffeBundle(options: { trustDomain?: string; alg?: VerifyJwsAlg; refreshHint?: number; clock?: Clock } = {}): Promise<TestIssuer> {
  const trustDomain = options.trustDomain ?? 'example.org';
  const bundle = await startOidcIssuer({
    alg: options.alg ?? 'ES256',
    discovery: false,
    jwksPath: '/bundle',
    keyUse: 'jwt-svid',
    keyAlg: false,
    keySetMembers: { spiffe_sequence: 1, spiffe_refresh_hint: options.refreshHint ?? 300 },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { ...bundle, issuer: `spiffe://${trustDomain}`, mint: (claims, mintOptions) => bundle.mint({ iss: undefined, ...claims }, mintOptions) };
}

/** GitHub Actions' ID token claims for a workflow run (docs.github.com, "About security hardening with OpenID Connect"). */
export function githubActionsClaims(o: {
  aud: string;
  /** `OWNER/REPO` (default `acme/cleanup`). */
  repository?: string;
  repositoryId?: string;
  ownerId?: string;
  /** Default `refs/heads/main`. */
  ref?: string;
  /** When set, `sub` names the environment instead of the ref, as GitHub does. */
  environment?: string;
  eventName?: string;
  workflow?: string;
}): Record<string, unknown> {
  const repository = o.repository ?? 'acme/cleanup';
  const owner = repository.split('/')[0] ?? repository;
  const ref = o.ref ?? 'refs/heads/main';
  const workflowPath = `${repository}/.github/workflows/${(o.workflow ?? 'ci').toLowerCase()}.yml@${ref}`;
  const sha = randomBytes(20).toString('hex');
  return {
    jti: randomUUID(),
    sub: o.environment === undefined ? `repo:${repository}:ref:${ref}` : `repo:${repository}:environment:${o.environment}`,
    aud: o.aud,
    ref,
    sha,
    repository,
    repository_owner: owner,
    repository_owner_id: o.ownerId ?? '1342004',
    repository_id: o.repositoryId ?? '892176',
    repository_visibility: 'private',
    run_id: '7302947562',
    run_number: '42',
    run_attempt: '1',
    actor: 'octocat',
    actor_id: '583231',
    workflow: o.workflow ?? 'CI',
    workflow_ref: workflowPath,
    workflow_sha: sha,
    job_workflow_ref: workflowPath,
    job_workflow_sha: sha,
    head_ref: '',
    base_ref: '',
    event_name: o.eventName ?? 'push',
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    ref_protected: 'true',
    runner_environment: 'github-hosted',
    ...(o.environment === undefined ? {} : { environment: o.environment }),
  };
}

/** A job's view of GitHub's token service: what a workflow step finds in its environment, and the tokens it was given. */
export interface GithubJobTokens {
  /** ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN, as GitHub sets them with `id-token: write`. */
  readonly env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string };
  /** Every token minted so far, in order. */
  readonly minted: readonly string[];
}

/**
 * Serves GitHub's token service for a job on `github` (`GET /_apis/token?audience=…` with the
 * request token as bearer): each call mints the claims `claimsFor(audience)` gives.
 */
export function serveGithubJobTokens(github: TestIssuer, claimsFor: (audience: string) => Record<string, unknown>): GithubJobTokens {
  const requestToken = randomBytes(16).toString('hex');
  const minted: string[] = [];
  github.server.route('/_apis/token', (req, res) => {
    const audience = new URL(req.url ?? '/', github.base).searchParams.get('audience');
    if (req.headers.authorization !== `bearer ${requestToken}` || audience === null) return void res.writeHead(401).end();
    void github.mint(claimsFor(audience)).then((token) => {
      minted.push(token);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: 1, value: token }));
    });
  });
  return { env: { ACTIONS_ID_TOKEN_REQUEST_URL: `${github.base}/_apis/token?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken }, minted };
}

/** GitLab CI's ID token claims for a job (docs.gitlab.com, "OpenID Connect (OIDC) authentication using ID tokens"). */
export function gitlabCiClaims(o: {
  aud: string;
  /** `group/project` (default `acme/cleanup`). */
  projectPath?: string;
  projectId?: string;
  namespaceId?: string;
  /** Default `main`. */
  ref?: string;
  refType?: 'branch' | 'tag';
  environment?: string;
  userLogin?: string;
}): Record<string, unknown> {
  const projectPath = o.projectPath ?? 'acme/cleanup';
  const namespacePath = projectPath.split('/').slice(0, -1).join('/');
  const ref = o.ref ?? 'main';
  const refType = o.refType ?? 'branch';
  return {
    jti: randomUUID(),
    sub: `project_path:${projectPath}:ref_type:${refType}:ref:${ref}`,
    aud: o.aud,
    namespace_id: o.namespaceId ?? '72',
    namespace_path: namespacePath,
    project_id: o.projectId ?? '4721',
    project_path: projectPath,
    project_visibility: 'private',
    user_id: '1017',
    user_login: o.userLogin ?? 'octo',
    user_email: `${o.userLogin ?? 'octo'}@example.com`,
    user_access_level: 'developer',
    pipeline_id: '1280',
    pipeline_source: 'push',
    job_id: '40212',
    ref,
    ref_type: refType,
    ref_path: refType === 'branch' ? `refs/heads/${ref}` : `refs/tags/${ref}`,
    ref_protected: 'true',
    runner_id: 17,
    runner_environment: 'gitlab-hosted',
    sha: randomBytes(20).toString('hex'),
    ci_config_ref_uri: `gitlab.example.com/${projectPath}//.gitlab-ci.yml@refs/heads/${ref}`,
    ...(o.environment === undefined ? {} : { environment: o.environment, environment_protected: 'false' }),
  };
}

/** A projected service account token's claims (Kubernetes, "Service account token volume projection"). */
export function kubernetesClaims(o: { aud: string; namespace?: string; serviceAccount?: string; pod?: string }): Record<string, unknown> {
  const namespace = o.namespace ?? 'prod';
  const serviceAccount = o.serviceAccount ?? 'cleanup';
  return {
    sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
    aud: [o.aud],
    jti: randomUUID(),
    'kubernetes.io': {
      namespace,
      pod: { name: o.pod ?? `${serviceAccount}-7d9f8b6c5-x2x4q`, uid: randomUUID() },
      serviceaccount: { name: serviceAccount, uid: randomUUID() },
    },
  };
}

/** A JWT-SVID's claims (SPIFFE JWT-SVID §3): `sub` a SPIFFE ID, `aud` a list. */
export function spiffeSvidClaims(o: { aud: string; spiffeId?: string }): Record<string, unknown> {
  return { sub: o.spiffeId ?? 'spiffe://example.org/ns/prod/sa/cleanup', aud: [o.aud] };
}
