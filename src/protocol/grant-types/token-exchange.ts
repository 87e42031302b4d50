import { epochSeconds } from '../../lib/clock.js';
import { certificateThumbprint } from '../../lib/x509/thumbprint.js';
import { isConfidential } from '../../domain/clients/model.js';
import { accessTokenClaims, accessTokenLifetime, signAccessToken } from '../access-token.js';
import { certificateBinding } from '../certificate-binding.js';
import type { FederationDeps } from '../client-auth/federated.js';
import { actorsOf, delegationChain, MAX_DELEGATION_DEPTH, type ActClaim } from '../delegation.js';
import { assertTargetDpop, type DpopProof } from '../dpop.js';
import { invalidRequest, invalidScope, invalidTarget, OAuthError } from '../errors.js';
import type { PresentedCertificate } from '../presented-certificate.js';
import { parseScopeParameter } from '../scope.js';
import { assertResourceIndicator, resolveTarget, type ResolvedTarget } from '../target.js';
import { ACCESS_TOKEN_TYPE, assertActorToken, invalidSubject, subjectToken, type SubjectToken } from './exchange-tokens.js';
import type { GrantContext, GrantType } from './registry.js';

/** The grant type of RFC 8693 §2.1. */
export const TOKEN_EXCHANGE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** The parameters of a token exchange request (RFC 8693 §2.1). */
const TOKEN_EXCHANGE_PARAMETERS = [
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
  'scope',
  'audience',
  'resource',
] as const;

/** RFC 8693 §4.4: a subject token's `may_act` admits only the actor it names, by `client_id` or `sub`. */
function assertMayAct(subject: SubjectToken, actor: ActClaim): void {
  const mayAct = subject.mayAct;
  if (mayAct === undefined) return;
  const named = (mayAct.client_id !== undefined && mayAct.client_id === actor.client_id) || (mayAct.sub !== undefined && mayAct.sub === actor.sub);
  if (!named) {
    throw new OAuthError('invalid_request', 'The subject token does not allow this client to act for its subject (may_act).', {
      detail: `may_act ${JSON.stringify(mayAct)} does not name client ${String(actor.client_id)}`,
    });
  }
}

/**
 * A subject token bound to a key (RFC 7800 `cnf`) is exchanged only by a request that proves that
 * key: a DPoP proof of the same key (RFC 9449 §6.1), or the same client certificate (RFC 8705 §3.1).
 */
function assertSubjectBinding(subject: SubjectToken, dpop: DpopProof | null, certificate: PresentedCertificate | null): void {
  const { cnf } = subject;
  if (cnf === undefined) return;
  if (typeof cnf.jkt === 'string') {
    if (dpop?.jkt === cnf.jkt) return;
    throw invalidSubject(`subject token bound to DPoP key ${cnf.jkt}, request ${dpop ? `proved key ${dpop.jkt}` : 'sent no DPoP proof'}`);
  }
  const x5t = cnf['x5t#S256'];
  if (typeof x5t === 'string' && certificate !== null && certificateThumbprint(certificate.der) === x5t) return;
  throw invalidSubject(`subject token bound by cnf ${JSON.stringify(Object.keys(cnf))}, not proved by the request`);
}

/**
 * The audiences and scopes of the exchanged token: targets the acting client may use (as for
 * client_credentials), none of them an API that refuses exchanged tokens, and scopes the subject
 * token holds — the requested ones, which must all be held, else every allowed one it holds.
 */
function exchangeTarget(ctx: GrantContext, subject: SubjectToken): ResolvedTarget {
  const { params, client, tenant } = ctx;
  const resources = params.all('resource');
  resources.forEach(assertResourceIndicator);
  const requested = parseScopeParameter(params.get('scope'));
  for (const scope of requested ?? []) {
    if (!subject.scopes.has(scope)) throw invalidScope(`The scope ${scope} is not held by the subject token.`);
  }
  const target = resolveTarget(tenant.permissions(client.entry.client), [...params.all('audience'), ...resources], requested);
  const denied = target.audiences.find((a) => a.api?.tokenExchange === 'deny');
  if (denied) throw invalidTarget(`The audience ${denied.audience} does not accept exchanged tokens.`);
  return requested ? target : { audiences: target.audiences, scopes: target.scopes.filter((s) => subject.scopes.has(s)) };
}

