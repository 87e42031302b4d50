import { useRef, useState } from 'react';
import { ApiError, messageOf } from '../api';
import {
  BindingFields,
  bindingBody,
  CertificateFields,
  certificateBody,
  EMPTY_CERTIFICATE,
  type Binding,
  type CertificateDraft,
} from '../components/certificate-fields';
import { CredentialFields, credentialErrors } from '../components/credential-fields';
import { cliTokenCommand, CopyField, curlCertificateTokenCommand, curlTokenCommand } from '../components/copy';
import { onSubmit } from '../components/dialog';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { EMPTY_KEYS, errorsUnder, KeySourceFields, keysBody, type KeyDraft } from '../components/key-source';
import { CheckboxField, ReasonField, SelectField, TextField } from '../components/fields';
import { ScopeCheckboxes } from '../components/scopes';
import { TtlField } from '../components/api-fields';
import { optionalInteger } from '../format';
import { grantScopes } from '../grant-ops';
import { PageHead } from '../components/page';
import { useAction, useConsole, useLoad } from '../hooks';
import { href } from '../router';
import { credentialBody, credentialIssuer, defaultIssuer, EMPTY_CREDENTIAL, type CredentialDraft } from '../federation/presets';
import { TLS_NAME_LABELS } from '../certificates/names';
import { TLS_NAME_FIELDS, type Api, type ClientCreated, type FederatedIssuer, type ServiceAccount } from '../types';

/** The steps; a federated client has one more, its first credential, after the client's. */
const STEPS = ['Service account', 'Client', 'APIs and scopes', 'Review'] as const;
const FEDERATED_STEPS = ['Service account', 'Client', 'Federated credential', 'APIs and scopes', 'Review'] as const;
type Step = (typeof FEDERATED_STEPS)[number];

/** How the new client authenticates (`token_endpoint_auth_method`; a secret: the server's default). */
type Auth = 'client_secret_basic' | 'private_key_jwt' | 'federated' | 'tls_client_auth' | 'self_signed_tls_client_auth';

interface Result {
  client: ClientCreated;
  scope: string;
  auth: Auth;
  /** Grants that could not be made: the client exists, the operator adds them on the Grants page. */
  grantErrors: string[];
}

/**
 * Applications → Machine to Machine → Add integration: picks or creates the service account,
 * names the client and how it authenticates (a secret, or private_key_jwt with its public keys),
 * chooses APIs and scopes (granted to the service account), and ends by showing the client id
 * (and the secret, once) with a ready-made token request.
 */
