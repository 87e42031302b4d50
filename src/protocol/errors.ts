/** Error codes of RFC 6749 §5.2, RFC 8707 §2, RFC 6750 and RFC 9449 §5 used by the public endpoints. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'unsupported_token_type'
  | 'invalid_dpop_proof'
  | 'server_error'
  | 'temporarily_unavailable';

const STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_target: 400,
  unsupported_token_type: 400,
  invalid_dpop_proof: 400,
  server_error: 500,
  temporarily_unavailable: 503,
};

/** Longest error_description sent: a description may quote a (hostile) parameter name or value. */
const MAX_DESCRIPTION_LENGTH = 300;

/** RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E; anything else quoted from the request becomes `?`. */
function publicDescription(text: string): string {
  const safe = text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, '?');
  return safe.length <= MAX_DESCRIPTION_LENGTH ? safe : `${safe.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
}

/**
 * An OAuth error with a public half (code and description, sent to the client) and a private
 * half (`detail`, logged only). RFC 6749 §5.2.
 */
export class OAuthError extends Error {
  override readonly name = 'OAuthError';
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    options: { detail?: string; status?: number; headers?: Record<string, string> } = {},
  ) {
    super(options.detail ?? description);
    this.status = options.status ?? STATUS[code];
    this.headers = options.headers ?? {};
  }

  /** The JSON body of RFC 6749 §5.2. */
  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: publicDescription(this.description) };
  }
}

export const invalidRequest = (description: string, detail?: string) => new OAuthError('invalid_request', description, detail ? { detail } : {});
export const invalidScope = (description: string) => new OAuthError('invalid_scope', description);
export const invalidTarget = (description: string) => new OAuthError('invalid_target', description);
export const invalidDpopProof = (description: string, detail?: string) => new OAuthError('invalid_dpop_proof', description, detail ? { detail } : {});

/** The one public answer to every client authentication failure (unknown, wrong secret, disabled…). */
export function invalidClient(detail: string, usedBasic: boolean, realm: string): OAuthError {
  return new OAuthError('invalid_client', 'Client authentication failed.', {
    detail,
    headers: usedBasic ? { 'www-authenticate': `Basic realm="${realm}"` } : {},
  });
}

/** Anything that is not an OAuthError becomes `server_error`, with nothing of it made public. */
export function toOAuthError(err: unknown): OAuthError {
  if (err instanceof OAuthError) return err;
  return new OAuthError('server_error', 'The authorization server met an unexpected condition.', {
    detail: err instanceof Error ? err.message : String(err),
  });
}

/** RFC 6749 §5.2 (as extended for the token endpoint): the server cannot answer now; retry after `retryAfterSeconds`. */
export function temporarilyUnavailable(retryAfterSeconds: number, detail: string): OAuthError {
  return new OAuthError('temporarily_unavailable', 'The authorization server is temporarily unavailable; retry later.', {
    detail,
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}
