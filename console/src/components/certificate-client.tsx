import { useState } from 'react';
import { registeredTlsName, TLS_NAME_LABELS } from '../certificates/names';
import { useAction, useConsole } from '../hooks';
import type { Client } from '../types';
import { CertificateSummary } from './certificate-details';
import { BindingFields, CertificateFields, certificateBody, EMPTY_CERTIFICATE, type Binding, type CertificateMethod } from './certificate-fields';
import { Dialog, onSubmit } from './dialog';
import { FormEnd } from './page';

/** Whether a client authenticates with a TLS certificate (RFC 8705 §2), and which way. */
export function certificateMethodOf(c: Client): CertificateMethod | null {
  const m = c.token_endpoint_auth_method;
  return m === 'tls_client_auth' || m === 'self_signed_tls_client_auth' ? m : null;
}

/** How a client's tokens are bound, for people. */
export function bindingOf(c: Client): string {
  if (c.tls_client_certificate_bound_access_tokens) return 'to the certificate (cnf x5t#S256)';
  return c.dpop_bound_access_tokens ? 'to a DPoP key (cnf jkt)' : 'none';
}

/** How a certificate client authenticates: its method, the name its certificate must carry, or its self-signed certificates with their expiry. */
export function CertificateClient({ client, method }: { client: Client; method: CertificateMethod }) {
  const name = registeredTlsName(client);
  const certificates = client.certificates ?? [];
  return (
    <>
      <dl className="summary card certificate" aria-label="Certificate authentication">
        <dt>Method</dt>
        <dd>
          {method === 'tls_client_auth'
            ? 'Mutual TLS, CA-issued certificate (tls_client_auth)'
            : 'Mutual TLS, self-signed certificate (self_signed_tls_client_auth)'}
        </dd>
        {method === 'tls_client_auth' ? (
          <>
            <dt>Registered name</dt>
            <dd>
              {name ? (
                <>
                  {TLS_NAME_LABELS[name.field]} <code>{name.value}</code>
                </>
              ) : (
                '—'
              )}
            </dd>
          </>
        ) : null}
        <dt>Tokens bound to the certificate</dt>
        <dd>{client.tls_client_certificate_bound_access_tokens ? 'yes (cnf x5t#S256)' : 'no'}</dd>
      </dl>
      {method === 'self_signed_tls_client_auth' && client.jwks_uri !== null ? (
        <p>
          Certificates and keys fetched from <code>{client.jwks_uri}</code>
        </p>
      ) : null}
      {certificates.map((details, i) => (
        <CertificateSummary key={details['x5t#S256']} details={details} label={`Certificate ${details.kid ?? i + 1}`} />
      ))}
    </>
  );
}

/** Replaces a certificate client's certificate or registered name, and how its tokens are bound. */
export function EditCertificate({ client, method, onClose, onSaved }: { client: Client; method: CertificateMethod; onClose(): void; onSaved(): void }) {
  const { api } = useConsole();
  const registered = registeredTlsName(client);
  const [draft, setDraft] = useState(registered ? { ...EMPTY_CERTIFICATE, name: registered, typed: true } : EMPTY_CERTIFICATE);
  const [binding, setBinding] = useState<Binding>({
    certificate: client.tls_client_certificate_bound_access_tokens,
    dpop: client.dpop_bound_access_tokens,
  });
  const [missing, setMissing] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const action = useAction();
  return (
    <Dialog title="Edit certificate" onClose={onClose} wide>
      <form
        onSubmit={onSubmit(() => {
          // A self-signed client keeps its certificate unless another one is pasted.
          const keep = method === 'self_signed_tls_client_auth' && draft.pem.trim() === '';
          const sent = keep ? { body: {} } : certificateBody(method, draft);
          setMissing('missing' in sent ? sent.missing : null);
          if ('missing' in sent) return;
          void action.run(async () => {
            const body = { ...sent.body, tls_client_certificate_bound_access_tokens: binding.certificate, dpop_bound_access_tokens: binding.dpop };
            await api.patch(api.t(`/clients/${encodeURIComponent(client.client_id)}`), body, reason);
            onSaved();
            onClose();
          });
        })}
      >
        <p>
          {method === 'tls_client_auth'
            ? 'A new name replaces the registered one at once: certificates that do not carry it are refused.'
            : 'A pasted certificate replaces the registered ones at once; leave the box empty to keep them.'}
        </p>
        <CertificateFields method={method} draft={draft} onChange={setDraft} error={action.error} />
        <BindingFields binding={binding} onChange={setBinding} error={action.error} />
        {missing ? (
          <p className="field-error" role="alert">
            {missing}
          </p>
        ) : null}
        <FormEnd reason={{ value: reason, onChange: setReason }} error={action.error} busy={action.busy} label="Save" busyLabel="Saving…" onCancel={onClose} />
      </form>
    </Dialog>
  );
}
