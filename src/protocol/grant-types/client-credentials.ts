import { epochSeconds } from '../../lib/clock.js';
import { accessTokenClaims, accessTokenLifetime, signAccessToken } from '../access-token.js';
import { assertTargetDpop } from '../dpop.js';
import { OAuthError } from '../errors.js';
import { parseScopeParameter } from '../scope.js';
import { assertResourceIndicator, resolveTarget } from '../target.js';
import type { GrantType } from './registry.js';

/** The client credentials grant (RFC 6749 §4.4) with audience and resource indicators (RFC 8707). */
export const clientCredentials: GrantType = {
  name: 'client_credentials',
  parameters: ['scope', 'audience', 'resource'],
  repeatable: ['audience', 'resource'],
  async handle({ params, client, tenant, issuer, clock, dpop }) {
    const resources = params.all('resource');
    resources.forEach(assertResourceIndicator);
    const scopes = parseScopeParameter(params.get('scope'));
    const target = resolveTarget(tenant.permissions(client.entry.client), [...params.all('audience'), ...resources], scopes);
    assertTargetDpop(target, dpop);
    const { tenant: settings, signer } = tenant.settings;
    if (!signer) throw new OAuthError('server_error', 'The authorization server has no signing key.', { detail: `tenant ${settings.id} has no active key` });
    const lifetime = accessTokenLifetime(settings, client.entry.client, target);
    const claims = accessTokenClaims({ issuer, client: client.entry.client, target, nowSeconds: epochSeconds(clock), lifetime, jkt: dpop?.jkt ?? null });
    return {
      access_token: await signAccessToken(signer, claims),
      token_type: dpop ? 'DPoP' : 'Bearer',
      expires_in: lifetime,
      scope: target.scopes.join(' '),
    };
  },
};
