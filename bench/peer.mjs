// node-oidc-provider configured like Tessera for the benchmark: client_credentials, client_secret_basic,
// one resource server with JWT access tokens signed with the same algorithm.
// Usage: node peer.mjs <port> <alg> <credentials-file>   (run from the folder oidc-provider is installed in)
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

const [port, alg, credentialsFile] = process.argv.slice(2);
const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
const jwk = { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: 'bench' };
const clients = readFileSync(credentialsFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const [client_id, client_secret] = line.split(':');
    return {
      client_id,
      client_secret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: alg,
    };
  });
const audience = 'https://api.bench/';
const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients,
  jwks: { keys: [jwk] },
  scopes: ['read'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'read', audience, accessTokenTTL: 3600, accessTokenFormat: 'jwt', jwt: { sign: { alg } } }),
    },
  },
});
provider.listen(Number(port), '127.0.0.1', () => process.stdout.write('PEER_READY\n'));
