import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** node-oidc-provider on 127.0.0.1, as an independent OIDC issuer of JWT access tokens (RFC 9068) for one audience. */
export interface NodeOidcProvider {
  /** Its issuer identifier (`iss` of its tokens), e.g. `http://127.0.0.1:40389`. */
  readonly issuer: string;
  /** The paths requested so far, in order (query left out). */
  readonly requests: string[];
  /** A client_credentials access token of its client `workload`, with the audience of the resource it serves. */
  accessToken(): Promise<string>;
  close(): Promise<void>;
}

const CLIENT_ID = 'workload';
const CLIENT_SECRET = 'node-oidc-provider-test-secret';

/**
 * Starts node-oidc-provider with client_credentials and resource indicators (RFC 8707): every
 * access token it issues is a JWT signed with `alg` (ES256 or RS256), whose `aud` is `audience`,
 * `sub` and `client_id` are `workload`, and which carries `iat`, `exp` and `jti`.
 */
export async function startNodeOidcProvider(options: { audience: string; alg?: 'ES256' | 'RS256' }): Promise<NodeOidcProvider> {
  const alg = options.alg ?? 'ES256';
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `node-oidc-provider-${alg}` };
  const requests: string[] = [];
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const audience = options.audience;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        id_token_signed_response_alg: alg,
      },
    ],
    jwks: { keys: [jwk] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'api', audience, accessTokenTTL: 600, accessTokenFormat: 'jwt', jwt: { sign: { alg } } }),
      },
    },
    ttl: { ClientCredentials: 600 },
  });
  const handle = provider.callback();
  server.on('request', (req, res) => {
    requests.push((req.url ?? '/').split('?')[0]!);
    handle(req, res);
  });
  return {
    issuer,
    requests,
    async accessToken() {
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials&scope=api',
      });
      const body = (await res.json()) as { access_token?: string };
      if (res.status !== 200 || typeof body.access_token !== 'string') throw new Error(`node-oidc-provider answered ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
