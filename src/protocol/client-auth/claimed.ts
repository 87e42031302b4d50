import { decodeJwt } from 'jose';
import type { RequestParams } from '../params.js';
import { parseBasicCredentials } from './basic.js';

/**
 * The client a token request names, before anything is checked: the id of its Basic
 * credentials, its `client_id`, or the `sub` of its client assertion (RFC 7523 §3). Undefined
 * when it names none legibly. Only for deciding how to answer while the database is unavailable:
 * never a proof of anything.
 */
export function claimedClientId(authorization: string | undefined, params: RequestParams): string | undefined {
  if (authorization !== undefined) {
    if (!/^basic /i.test(authorization)) return undefined;
    try {
      return parseBasicCredentials(authorization, '').clientId;
    } catch {
      return undefined;
    }
  }
  const clientId = params.get('client_id');
  if (clientId !== undefined) return clientId;
  const assertion = params.get('client_assertion');
  if (assertion === undefined) return undefined;
  try {
    const { sub } = decodeJwt(assertion);
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}
