import { mappedClaims } from '../../domain/claims/merge.js';
import { epochSeconds } from '../../lib/clock.js';
import { accessTokenClaims, accessTokenLifetime, signAccessToken } from '../access-token.js';
import { certificateBinding } from '../certificate-binding.js';
import { assertTargetDpop } from '../dpop.js';
import { OAuthError } from '../errors.js';
import { parseScopeParameter } from '../scope.js';
import { assertResourceIndicator, resolveTarget } from '../target.js';
import type { GrantContext, TokenResponse } from './registry.js';

/** The parameters of a grant that issues the client's own access token: scope, audience and resource (RFC 8707). */
export const ACCESS_TOKEN_PARAMETERS = ['scope', 'audience', 'resource'] as const;

/**
 * Seconds the token may live: the client's and its APIs' lifetime, capped at what is left of a
 * federated token's `exp` (RFC 7521 §4.1) unless its issuer allows longer.
 */
function cappedLifetime(lifetime: number, ctx: GrantContext, nowSeconds: number): number {
  const federated = ctx.client.federated;
  if (!federated || federated.allowLongerThanAssertion) return lifetime;
  const left = federated.exp - nowSeconds;
  if (left < 1)
    throw new OAuthError('invalid_grant', 'The assertion has expired.', { detail: `federated token expired at ${federated.exp}, now ${nowSeconds}` });
  return Math.min(lifetime, left);
}

/**
 * The access token of the authenticated client (RFC 9068) for the requested scope, audiences and
 * resources (RFC 8707), bound to the DPoP key when there is a proof (RFC 9449) or to the client's certificate
 * when it binds its tokens (RFC 8705 §3; still a Bearer token): what
 * client_credentials and jwt-bearer answer alike.
 */
export async function accessTokenResponse(ctx: GrantContext): Promise<TokenResponse> {
  const { params, client, tenant, issuer, clock, dpop, certificate } = ctx;
  const resources = params.all('resource');
  resources.forEach(assertResourceIndicator);
  const scopes = parseScopeParameter(params.get('scope'));
  const target = resolveTarget(tenant.permissions(client.entry.client), [...params.all('audience'), ...resources], scopes);
  assertTargetDpop(target, dpop);
  const { tenant: settings, signer } = tenant.settings;
  if (!signer) throw new OAuthError('server_error', 'The authorization server has no signing key.', { detail: `tenant ${settings.id} has no active key` });
  const nowSeconds = epochSeconds(clock);
  const lifetime = cappedLifetime(accessTokenLifetime(settings, client.entry.client, target), ctx, nowSeconds);
  const x5t = certificateBinding(client.entry.client, certificate);
  const claims = accessTokenClaims({
    issuer,
    client: client.entry.client,
    target,
    nowSeconds,
    lifetime,
    jkt: dpop?.jkt ?? null,
    x5t,
    federated: client.federated,
    added: [tenant.tokenClaims(client.entry.client, target.audiences), mappedClaims(client.entry.client.claimMappings, client.federated?.claims)],
  });
  return {
    access_token: await signAccessToken(signer, claims),
    token_type: dpop ? 'DPoP' : 'Bearer',
    expires_in: lifetime,
    scope: target.scopes.join(' '),
  };
}