/**
 * The token exchange grant (RFC 8693): the authenticated client exchanges a subject token of the
 * tenant (or of a federated issuer) for an access token that keeps the subject's `sub`, has the
 * client as `client_id` (§4.3) and as the outermost actor of `act` (§4.1, the subject token's own
 * `act` nested inside), honours the subject token's `may_act` (§4.4), never outlives it, and
 * carries at most its scopes, only for targets the client may use. Only access tokens are issued
 * (`requested_token_type`); the answer names `issued_token_type` (§2.2.1).
 */
export function tokenExchange(federation: FederationDeps): GrantType {
  return {
    name: TOKEN_EXCHANGE_GRANT_TYPE,
    parameters: TOKEN_EXCHANGE_PARAMETERS,
    repeatable: ['audience', 'resource'],
    async handle(ctx) {
      const { params, client, tenant, issuer, clock, dpop, certificate } = ctx;
      const record = client.entry.client;
      if (!isConfidential(record.clientType)) throw new OAuthError('unauthorized_client', 'A public client may not exchange tokens.');
      const token = params.get('subject_token');
      const type = params.get('subject_token_type');
      if (token === undefined || type === undefined) throw invalidRequest('The subject_token and subject_token_type parameters are required.');
      const requestedType = params.get('requested_token_type');
      if (requestedType !== undefined && requestedType !== ACCESS_TOKEN_TYPE) {
        throw invalidRequest(`The requested_token_type must be ${ACCESS_TOKEN_TYPE}: only access tokens are issued.`);
      }
      const actorToken = params.get('actor_token');
      const actorType = params.get('actor_token_type');
      if (actorToken === undefined && actorType !== undefined) throw invalidRequest('The actor_token_type parameter requires an actor_token.');
      const input = { tenant, issuer, nowMs: clock.now() };
      if (actorToken !== undefined) await assertActorToken(actorToken, actorType, record.clientId, input);
      const subject = await subjectToken(token, type, input, federation);

      const actor: ActClaim = { sub: record.serviceAccountId ?? record.clientId, client_id: record.clientId };
      if (subject.act) actor.act = subject.act;
      if (actorsOf(actor).length > MAX_DELEGATION_DEPTH) throw invalidSubject(`the delegation would hold more than ${MAX_DELEGATION_DEPTH} actors`);
      assertMayAct(subject, actor);
      assertSubjectBinding(subject, dpop, certificate);
      const target = exchangeTarget(ctx, subject);
      assertTargetDpop(target, dpop);

      const { tenant: settings, signer } = tenant.settings;
      if (!signer) throw new OAuthError('server_error', 'The authorization server has no signing key.', { detail: `tenant ${settings.id} has no active key` });
      const nowSeconds = epochSeconds(clock);
      const lifetime = Math.min(accessTokenLifetime(settings, record, target), subject.exp - nowSeconds);
      if (lifetime < 1) throw invalidSubject(`subject token expires at ${subject.exp}, now ${nowSeconds}`);
      const claims = {
        ...accessTokenClaims({
          issuer,
          client: record,
          target,
          nowSeconds,
          lifetime,
          jkt: dpop?.jkt ?? null,
          x5t: certificateBinding(record, certificate),
          federated: subject.federated,
        }),
        sub: subject.sub,
        act: actor,
      };
      ctx.delegated(delegationChain(subject.sub, actor));
      return {
        access_token: await signAccessToken(signer, claims),
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: dpop ? 'DPoP' : 'Bearer',
        expires_in: lifetime,
        scope: target.scopes.join(' '),
      };
    },
  };
}
