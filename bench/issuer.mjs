// A small OIDC issuer for the federated scenarios of bench/run.mjs: one issuer with an ES256 and
// an RS256 key, serving its discovery document and JWK Set on 127.0.0.1, and minting the
// platform tokens (Kubernetes-like: iss, sub, aud, iat, exp, no jti) a workload sends as its
// client assertion. It runs in the benchmark's own process: Tessera fetches its keys once and
// caches them, so it is idle while the token endpoint is measured.
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** Starts the issuer; answers { issuer, mint(alg, claims), requests, close() }. */
export async function startBenchIssuer() {
  const keys = {};
  for (const alg of ['ES256', 'RS256']) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    keys[alg] = { privateKey, kid: `bench-${alg.toLowerCase()}`, jwk: { ...(await exportJWK(publicKey)), alg, use: 'sig', kid: `bench-${alg.toLowerCase()}` } };
  }
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer, jwks_uri: `${issuer}/jwks` }
        : req.url === '/jwks'
          ? { keys: Object.values(keys).map((k) => k.jwk) }
          : undefined;
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' }).end(JSON.stringify(body));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  return {
    issuer,
    requests,
    /** A platform token signed with `alg`'s key: `sub`, `aud` and `jti` (optional) as given, issued now, valid for an hour. */
    mint: (alg, { sub, aud, jti }) =>
      new SignJWT(jti ? { jti } : {})
        .setProtectedHeader({ alg, kid: keys[alg].kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setSubject(sub)
        .setAudience(aud)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(keys[alg].privateKey),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
