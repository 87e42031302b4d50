import { spiffeTrustDomain } from '../domain/federation/matching.js';
import { usageError } from './errors.js';

/** A federated credential as the admin API takes it. */
export interface CredentialSpec {
  issuer: string;
  subject: string;
  claims?: Record<string, string | string[]>;
}

/** The credential options of `clients create|update`, each repeatable but the ids and issuers. */
export interface CredentialOptions {
  federatedCredential?: string[];
  kubernetesServiceAccount?: string[];
  githubActions?: string[];
  repositoryId?: string;
  githubIssuer?: string;
  gitlabCi?: string[];
  projectId?: string;
  gitlabIssuer?: string;
  spiffeId?: string[];
}

/** The issuer of GitHub Actions' OIDC tokens on github.com (GitHub Enterprise Server: --github-issuer). */
export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
/** The issuer of GitLab CI's ID tokens on gitlab.com (self-managed: --gitlab-issuer). */
export const GITLAB_ISSUER = 'https://gitlab.com';
/** The job context of a GitHub Actions preset without one: the main branch. */
export const GITHUB_DEFAULT_CONTEXT = 'ref:refs/heads/main';
/** The job context of a GitLab CI preset without one: the main branch. */
export const GITLAB_DEFAULT_CONTEXT = 'ref_type:branch:ref:main';

/** `ISSUER=VALUE`: split at the first `=` (an issuer URL has none: it takes no query). */
function issuerAnd(flag: string, value: string, what: string): [string, string] {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1) throw usageError(`${flag} ${value}: expected ISSUER=${what}`);
  return [value.slice(0, at), value.slice(at + 1)];
}

/** `NAME:CONTEXT` split at the first `:`, the context defaulting; the name must be `A/B` (more segments when `nested`). */
function pathAndContext(flag: string, value: string, fallback: string, nested: boolean): [string, string] {
  const at = value.indexOf(':');
  const [path, context] = at < 0 ? [value, fallback] : [value.slice(0, at), value.slice(at + 1)];
  const segments = path.split('/');
  if (segments.some((s) => s === '') || segments.length < 2 || (!nested && segments.length !== 2) || context === '') {
    throw usageError(`${flag} ${value}: expected ${nested ? 'GROUP/PROJECT' : 'OWNER/REPO'}[:CONTEXT]`);
  }
  return [path, context];
}

/**
 * `--federated-credential ISSUER=SUBJECT[,claim=value…]`: a claim named again makes a list of
 * accepted values. The subject and values may not contain a comma (use the admin API for those).
 */
export function parseFederatedCredential(value: string): CredentialSpec {
  const [issuer, rest] = issuerAnd('--federated-credential', value, 'SUBJECT[,claim=value…]');
  const [subject = '', ...pairs] = rest.split(',');
  const claims: Record<string, string | string[]> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw usageError(`--federated-credential ${value}: expected claim=value after the subject, not ${JSON.stringify(pair)}`);
    const [name, claim] = [pair.slice(0, at), pair.slice(at + 1)];
    const before = claims[name];
    claims[name] = before === undefined ? claim : [...(typeof before === 'string' ? [before] : before), claim];
  }
  return Object.keys(claims).length === 0 ? { issuer, subject } : { issuer, subject, claims };
}

/** `--kubernetes-service-account ISSUER=NAMESPACE:NAME` → the service account's token subject. */
export function kubernetesServiceAccount(value: string): CredentialSpec {
  const [issuer, account] = issuerAnd('--kubernetes-service-account', value, 'NAMESPACE:NAME');
  const parts = account.split(':');
  if (parts.length !== 2 || parts.some((p) => p === '')) throw usageError(`--kubernetes-service-account ${value}: expected ISSUER=NAMESPACE:NAME`);
  return { issuer, subject: `system:serviceaccount:${parts[0]}:${parts[1]}` };
}

/** `--github-actions OWNER/REPO[:CONTEXT]` → `repo:OWNER/REPO:CONTEXT`, pinned to `repository_id` when given. */
export function githubActions(value: string, repositoryId: string | undefined, issuer = GITHUB_ISSUER): CredentialSpec {
  const [repo, context] = pathAndContext('--github-actions', value, GITHUB_DEFAULT_CONTEXT, false);
  const subject = `repo:${repo}:${context}`;
  return repositoryId === undefined ? { issuer, subject } : { issuer, subject, claims: { repository_id: repositoryId } };
}

/** `--gitlab-ci GROUP/PROJECT[:CONTEXT]` → `project_path:GROUP/PROJECT:CONTEXT`, pinned to `project_id` when given. */
export function gitlabCi(value: string, projectId: string | undefined, issuer = GITLAB_ISSUER): CredentialSpec {
  const [project, context] = pathAndContext('--gitlab-ci', value, GITLAB_DEFAULT_CONTEXT, true);
  const subject = `project_path:${project}:${context}`;
  return projectId === undefined ? { issuer, subject } : { issuer, subject, claims: { project_id: projectId } };
}

/** `--spiffe-id spiffe://TRUST_DOMAIN/PATH` → the trust domain's issuer and the SPIFFE ID as the subject. */
export function spiffeId(value: string): CredentialSpec {
  const domain = spiffeTrustDomain(value);
  if (domain === null || value === `spiffe://${domain}` || value === `spiffe://${domain}/`)
    throw usageError(`--spiffe-id ${value}: expected spiffe://TRUST_DOMAIN/PATH`);
  return { issuer: `spiffe://${domain}`, subject: value };
}

/** Why a CI preset without an immutable id is risky: printed on stderr. */
export function unpinnedWarning(flag: string, value: string, idFlag: string, claim: string): string {
  return (
    `warning: ${flag} ${value} without ${idFlag}: a name can be registered again by someone else after a rename or delete; ` +
    `${idFlag} pins the credential to this one (the ${claim} claim)`
  );
}

/** Every credential the options give, in the order of the options' kinds, and the warnings to print; undefined when none was given. */
export function credentialsFrom(o: CredentialOptions): { credentials: CredentialSpec[]; warnings: string[] } | undefined {
  const given = [o.federatedCredential, o.kubernetesServiceAccount, o.githubActions, o.gitlabCi, o.spiffeId].some((list) => list !== undefined);
  if (!given) {
    if (o.repositoryId !== undefined || o.githubIssuer !== undefined) throw usageError('--repository-id and --github-issuer go with --github-actions');
    if (o.projectId !== undefined || o.gitlabIssuer !== undefined) throw usageError('--project-id and --gitlab-issuer go with --gitlab-ci');
    return undefined;
  }
  const warnings: string[] = [];
  const credentials = [
    ...(o.federatedCredential ?? []).map(parseFederatedCredential),
    ...(o.kubernetesServiceAccount ?? []).map(kubernetesServiceAccount),
    ...(o.githubActions ?? []).map((v) => {
      if (o.repositoryId === undefined) warnings.push(unpinnedWarning('--github-actions', v, '--repository-id', 'repository_id'));
      return githubActions(v, o.repositoryId, o.githubIssuer);
    }),
    ...(o.gitlabCi ?? []).map((v) => {
      if (o.projectId === undefined) warnings.push(unpinnedWarning('--gitlab-ci', v, '--project-id', 'project_id'));
      return gitlabCi(v, o.projectId, o.gitlabIssuer);
    }),
    ...(o.spiffeId ?? []).map(spiffeId),
  ];
  return { credentials, warnings };
}
