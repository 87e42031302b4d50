import type { ClaimCondition, FederatedCredential, FederatedCredentialIn, FederatedIssuer } from '../types';

/** The issuer of GitHub Actions' OIDC tokens (github.com; GitHub Enterprise Server has its own). */
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
/** The issuer of GitLab.com CI's ID tokens (self-managed GitLab has its own). */
export const GITLAB_ISSUER = 'https://gitlab.com';

export const PRESETS = ['kubernetes', 'github', 'gitlab', 'spiffe', 'custom'] as const;
export type Preset = (typeof PRESETS)[number];

export const PRESET_LABELS: Record<Preset, string> = {
  kubernetes: 'Kubernetes service account',
  github: 'GitHub Actions',
  gitlab: 'GitLab CI',
  spiffe: 'SPIFFE',
  custom: 'Custom',
};

/** One claim condition as its form row holds it: accepted values one per line. */
export interface ClaimRow {
  name: string;
  values: string;
}

/** A federated credential as the credentials form holds it, whatever the preset. */
export interface CredentialDraft {
  preset: Preset;
  /** The chosen registered issuer's id (SPIFFE: found from the SPIFFE ID's trust domain). */
  issuerId: string;
  namespace: string;
  serviceAccount: string;
  /** GitHub `OWNER/REPO`, GitLab `GROUP/PROJECT`. */
  repository: string;
  /** GitHub: what follows `repo:OWNER/REPO:` (`ref:refs/heads/main`, `environment:prod`, `pull_request`). */
  context: string;
  /** GitHub `repository_id`, GitLab `project_id`: the immutable id that pins the repository. */
  repositoryId: string;
  /** GitLab: `branch` or `tag`. */
  refType: string;
  /** GitLab: the branch or tag name. */
  ref: string;
  spiffeId: string;
  subject: string;
  claims: ClaimRow[];
}

export const EMPTY_CREDENTIAL: CredentialDraft = {
  preset: 'kubernetes',
  issuerId: '',
  namespace: '',
  serviceAccount: '',
  repository: '',
  context: 'ref:refs/heads/main',
  repositoryId: '',
  refType: 'branch',
  ref: 'main',
  spiffeId: '',
  subject: '',
  claims: [{ name: '', values: '' }],
};

