import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from '../../src/cli/errors.js';
import { credentialsFrom, githubActions, gitlabCi, kubernetesServiceAccount, parseFederatedCredential, spiffeId } from '../../src/cli/federation-presets.js';

/** Asserts wrong usage (exit 2) with this message. */
function refused(run: () => unknown, message: string): void {
  assert.throws(run, (err: unknown) => err instanceof CliError && err.exitCode === 2 && err.message === message);
}

describe('CLI federation presets: each option makes the credential the admin API takes', () => {
  it('--federated-credential ISSUER=SUBJECT[,claim=value…]: a claim named again makes a list', () => {
    assert.deepEqual(parseFederatedCredential('https://ci.example.test=repo:acme/app:ref:refs/heads/main'), {
      issuer: 'https://ci.example.test',
      subject: 'repo:acme/app:ref:refs/heads/main',
    });
    assert.deepEqual(parseFederatedCredential('fi_01=*,environment=prod,environment=staging,repository_id=892176'), {
      issuer: 'fi_01',
      subject: '*',
      claims: { environment: ['prod', 'staging'], repository_id: '892176' },
    });
    refused(
      () => parseFederatedCredential('https://ci.example.test'),
      '--federated-credential https://ci.example.test: expected ISSUER=SUBJECT[,claim=value…]',
    );
    refused(() => parseFederatedCredential('iss=sub,novalue'), '--federated-credential iss=sub,novalue: expected claim=value after the subject, not "novalue"');
  });

  it('--kubernetes-service-account ISSUER=NAMESPACE:NAME', () => {
    assert.deepEqual(kubernetesServiceAccount('https://oidc.eks.example.com/id/ABC=jobs:reports'), {
      issuer: 'https://oidc.eks.example.com/id/ABC',
      subject: 'system:serviceaccount:jobs:reports',
    });
    refused(
      () => kubernetesServiceAccount('https://k8s.example.test=reports'),
      '--kubernetes-service-account https://k8s.example.test=reports: expected ISSUER=NAMESPACE:NAME',
    );
  });

  it('--github-actions OWNER/REPO[:CONTEXT] with --repository-id and --github-issuer', () => {
    assert.deepEqual(githubActions('acme/cleanup', '892176'), {
      issuer: 'https://token.actions.githubusercontent.com',
      subject: 'repo:acme/cleanup:ref:refs/heads/main',
      claims: { repository_id: '892176' },
    });
    assert.deepEqual(githubActions('acme/cleanup:environment:prod', undefined, 'https://ghe.example.com/_services/token'), {
      issuer: 'https://ghe.example.com/_services/token',
      subject: 'repo:acme/cleanup:environment:prod',
    });
    assert.equal(githubActions('acme/cleanup:pull_request', '1').subject, 'repo:acme/cleanup:pull_request');
    refused(() => githubActions('cleanup', undefined), '--github-actions cleanup: expected OWNER/REPO[:CONTEXT]');
    refused(() => githubActions('acme/tools/cleanup', undefined), '--github-actions acme/tools/cleanup: expected OWNER/REPO[:CONTEXT]');
  });

  it('--gitlab-ci GROUP/PROJECT[:CONTEXT] (nested groups too) with --project-id and --gitlab-issuer', () => {
    assert.deepEqual(gitlabCi('acme/platform/deploy', '42'), {
      issuer: 'https://gitlab.com',
      subject: 'project_path:acme/platform/deploy:ref_type:branch:ref:main',
      claims: { project_id: '42' },
    });
    assert.deepEqual(gitlabCi('acme/deploy:ref_type:tag:ref:v1.0', undefined, 'https://gitlab.example.com'), {
      issuer: 'https://gitlab.example.com',
      subject: 'project_path:acme/deploy:ref_type:tag:ref:v1.0',
    });
  });

  it('--spiffe-id spiffe://TRUST_DOMAIN/PATH', () => {
    assert.deepEqual(spiffeId('spiffe://prod.example.org/ns/jobs/sa/reports'), {
      issuer: 'spiffe://prod.example.org',
      subject: 'spiffe://prod.example.org/ns/jobs/sa/reports',
    });
    refused(() => spiffeId('spiffe://prod.example.org'), '--spiffe-id spiffe://prod.example.org: expected spiffe://TRUST_DOMAIN/PATH');
    refused(() => spiffeId('https://prod.example.org/x'), '--spiffe-id https://prod.example.org/x: expected spiffe://TRUST_DOMAIN/PATH');
  });

  it('credentialsFrom: every option in order, a warning for each CI preset without its immutable id, nothing when none is given', () => {
    assert.equal(credentialsFrom({}), undefined);
    const out = credentialsFrom({
      spiffeId: ['spiffe://prod.example.org/api'],
      githubActions: ['acme/cleanup'],
      gitlabCi: ['acme/deploy'],
      projectId: '42',
      federatedCredential: ['https://ci.example.test=job'],
    });
    assert.deepEqual(
      out?.credentials.map((c) => c.subject),
      ['job', 'repo:acme/cleanup:ref:refs/heads/main', 'project_path:acme/deploy:ref_type:branch:ref:main', 'spiffe://prod.example.org/api'],
    );
    assert.deepEqual(out?.warnings, [
      'warning: --github-actions acme/cleanup without --repository-id: a name can be registered again by someone else after a rename or delete; --repository-id pins the credential to this one (the repository_id claim)',
    ]);
    refused(() => credentialsFrom({ repositoryId: '1' }), '--repository-id and --github-issuer go with --github-actions');
    refused(() => credentialsFrom({ projectId: '1' }), '--project-id and --gitlab-issuer go with --gitlab-ci');
  });
});
