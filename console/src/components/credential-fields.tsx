import {
  credentialIssuer,
  credentialSubject,
  credentialWarning,
  defaultIssuer,
  PRESET_LABELS,
  PRESETS,
  wellKnownIssuer,
  type ClaimRow,
  type CredentialDraft,
  type Preset,
} from '../federation/presets';
import { href } from '../router';
import type { FederatedIssuer } from '../types';
import { SelectField, TextAreaField, TextField } from './fields';

/** The server's errors for the credential sent at `index` (`/federated_credentials/{index}/…`), by the field after it. */
export function credentialErrors(errors: { pointer: string; detail: string }[] | undefined, index: number): Record<string, string> {
  const out: Record<string, string> = {};
  const prefix = `/federated_credentials/${index}`;
  for (const e of errors ?? []) {
    if (e.pointer !== prefix && !e.pointer.startsWith(`${prefix}/`)) continue;
    const field = e.pointer.slice(prefix.length).split('/')[1] ?? '';
    out[field] = out[field] ? `${out[field]}; ${e.detail}` : e.detail;
  }
  return out;
}

/**
 * A federated credential with presets that fill it: a Kubernetes service account, a GitHub
 * Actions or GitLab CI job, a SPIFFE ID, or a custom subject and claims. Shows the subject the
 * token must carry, a warning for a repository named without its id, and the server's errors.
 */
export function CredentialFields({
  draft,
  onChange,
  issuers,
  errors,
}: {
  draft: CredentialDraft;
  onChange(draft: CredentialDraft): void;
  issuers: FederatedIssuer[];
  /** The server's errors for this credential, by field (`issuer`, `subject`, `claims`). */
  errors: Record<string, string>;
}) {
  const set = (change: Partial<CredentialDraft>) => onChange({ ...draft, ...change });
  const wanted = wellKnownIssuer(draft);
  const issuer = credentialIssuer(draft, issuers);
  const missing = wanted !== null && !issuers.some((i) => i.issuer === wanted);
  const warning = credentialWarning(draft);
  return (
    <>
      <SelectField
        label="Preset"
        value={draft.preset}
        onChange={(p) => set({ preset: p as Preset, issuerId: defaultIssuer(p as Preset, issuers) })}
        options={PRESETS.map((p) => ({ value: p, label: PRESET_LABELS[p] }))}
        hint="Fills the subject and claims in the format of the platform's tokens."
      />
      {missing ? (
        <p className="alert alert-warn" role="status">
          <code>{wanted}</code> is not a registered issuer of this tenant: register it on the <a href={href('federation')}>Federation</a> page first
          {draft.preset === 'spiffe' ? '.' : ', or pick the issuer of your own installation below.'}
        </p>
      ) : null}
      {draft.preset !== 'spiffe' ? (
        <SelectField
          label="Issuer"
          value={draft.issuerId}
          onChange={(issuerId) => set({ issuerId })}
          error={errors.issuer}
          options={[{ value: '', label: 'Choose…' }, ...issuers.map((i) => ({ value: i.id, label: `${i.name} (${i.issuer})` }))]}
        />
      ) : null}
      {draft.preset === 'kubernetes' ? (
        <>
          <TextField label="Namespace" value={draft.namespace} onChange={(namespace) => set({ namespace })} required />
          <TextField label="Service account" value={draft.serviceAccount} onChange={(serviceAccount) => set({ serviceAccount })} required />
        </>
      ) : null}
      {draft.preset === 'github' ? (
        <>
          <TextField label="Repository" value={draft.repository} onChange={(repository) => set({ repository })} required placeholder="OWNER/REPO" />
          <TextField
            label="Context"
            value={draft.context}
            onChange={(context) => set({ context })}
            required
            hint="What follows the repository in the token's sub: ref:refs/heads/main, ref:refs/tags/v1.0, environment:prod or pull_request."
          />
          <RepositoryId label="Repository id" draft={draft} onChange={set} error={errors.claims} hint="gh api repos/OWNER/REPO --jq .id prints it." />
        </>
      ) : null}
      {draft.preset === 'gitlab' ? (
        <>
          <TextField label="Project path" value={draft.repository} onChange={(repository) => set({ repository })} required placeholder="GROUP/PROJECT" />
          <SelectField
            label="Ref type"
            value={draft.refType}
            onChange={(refType) => set({ refType })}
            options={[
              { value: 'branch', label: 'branch' },
              { value: 'tag', label: 'tag' },
            ]}
          />
          <TextField label="Ref" value={draft.ref} onChange={(ref) => set({ ref })} required hint="The branch or tag name, e.g. main." />
          <RepositoryId label="Project id" draft={draft} onChange={set} error={errors.claims} hint="Shown under the project's name on its GitLab page." />
        </>
      ) : null}
      {draft.preset === 'spiffe' ? (
        <TextField
          label="SPIFFE ID"
          value={draft.spiffeId}
          onChange={(spiffeId) => set({ spiffeId })}
          required
          placeholder="spiffe://example.org/ns/prod/sa/api"
          hint={issuer ? `Issuer: ${issuer.name} (${issuer.issuer}), found by the trust domain.` : 'The issuer is the one registered for its trust domain.'}
        />
      ) : null}
      {draft.preset === 'custom' ? (
        <>
          <TextField
            label="Subject"
            value={draft.subject}
            onChange={(subject) => set({ subject })}
            required
            error={errors.subject}
            hint='The exact sub of the tokens; "*" for any sub, with at least one claim condition.'
          />
          <ClaimRows rows={draft.claims} onChange={(claims) => set({ claims })} error={errors.claims} />
        </>
      ) : (
        <p className="credential-subject">
          Subject: <code>{credentialSubject(draft)}</code>
          {errors.subject ? <span className="field-error"> {errors.subject}</span> : null}
        </p>
      )}
      {warning ? (
        <p className="alert alert-warn" role="status">
          {warning}
        </p>
      ) : null}
    </>
  );
}

function RepositoryId({
  label,
  draft,
  onChange,
  error,
  hint,
}: {
  label: string;
  draft: CredentialDraft;
  onChange(change: Partial<CredentialDraft>): void;
  error: string | undefined;
  hint: string;
}) {
  return <TextField label={label} value={draft.repositoryId} onChange={(repositoryId) => onChange({ repositoryId })} error={error} hint={hint} />;
}

/** Claim conditions: a name and its accepted values, one per line (several: any of them). */
function ClaimRows({ rows, onChange, error }: { rows: ClaimRow[]; onChange(rows: ClaimRow[]): void; error: string | undefined }) {
  const set = (i: number, row: Partial<ClaimRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...row } : r)));
  return (
    <fieldset className="claim-rows">
      <legend>Claims</legend>
      <p className="hint">Each claim must equal one of its values (one per line). A token without the claim never matches.</p>
      {rows.map((r, i) => (
        <div className="claim-row" key={i}>
          <TextField label={`Claim ${i + 1} name`} value={r.name} onChange={(name) => set(i, { name })} />
          <TextAreaField label={`Claim ${i + 1} values`} rows={2} value={r.values} onChange={(values) => set(i, { values })} />
          <button type="button" className="button-secondary button-small" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            Remove<span className="sr-only"> claim {i + 1}</span>
          </button>
        </div>
      ))}
      <button type="button" className="button-secondary button-small" onClick={() => onChange([...rows, { name: '', values: '' }])}>
        Add claim
      </button>
      {error ? <p className="field-error">{error}</p> : null}
    </fieldset>
  );
}