/** The trust domain of a SPIFFE ID (`spiffe://example.org/ns/prod/sa/api` → `example.org`), or null when it is not one. */
export function spiffeTrustDomain(id: string): string | null {
  const m = /^spiffe:\/\/([^/?#]+)(\/[^?#]*)?$/.exec(id.trim());
  return m?.[1] ? m[1].toLowerCase() : null;
}

/** The well-known issuer a preset's tokens come from, if it has one. */
export function wellKnownIssuer(d: CredentialDraft): string | null {
  if (d.preset === 'github') return GITHUB_ISSUER;
  if (d.preset === 'gitlab') return GITLAB_ISSUER;
  if (d.preset === 'spiffe') {
    const domain = spiffeTrustDomain(d.spiffeId);
    return domain ? `spiffe://${domain}` : null;
  }
  return null;
}

/** The registered issuer a preset starts with: its well-known one, else the first of its kind, else the first. */
export function defaultIssuer(preset: Preset, issuers: FederatedIssuer[]): string {
  const wanted = preset === 'github' ? GITHUB_ISSUER : preset === 'gitlab' ? GITLAB_ISSUER : null;
  const kind = preset === 'kubernetes' ? 'kubernetes' : preset === 'spiffe' ? 'spiffe' : 'oidc';
  const found = issuers.find((i) => i.issuer === wanted) ?? issuers.find((i) => i.kind === kind) ?? issuers[0];
  return found?.id ?? '';
}

/** The issuer the credential names: for SPIFFE the one registered for the ID's trust domain, else the one chosen. */
export function credentialIssuer(d: CredentialDraft, issuers: FederatedIssuer[]): FederatedIssuer | undefined {
  if (d.preset === 'spiffe') {
    const wanted = wellKnownIssuer(d);
    return issuers.find((i) => i.kind === 'spiffe' && i.issuer === wanted);
  }
  return issuers.find((i) => i.id === d.issuerId);
}

/** The `sub` a preset's tokens carry (Kubernetes, GitHub Actions, GitLab CI and SPIFFE formats); Custom: as typed. */
export function credentialSubject(d: CredentialDraft): string {
  switch (d.preset) {
    case 'kubernetes':
      return `system:serviceaccount:${d.namespace.trim()}:${d.serviceAccount.trim()}`;
    case 'github':
      return `repo:${d.repository.trim()}:${d.context.trim()}`;
    case 'gitlab':
      return `project_path:${d.repository.trim()}:ref_type:${d.refType}:ref:${d.ref.trim()}`;
    case 'spiffe':
      return d.spiffeId.trim();
    case 'custom':
      return d.subject.trim();
  }
}

/** The claim rows that are sent: those with a name; one value is a string, several a list. */
export function claimRowsBody(rows: ClaimRow[]): Record<string, ClaimCondition> {
  const out: Record<string, ClaimCondition> = {};
  for (const row of rows) {
    const name = row.name.trim();
    if (!name) continue;
    const values = row.values
      .split('\n')
      .map((v) => v.trim())
      .filter(Boolean);
    out[name] = values.length === 1 && values[0] !== undefined ? values[0] : values;
  }
  return out;
}

/** The claim conditions a preset adds: the immutable repository or project id when given; Custom: its rows. */
export function credentialClaims(d: CredentialDraft): Record<string, ClaimCondition> {
  const id = d.repositoryId.trim();
  if (d.preset === 'github') return id ? { repository_id: id } : {};
  if (d.preset === 'gitlab') return id ? { project_id: id } : {};
  return d.preset === 'custom' ? claimRowsBody(d.claims) : {};
}

/** The warning a preset earns: a repository or project named without its immutable id. */
export function credentialWarning(d: CredentialDraft): string | null {
  if ((d.preset !== 'github' && d.preset !== 'gitlab') || d.repositoryId.trim() !== '') return null;
  const [what, claim] = d.preset === 'github' ? ['repository', 'repository_id'] : ['project', 'project_id'];
  return (
    `No ${claim}: this credential trusts the ${what} name only. A ${what} deleted or renamed can be re-created under the same name by someone else, ` +
    `whose jobs would then get this client's tokens. Give the ${what}'s id to pin it.`
  );
}

/** What a registered credential says, in one line: `subject` and its claim conditions. */
export function describeClaims(claims: Record<string, ClaimCondition>): string {
  const parts = Object.entries(claims).map(([name, v]) => `${name} = ${Array.isArray(v) ? v.join(' or ') : v}`);
  return parts.length > 0 ? parts.join('; ') : '—';
}

/** The fields a preset cannot do without, by label. */
function missingFields(d: CredentialDraft): string[] {
  const required: Record<Preset, [string, string][]> = {
    kubernetes: [
      ['Namespace', d.namespace],
      ['Service account', d.serviceAccount],
    ],
    github: [
      ['Repository', d.repository],
      ['Context', d.context],
    ],
    gitlab: [
      ['Project path', d.repository],
      ['Ref', d.ref],
    ],
    spiffe: [['SPIFFE ID', d.spiffeId]],
    custom: [['Subject', d.subject]],
  };
  return required[d.preset].filter(([, v]) => v.trim() === '').map(([label]) => label);
}

/** The credential a draft describes, as sent; or what is missing before it can be (every other rule is the server's). */
export function credentialBody(d: CredentialDraft, issuers: FederatedIssuer[]): { body: FederatedCredentialIn } | { missing: string } {
  if (issuers.length === 0) return { missing: 'Register the issuer on the Federation page first.' };
  const issuer = credentialIssuer(d, issuers);
  const missing = missingFields(d);
  if (missing.length > 0) return { missing: `Fill in ${missing.join(' and ')}.` };
  if (!issuer)
    return { missing: d.preset === 'spiffe' ? `No SPIFFE issuer is registered for ${wellKnownIssuer(d) ?? 'this SPIFFE ID'}.` : 'Choose the issuer.' };
  return { body: { issuer: issuer.id, subject: credentialSubject(d), claims: credentialClaims(d) } };
}

/** A registered credential as sent again with a PATCH (which replaces the whole list). */
export function credentialIn(c: FederatedCredential): FederatedCredentialIn {
  return { issuer: c.issuer_id, subject: c.subject, claims: c.claims };
}
