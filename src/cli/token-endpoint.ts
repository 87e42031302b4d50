import { readFileSync } from 'node:fs';
import { JWT_SPIFFE_ASSERTION_TYPE } from '../protocol/client-auth/federated.js';
import { JWT_BEARER_ASSERTION_TYPE } from '../protocol/client-auth/private-key-jwt.js';
import { CliError, EXIT, usageError } from './errors.js';
import { httpUrl, send } from './http.js';

/** `--assertion-type`: the client_assertion_type each name stands for. */
export const ASSERTION_TYPES = { 'jwt-bearer': JWT_BEARER_ASSERTION_TYPE, 'jwt-spiffe': JWT_SPIFFE_ASSERTION_TYPE } as const;

/** The names `--assertion-type` takes. */
export type AssertionTypeName = keyof typeof ASSERTION_TYPES;

/** RFC 6749 §5.1. */
export interface TokenResponse {
  access_token: string;
  token_type?: string;
  expires_in?: number;
  scope?: string;
}

/**
 * The token endpoint of `issuer`: from its RFC 8414 metadata (which must name the same issuer,
 * RFC 8414 §3.3), else `{issuer}/oauth2/token` when there is no metadata.
 */
export async function tokenEndpoint(issuer: string): Promise<URL> {
  const answer = await send(httpUrl(`${issuer}/.well-known/oauth-authorization-server`, '--issuer'), { headers: { accept: 'application/json' } });
  const metadata = answer.json as { issuer?: unknown; token_endpoint?: unknown } | undefined;
  if (answer.status !== 200 || typeof metadata?.token_endpoint !== 'string') return httpUrl(`${issuer}/oauth2/token`, '--issuer');
  if (metadata.issuer !== issuer) {
    throw new CliError(
      EXIT.refused,
      `the metadata at ${issuer}/.well-known/oauth-authorization-server names issuer "${String(metadata.issuer)}", not "${issuer}": use --issuer ${String(metadata.issuer)}`,
    );
  }
  return httpUrl(metadata.token_endpoint, 'token_endpoint of the metadata');
}

/** RFC 6749 §2.3.1: id and secret form-urlencoded, then base64. */
export function basicCredentials(clientId: string, secret: string): string {
  const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

/**
 * A credential kept in a file (a platform's token: a Kubernetes projected token, a CI job's OIDC
 * token, a JWT-SVID; or a client secret), read at each use since platforms rotate it; a file that
 * cannot be read, or is empty, is wrong usage named after `option`.
 */
export function readCredentialFile(path: string, option = '--assertion-file'): string {
  let value: string;
  try {
    value = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw usageError(`${option} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (value === '') throw usageError(`${option} ${path} is empty`);
  return value;
}

/**
 * Posts a token request (RFC 6749 §4.4, RFC 7523 §2.1) to `endpoint`; an error answer (§5.2)
 * becomes exit 4 for invalid_client or invalid_grant, else 1.
 */
export async function postTokenRequest(endpoint: URL, form: URLSearchParams, headers: Record<string, string> = {}): Promise<TokenResponse> {
  const answer = await send(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
    body: form.toString(),
  });
  const body = answer.json as Partial<TokenResponse> & { error?: string; error_description?: string };
  if (answer.status === 200 && typeof body?.access_token === 'string') return body as TokenResponse;
  if (typeof body?.error !== 'string') throw new CliError(EXIT.refused, `the token endpoint answered HTTP ${answer.status}`);
  const message = body.error_description ? `${body.error}: ${body.error_description}` : body.error;
  throw new CliError(body.error === 'invalid_client' || body.error === 'invalid_grant' ? EXIT.denied : EXIT.refused, message);
}
