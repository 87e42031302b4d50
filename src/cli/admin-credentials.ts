import type { Command } from 'commander';
import type { AdminConnection } from './admin-client.js';
import { httpUrl } from './http.js';
import { loginFile, readLogin } from './login-cache.js';
import { loginToken } from './login-token.js';

/** The same admin API, whatever trailing slash was typed. */
const sameEndpoint = (a: string, b: string) => httpUrl(a, '--endpoint').href.replace(/\/+$/, '') === httpUrl(b, '--endpoint').href.replace(/\/+$/, '');

/**
 * The endpoint and token of an admin command: `--token` (or TESSERA_ADMIN_TOKEN), an admin token or
 * an access token, wins; else the token of `tessera login`, renewed when it expires, which goes
 * only to the admin API it was obtained for (that one is the default `--endpoint` while logged in).
 */
export async function adminCredentials(
  options: { endpoint: string; token?: string | undefined },
  command: Command,
): Promise<Pick<AdminConnection, 'endpoint' | 'token' | 'unauthorizedHint'>> {
  if (options.token !== undefined) return { endpoint: options.endpoint, token: options.token };
  const path = loginFile();
  const login = readLogin(path);
  if (login === undefined) {
    return { endpoint: options.endpoint, unauthorizedHint: 'no admin token was given: use --token, TESSERA_ADMIN_TOKEN or "tessera login"' };
  }
  const endpoint = command.getOptionValueSource('endpoint') === 'default' ? login.endpoint : options.endpoint;
  if (!sameEndpoint(endpoint, login.endpoint)) {
    return {
      endpoint,
      unauthorizedHint: `no admin token was given, and the saved login is for ${login.endpoint}: use --token, or "tessera login --endpoint ${endpoint}"`,
    };
  }
  return {
    endpoint,
    token: await loginToken(login, path),
    unauthorizedHint: `the admin API refused the token of the saved login (${path}): run "tessera login" again`,
  };
}