export function Wizard() {
  const { api, tenant, can } = useConsole();
  const data = useLoad(async () => {
    // What the token may not read is not offered (the server refuses what it may not write).
    const [accounts, apis, issuers] = await Promise.all([
      can('service-accounts:read') ? api.all<ServiceAccount>(api.t('/service-accounts')) : Promise.resolve([]),
      can('apis:read') ? api.all<Api>(api.t('/apis')) : Promise.resolve([]),
      can('federation:read') ? api.all<FederatedIssuer>(api.t('/federated-issuers')) : Promise.resolve([]),
    ]);
    return { accounts, apis, issuers };
  }, [api]);
  const [step, setStep] = useState(0);
  const [mode, setMode] = useState<'existing' | 'new'>('existing');
  const [accountId, setAccountId] = useState('');
  const [userName, setUserName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [active, setActive] = useState(true);
  const [clientName, setClientName] = useState('');
  const [clientId, setClientId] = useState('');
  const [ttl, setTtl] = useState('');
  const [auth, setAuth] = useState<Auth>('client_secret_basic');
  const [credential, setCredential] = useState<CredentialDraft>(EMPTY_CREDENTIAL);
  const [keys, setKeys] = useState<KeyDraft>(EMPTY_KEYS);
  const [certificate, setCertificate] = useState<CertificateDraft>(EMPTY_CERTIFICATE);
  const [binding, setBinding] = useState<Binding>({ certificate: false, dpop: false });
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [scopes, setScopes] = useState<Record<string, string[]>>({});
  const [reason, setReason] = useState('');
  const [stepError, setStepError] = useState<string | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const created = useRef<{ accountId?: string }>({});
  const action = useAction();
  const stepHeading = useRef<HTMLHeadingElement>(null);

  const accounts = data.data?.accounts ?? [];
  const apis = data.data?.apis ?? [];
  const useNew = mode === 'new' || accounts.length === 0;
  const issuers = data.data?.issuers ?? [];
  const withKeys = auth === 'private_key_jwt';
  const federated = auth === 'federated';
  const withCertificate = auth === 'tls_client_auth' || auth === 'self_signed_tls_client_auth';
  const certificateSent = withCertificate ? certificateBody(auth, certificate) : null;
  const steps: readonly Step[] = federated ? FEDERATED_STEPS : STEPS;
  const name: Step = steps[step] ?? 'Review';
  const credentialSent = credentialBody(credential, issuers);
  const chosen = Object.entries(scopes).filter(([, s]) => s.length > 0);

  const go = (to: number) => {
    setStepError(null);
    if (to > step) {
      if (name === 'Service account' && !useNew && !accountId) return setStepError('Choose a service account, or create a new one.');
      if (name === 'Service account' && useNew && !userName.trim()) return setStepError('Give the new service account a user name.');
      if (name === 'Client' && !clientName.trim()) return setStepError('Give the client a name.');
      if (name === 'Federated credential' && 'missing' in credentialSent) return setStepError(credentialSent.missing);
      if (name === 'Client' && certificateSent && 'missing' in certificateSent) return setStepError(certificateSent.missing);
      if (name === 'Client' && withKeys) {
        const parsed = keysBody(keys);
        setJsonError('jsonError' in parsed ? parsed.jsonError : null);
        if ('jsonError' in parsed) return;
      }
    }
    setStep(to);
    requestAnimationFrame(() => stepHeading.current?.focus());
  };

  const create = () =>
    action.run(async () => {
      let saId = useNew ? created.current.accountId : accountId;
      if (!saId) {
        const sa = await api.post<ServiceAccount>(api.t('/service-accounts'), { user_name: userName.trim(), display_name: displayName, active }, reason);
        saId = created.current.accountId = sa.id;
      }
      const parsed = keysBody(keys);
      const authBody =
        withKeys && 'body' in parsed
          ? { token_endpoint_auth_method: auth, ...parsed.body }
          : federated && 'body' in credentialSent
            ? { token_endpoint_auth_method: auth, federated_credentials: [credentialSent.body] }
            : certificateSent && 'body' in certificateSent
              ? { token_endpoint_auth_method: auth, ...certificateSent.body }
              : {};
      const client = await api
        .post<ClientCreated>(
          api.t('/clients'),
          {
            ...(clientId === '' ? {} : { client_id: clientId }),
            client_name: clientName.trim(),
            client_type: 'machine_to_machine',
            service_account_id: saId,
            access_token_ttl: optionalInteger(ttl),
            ...authBody,
            ...bindingBody(binding),
          },
          reason,
        )
        .catch((err: unknown) => {
          // The keys' and the credential's errors are shown under their field, on the step that has it.
          if (
            errorsUnder(err, 'client_id') ??
            errorsUnder(err, 'jwks') ??
            errorsUnder(err, 'jwks_uri') ??
            TLS_NAME_FIELDS.map((f) => errorsUnder(err, f)).find(Boolean)
          )
            setStep(1);
          else if (errorsUnder(err, 'federated_credentials')) setStep(2);
          throw err;
        });
      const grantErrors: string[] = [];
      for (const [apiId, values] of chosen) {
        try {
          await grantScopes(api, { service_account_id: saId }, apiId, values, reason);
        } catch (err) {
          grantErrors.push(`${apis.find((a) => a.id === apiId)?.identifier ?? apiId}: ${messageOf(err)}`);
        }
      }
      setResult({ client, scope: chosen[0]?.[1].join(' ') ?? '', auth, grantErrors });
    });

  if (result) return <Done result={result} issuer={tenant?.issuer ?? ''} />;
  return (
    <>
      <PageHead section={<a href={href('applications/m2m')}>Machine to Machine</a>} title="Add integration" />
      <ol className="stepper" aria-label="Steps">
        {steps.map((s, i) => (
          <li key={s} aria-current={i === step ? 'step' : undefined} className={i < step ? 'done' : ''}>
            <span className="step-number">{i + 1}</span> {s}
          </li>
        ))}
      </ol>
      <ErrorMessage error={data.error} />
      {data.loading && !data.data ? <Loading /> : null}
      {data.data ? (
        <form className="card wizard" onSubmit={onSubmit(() => (step < steps.length - 1 ? go(step + 1) : void create()))}>
          <h2 ref={stepHeading} tabIndex={-1}>
            {`Step ${step + 1} of ${steps.length}: ${name}`}
          </h2>
          {name === 'Service account' ? (
            <>
              <p>The integration acts for a service account: its id becomes the subject (sub) of the tokens.</p>
              {accounts.length > 0 ? (
                <fieldset className="radios">
                  <legend>Service account</legend>
                  <label className="check">
                    <input type="radio" name="mode" checked={mode === 'existing'} onChange={() => setMode('existing')} /> Use an existing service account
                  </label>
                  <label className="check">
                    <input type="radio" name="mode" checked={mode === 'new'} onChange={() => setMode('new')} /> Create a new service account
                  </label>
                </fieldset>
              ) : (
                <p className="hint">There is no service account yet: create one here.</p>
              )}
              {useNew ? (
                <>
                  <TextField label="User name" value={userName} onChange={setUserName} required hint="No spaces; unique in the tenant." />
                  <TextField label="Display name" value={displayName} onChange={setDisplayName} />
                  <CheckboxField label="Active" checked={active} onChange={setActive} />
                </>
              ) : (
                <SelectField
                  label="Existing service account"
                  value={accountId}
                  onChange={setAccountId}
                  options={[
                    { value: '', label: 'Choose…' },
                    ...accounts.map((a) => ({
                      value: a.id,
                      label: `${a.user_name}${a.display_name ? ` (${a.display_name})` : ''}${a.active ? '' : ' — inactive'}`,
                    })),
                  ]}
                />
              )}
            </>
          ) : null}
          {name === 'Client' ? (
            <>
              <TextField label="Client name" value={clientName} onChange={setClientName} required hint="For people: shown in the console and the audit log." />
              <TextField
                label="Client ID"
                value={clientId}
                onChange={setClientId}
                error={errorsUnder(action.error, 'client_id')}
                hint="Optional: generated when empty. To keep an id from another server: 1 to 255 printable ASCII characters, spaces included."
              />
              <TtlField value={ttl} onChange={setTtl} hint={`Empty: the API's or the tenant's lifetime (${tenant?.access_token_ttl ?? 3600} s).`} />
              <fieldset className="radios">
                <legend>Authentication</legend>
                <label className="check">
                  <input type="radio" name="auth" checked={auth === 'client_secret_basic'} onChange={() => setAuth('client_secret_basic')} /> Client secret
                </label>
                <label className="check">
                  <input type="radio" name="auth" checked={withKeys} onChange={() => setAuth('private_key_jwt')} /> Private key JWT (no secret)
                </label>
                <label className="check">
                  <input
                    type="radio"
                    name="auth"
                    checked={federated}
                    onChange={() => {
                      setAuth('federated');
                      if (!credential.issuerId) setCredential({ ...credential, issuerId: defaultIssuer(credential.preset, issuers) });
                    }}
                  />{' '}
                  Federated (no secret)
                </label>
                <label className="check">
                  <input type="radio" name="auth" checked={auth === 'tls_client_auth'} onChange={() => setAuth('tls_client_auth')} /> Mutual TLS (CA-issued
                  certificate)
                </label>
                <label className="check">
                  <input type="radio" name="auth" checked={auth === 'self_signed_tls_client_auth'} onChange={() => setAuth('self_signed_tls_client_auth')} />{' '}
                  Mutual TLS (self-signed certificate)
                </label>
              </fieldset>
              {federated ? (
                <p className="hint">
                  The workload authenticates with the token its platform gives it (Kubernetes, GitHub Actions, GitLab CI, SPIFFE, any OIDC issuer): the next
                  step says which tokens.
                </p>
              ) : null}
              {withKeys ? (
                <>
                  <p className="hint">
                    The client signs a short assertion with its private key at each token request (RFC 7523); Tessera holds only the public keys.
                  </p>
                  <KeySourceFields draft={keys} onChange={setKeys} error={action.error} jsonError={jsonError} />
                </>
              ) : null}
              {withCertificate ? (
                <>
                  <p className="hint">
                    {auth === 'tls_client_auth'
                      ? 'The client presents its certificate in the TLS handshake (RFC 8705 §2.1): a CA Tessera trusts issued it, and it carries the name registered here. No secret.'
                      : 'The client presents this very certificate in the TLS handshake (RFC 8705 §2.2); Tessera holds its public key. No secret, no CA.'}
                  </p>
                  <CertificateFields method={auth} draft={certificate} onChange={setCertificate} error={action.error} />
                </>
              ) : null}
              <BindingFields binding={binding} onChange={setBinding} error={action.error} />
            </>
          ) : null}
          {name === 'Federated credential' ? (
            issuers.length === 0 ? (
              <Empty title="No federated issuers yet.">
                <p>
                  Register the platform on the <a href={href('federation')}>Federation</a> page first, then come back: a federated client needs a credential to
                  get tokens.
                </p>
              </Empty>
            ) : (
              <>
                <p>Tokens from the issuer with this subject and these claims authenticate the client. More can be added on its page.</p>
                <CredentialFields
                  draft={credential}
                  onChange={setCredential}
                  issuers={issuers}
                  errors={credentialErrors(action.error instanceof ApiError ? action.error.problem?.errors : undefined, 0)}
                />
              </>
            )
          ) : null}
          {name === 'APIs and scopes' ? (
            apis.length === 0 ? (
              <Empty title="No APIs yet.">
                <p>
                  You can finish now and grant access later on the <a href={href('grants')}>Grants</a> page, once the API is registered under{' '}
                  <a href={href('applications/apis')}>APIs</a>.
                </p>
              </Empty>
            ) : (
              <>
                <p>The scopes you tick are granted to the service account, so every client acting for it may ask for them.</p>
                {apis.map((a) => (
                  <ScopeCheckboxes key={a.id} api={a} selected={scopes[a.id] ?? []} onChange={(s) => setScopes((all) => ({ ...all, [a.id]: s }))} />
                ))}
              </>
            )
          ) : null}
          {name === 'Review' ? (
            <>
              <dl className="summary">
                <dt>Service account</dt>
                <dd>{useNew ? `${userName} (new${active ? '' : ', inactive'})` : (accounts.find((a) => a.id === accountId)?.user_name ?? accountId)}</dd>
                <dt>Client name</dt>
                <dd>{clientName}</dd>
                <dt>Client ID</dt>
                <dd>{clientId === '' ? 'generated' : clientId}</dd>
                <dt>Token lifetime</dt>
                <dd>{ttl ? `${ttl} s` : 'default'}</dd>
                <dt>Authentication</dt>
                <dd>
                  {withKeys
                    ? `private key JWT, keys ${keys.source === 'jwks' ? 'pasted' : `from ${keys.jwksUri}`}`
                    : federated && 'body' in credentialSent
                      ? `federated: ${credentialIssuer(credential, issuers)?.issuer ?? ''}, sub ${credentialSent.body.subject}`
                      : auth === 'tls_client_auth'
                        ? `mutual TLS, ${TLS_NAME_LABELS[certificate.name.field]} ${certificate.name.value.trim()}`
                        : auth === 'self_signed_tls_client_auth'
                          ? `mutual TLS, self-signed certificate ${certificate.inspected?.subject ?? ''}`
                          : 'client secret'}
                  {binding.certificate ? '; tokens bound to the certificate' : binding.dpop ? '; tokens bound to a DPoP key' : ''}
                </dd>
                <dt>APIs and scopes</dt>
                <dd>
                  {chosen.length === 0 ? 'none yet' : chosen.map(([id, s]) => `${apis.find((a) => a.id === id)?.identifier ?? id}: ${s.join(' ')}`).join('; ')}
                </dd>
              </dl>
              <ReasonField value={reason} onChange={setReason} />
            </>
          ) : null}
          {stepError ? (
            <p className="field-error" role="alert">
              {stepError}
            </p>
          ) : null}
          <ErrorMessage error={action.error} />
          <div className="actions">
            {step > 0 ? (
              <button type="button" className="button-secondary" onClick={() => go(step - 1)}>
                Back
              </button>
            ) : null}
            <button type="submit" className="button-primary" disabled={action.busy} aria-busy={action.busy}>
              {step < steps.length - 1 ? 'Next' : action.busy ? 'Creating…' : 'Create integration'}
            </button>
          </div>
        </form>
      ) : null}
    </>
  );
}

function Done({ result, issuer }: { result: Result; issuer: string }) {
  const { client } = result;
  const secret = client.client_secret ?? '';
  return (
    <>
      <PageHead section={<a href={href('applications/m2m')}>Machine to Machine</a>} title="Integration created" />
      <div className="card">
        {result.auth === 'federated' ? (
          <>
            <p>This client has no secret: the workload sends its platform's token (the client assertion) at each token request.</p>
            <CopyField label="Client ID" value={client.client_id} />
            <CopyField
              label="Token request (tessera CLI)"
              value={cliTokenCommand(issuer, client.client_id, result.scope, '--assertion-file /path/to/platform-token')}
              multiline
            />
            <p className="hint">
              <code>/path/to/platform-token</code> is the file that holds the workload's token, e.g. a projected service account token in a pod. Any RFC 7523
              client works the same way: <code>client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer</code> and the token as{' '}
              <code>client_assertion</code>.
            </p>
          </>
        ) : result.auth === 'tls_client_auth' || result.auth === 'self_signed_tls_client_auth' ? (
          <>
            <p>This client has no secret: it presents its certificate in the TLS handshake of each token request.</p>
            <CopyField label="Client ID" value={client.client_id} />
            <CopyField label="Token request (curl)" value={curlCertificateTokenCommand(issuer, client.client_id, result.scope)} multiline />
            <p className="hint">
              <code>client.pem</code> is the certificate you registered, <code>client-key.pem</code> its private key; it stays with the client. Tessera sees the
              certificate when its public listener speaks TLS (<code>TESSERA_TLS_CERT</code>) or through a proxy it trusts (
              <code>TESSERA_CLIENT_CERT_HEADER</code>)
              {result.auth === 'tls_client_auth' ? (
                <>
                  ; the certificate&apos;s CA must be trusted (<code>TESSERA_TLS_CLIENT_CA</code> or the tenant&apos;s{' '}
                  <a href={href('tenants')}>trusted client CAs</a>)
                </>
              ) : null}
              .
            </p>
          </>
        ) : result.auth === 'private_key_jwt' ? (
          <>
            <p>This client has no secret: it signs a client assertion with its private key at each token request.</p>
            <CopyField label="Client ID" value={client.client_id} />
            <CopyField label="Token request (tessera CLI)" value={cliTokenCommand(issuer, client.client_id, result.scope)} multiline />
            <p className="hint">
              <code>key.pem</code> is the private key whose public half you registered (a PEM file or a private JWK); it stays with the client. Any RFC 7523
              client library works the same way.
            </p>
          </>
        ) : (
          <>
            <p className="alert alert-warn" role="status">
              Copy the client secret now: it is shown this once. Tessera keeps only its digest.
            </p>
            <CopyField label="Client ID" value={client.client_id} />
            <CopyField label="Client secret" value={secret} />
            <CopyField label="Token request (curl)" value={curlTokenCommand(issuer, client.client_id, secret, result.scope)} multiline />
          </>
        )}
        {result.grantErrors.length > 0 ? (
          <div className="alert alert-error" role="alert">
            <strong>The client was created, but some access could not be granted</strong>
            <ul>
              {result.grantErrors.map((e) => (
                <li key={e}>{e}</li>
              ))}
            </ul>
            <p>
              Add it on the <a href={href('grants')}>Grants</a> page.
            </p>
          </div>
        ) : null}
        <div className="actions">
          <a className="button button-secondary" href={href(`applications/m2m/${encodeURIComponent(client.client_id)}`)}>
            Open the integration
          </a>
          <a className="button button-primary" href={href('applications/m2m')}>
            Done
          </a>
        </div>
      </div>
    </>
  );
}
