import { ACCESS_TOKEN_PARAMETERS, accessTokenResponse } from './access-token-response.js';
import type { GrantType } from './registry.js';

/** The client credentials grant (RFC 6749 §4.4) with audience and resource indicators (RFC 8707). */
export const clientCredentials: GrantType = {
  name: 'client_credentials',
  parameters: ACCESS_TOKEN_PARAMETERS,
  repeatable: ['audience', 'resource'],
  handle: accessTokenResponse,
};
