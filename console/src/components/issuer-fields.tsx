import { ApiError } from '../api';
import { DEFAULT_MAX_TOKEN_AGE, FEDERATION_ALGS, KIND_LABELS, keySources, type IssuerDraft, type KeySource } from '../federation/issuer-draft';
import type { FederatedIssuerKind } from '../types';
import { CheckboxField, TextAreaField, TextField } from './fields';
import { errorsUnder } from './key-source';

const KEY_LABELS: Record<KeySource, string> = {
  discovery: 'OIDC discovery',
  jwks_uri: 'Key set URL (jwks_uri)',
  jwks: 'Paste public keys (JWK Set)',
};

const ISSUER_HINTS: Record<FederatedIssuerKind, string> = {
  oidc: 'The exact iss of its tokens, e.g. https://token.actions.githubusercontent.com',
  kubernetes: "The exact iss of the cluster's service account tokens (kubectl get --raw /.well-known/openid-configuration shows it).",
  spiffe: 'spiffe://<trust domain>: a JWT-SVID matches by the trust domain of its sub.',
};

/**
 * The fields of a federated issuer, those of its kind only: the keys (discovery, a key set URL
 * or a pasted set; Kubernetes' discovery URL and bearer token file), audiences, token age,
 * replay protection and algorithms, each with the server's error for it.
 */
export function IssuerFields({
  draft,
  onChange,
  error,
  jsonError,
  tenantIssuer,
  editing,
}: {
  draft: IssuerDraft;
  onChange(draft: IssuerDraft): void;
  error: unknown;
  jsonError: string | null;
  tenantIssuer: string;
  editing: boolean;
}) {
  const set = (change: Partial<IssuerDraft>) => onChange({ ...draft, ...change });
  const fields = error instanceof ApiError ? error.fields : {};
  const sources = keySources(draft.kind);
  return (
    <>
      <TextField
        label="Name"
        value={draft.name}
        onChange={(name) => set({ name })}
        required
        autoFocus
        error={fields.name}
        hint="For people, e.g. Production cluster."
      />
      <fieldset className="radios">
        <legend>Kind</legend>
        {(Object.keys(KIND_LABELS) as FederatedIssuerKind[]).map((kind) => (
          <label className="check" key={kind}>
            <input
              type="radio"
              name="issuer-kind"
              checked={draft.kind === kind}
              disabled={editing && draft.kind !== kind}
              onChange={() => set({ kind, keys: keySources(kind).includes(draft.keys) ? draft.keys : 'jwks_uri' })}
            />{' '}
            {KIND_LABELS[kind]}
          </label>
        ))}
        {fields.kind ? <p className="field-error">{fields.kind}</p> : null}
      </fieldset>
      <TextField label="Issuer" value={draft.issuer} onChange={(issuer) => set({ issuer })} required error={fields.issuer} hint={ISSUER_HINTS[draft.kind]} />
      <fieldset className="radios">
        <legend>Keys</legend>
        {sources.map((source) => (
          <label className="check" key={source}>
            <input type="radio" name="issuer-keys" checked={draft.keys === source} onChange={() => set({ keys: source })} /> {KEY_LABELS[source]}
          </label>
        ))}
      </fieldset>
      {draft.keys === 'discovery' && draft.kind !== 'kubernetes' ? (
        <p className="hint">
          Tessera reads <code>{draft.issuer.replace(/\/$/, '') || '{issuer}'}/.well-known/openid-configuration</code> and the jwks_uri it names.
        </p>
      ) : null}
      {draft.keys === 'discovery' && draft.kind === 'kubernetes' ? (
        <TextField
          label="Discovery URL (optional)"
          type="url"
          value={draft.discoveryUrl}
          onChange={(discoveryUrl) => set({ discoveryUrl })}
          error={fields.discovery_url}
          hint="Managed clusters (EKS, GKE, AKS) publish their discovery document elsewhere than under the issuer: give its URL. Empty: {issuer}/.well-known/openid-configuration."
        />
      ) : null}
      {draft.keys === 'jwks_uri' ? (
        <TextField
          label="Key set URL"
          type="url"
          value={draft.jwksUri}
          onChange={(jwksUri) => set({ jwksUri })}
          error={fields.jwks_uri}
          hint={draft.kind === 'spiffe' ? "The SPIRE server's bundle endpoint (its keys may lack alg)." : 'An https URL Tessera fetches the public keys from.'}
        />
      ) : null}
      {draft.keys === 'jwks' ? (
        <TextAreaField
          label="JWK Set"
          value={draft.jwks}
          onChange={(jwks) => set({ jwks })}
          error={jsonError ?? errorsUnder(error, 'jwks')}
          hint={
            <>
              <code>{'{"keys": [ … ]}'}</code> with public keys only. Pasted keys do not follow the issuer's rotations: paste them again when it rotates.
            </>
          }
        />
      ) : null}
      {draft.kind === 'kubernetes' ? (
        <TextField
          label="Bearer token file (optional)"
          value={draft.bearerTokenFile}
          onChange={(bearerTokenFile) => set({ bearerTokenFile })}
          error={fields.bearer_token_file}
          hint="A file on the Tessera server (an absolute path) whose token is sent to this issuer's discovery and key URLs only, for clusters that do not serve them anonymously. Read at each fetch."
        />
      ) : null}
      <TextAreaField
        label="Audiences (optional)"
        rows={3}
        value={draft.audiences}
        onChange={(audiences) => set({ audiences })}
        error={errorsUnder(error, 'audiences')}
        hint={
          <>
            The aud values accepted, one per line. Empty: this tenant's issuer <code>{tenantIssuer}</code> and its token endpoints (
            <code>{tenantIssuer}/oauth2/token</code>, <code>{tenantIssuer}/oauth/token</code>). Configure the platform to mint tokens for one of them.
          </>
        }
      />
      <TextField
        label="Maximum token age in seconds (optional)"
        type="number"
        min={60}
        max={86400}
        value={draft.maxTokenAge}
        onChange={(maxTokenAge) => set({ maxTokenAge })}
        error={fields.max_token_age}
        hint={`Seconds since the token's iat. Empty: ${DEFAULT_MAX_TOKEN_AGE}. Tokens without iat are refused.`}
      />
      <CheckboxField
        label="Each token works once (require jti)"
        checked={draft.requireJti}
        onChange={(requireJti) => set({ requireJti })}
        error={fields.require_jti}
        hint="Leave it off for Kubernetes and SPIRE: they hand a workload the same token for many requests until they renew it. GitHub Actions and GitLab CI tokens are per job."
      />
      <CheckboxField
        label="Tokens may outlive the assertion"
        checked={draft.allowLonger}
        onChange={(allowLonger) => set({ allowLonger })}
        error={fields.allow_longer_than_assertion}
        hint="Off: an access token never outlives the platform token it was issued for (RFC 7521 §4.1)."
      />
      <fieldset className="checks">
        <legend>Algorithms</legend>
        <p className="hint">None ticked: every one listed. Never none or HMAC.</p>
        {FEDERATION_ALGS.map((alg) => (
          <label className="check" key={alg}>
            <input
              type="checkbox"
              checked={draft.algorithms.includes(alg)}
              onChange={(e) => set({ algorithms: e.target.checked ? [...draft.algorithms, alg] : draft.algorithms.filter((a) => a !== alg) })}
            />{' '}
            {alg}
          </label>
        ))}
        {errorsUnder(error, 'algorithms') ? <p className="field-error">{errorsUnder(error, 'algorithms')}</p> : null}
      </fieldset>
    </>
  );
}
