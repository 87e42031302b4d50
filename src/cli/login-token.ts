import { ADMIN_API_IDENTIFIER } from '../domain/admin-scopes.js';
import { CliError } from './errors.js';
import { writeLogin, type Login } from './login-cache.js';
import { ASSERTION_TYPES, basicCredentials, postTokenRequest, readCredentialFile } from './token-endpoint.js';

/** A token that expires within this many seconds is replaced before it is used. */
export const RENEW_BEFORE_SECONDS = 30;

/** What a new access token is requested with: a login without its token. */
export type LoginRequest = Omit<Login, 'access_token' | 'expires_at'>;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The expiry of a token: its response's `expires_in` from now, else its `exp` claim, else now (asked for again at the next use). */
function expiryOf(token: string, expiresIn: number | undefined): number {
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn)) return nowSeconds() + Math.floor(expiresIn);
  try {
    const exp = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : nowSeconds();
  } catch {
    return nowSeconds();
  }
}

/**
 * Asks the token endpoint for an access token of urn:tessera:admin (client_credentials, RFC 6749
 * §4.4, with `audience`): the secret with client_secret_basic (§2.3.1), or the platform's token,
 * read from its file now, as the client assertion (RFC 7523 §2.2).
 */
export async function requestLoginToken(request: LoginRequest): Promise<Login> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', audience: ADMIN_API_IDENTIFIER });
  if (request.scope !== null) form.set('scope', request.scope);
  const headers: Record<string, string> = {};
  const credential = request.credential;
  if (credential.type === 'assertion_file') {
    form.set('client_id', request.client_id);
    form.set('client_assertion_type', ASSERTION_TYPES[credential.assertion_type]);
    form.set('client_assertion', readCredentialFile(credential.path));
  } else {
    const secret = credential.type === 'client_secret' ? credential.secret : readCredentialFile(credential.path, '--client-secret-file');
    headers.authorization = basicCredentials(request.client_id, secret);
  }
  const response = await postTokenRequest(new URL(request.token_url), form, headers);
  return { ...request, access_token: response.access_token, expires_at: expiryOf(response.access_token, response.expires_in) };
}

/**
 * The access token of the saved login, renewed (and saved) when it has expired or expires within
 * 30 seconds. A renewal refused by the token endpoint says to log in again.
 */
export async function loginToken(login: Login, path?: string): Promise<string> {
  if (login.expires_at - RENEW_BEFORE_SECONDS > nowSeconds()) return login.access_token;
  let renewed: Login;
  try {
    renewed = await requestLoginToken(login);
  } catch (err) {
    if (err instanceof CliError)
      throw new CliError(err.exitCode, err.message, [...err.lines, 'the saved login could not get a new token: run "tessera login" again']);
    throw err;
  }
  writeLogin(renewed, path);
  return renewed.access_token;
}
