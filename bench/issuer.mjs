// A small OIDC issuer for the federated scenarios of bench/run.mjs: one issuer with an ES256 and
// an RS256 key, serving its discovery document and JWK Set on 127.0.0.1, and minting the
// platform tokens (Kubernetes-like: iss, sub, aud, iat, exp) a workload sends as its client
// assertion. The keys are made and the tokens signed in the benchmark's process; the documents
// are served by a process of their own (this file run as `node bench/issuer.mjs PORT JWKS_FILE`),
// since the benchmark's process waits on wrk while Tessera's workers may fetch them.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** Serves the discovery document and the JWK Set of the file, printing each request's path. */
function serve(port, jwksFile) {
  const jwks = JSON.parse(readFileSync(jwksFile, 'utf8'));
  const issuer = `http://127.0.0.1:${port}`;
  const documents = { '/.well-known/openid-configuration': { issuer, jwks_uri: `${issuer}/jwks` }, '/jwks': jwks };
  createServer((req, res) => {
    process.stdout.write(`REQUEST ${req.url}\n`);
    const body = documents[req.url];
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' }).end(JSON.stringify(body));
  }).listen(Number(port), '127.0.0.1', () => process.stdout.write(`ISSUER_READY ${jwksFile}\n`));
}

/**
 * Starts the issuer on `port` (its server a child process, started by `start` of bench/run.mjs);
 * answers { issuer, child, mint(alg, claims), requests() }.
 */
export async function startBenchIssuer({ port, dir, start }) {
  const keys = {};
  for (const alg of ['ES256', 'RS256']) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const kid = `bench-${alg.toLowerCase()}`;
    keys[alg] = { privateKey, kid, jwk: { ...(await exportJWK(publicKey)), alg, use: 'sig', kid } };
  }
  const jwksFile = join(dir, `issuer-${port}.jwks.json`);
  writeFileSync(jwksFile, JSON.stringify({ keys: Object.values(keys).map((k) => k.jwk) }));
  const child = await start(process.execPath, [fileURLToPath(import.meta.url), String(port), jwksFile], { ready: 'ISSUER_READY' });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk.toString()));
  const issuer = `http://127.0.0.1:${port}`;
  return {
    issuer,
    child,
    /** Requests the issuer's server answered so far (discovery and JWK Set fetches). */
    requests: () => output.split('\n').filter((line) => line.startsWith('REQUEST ')).length,
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
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) serve(...process.argv.slice(2));
