import { messageOf } from '../api';
import { namesOf, pemToX5c, TLS_NAME_LABELS, type TlsName } from '../certificates/names';
import { useAction, useConsole } from '../hooks';
import { href } from '../router';
import { TLS_NAME_FIELDS, type InspectedCertificate, type TlsNameField } from '../types';
import { CertificateSummary } from './certificate-details';
import { CheckboxField, SelectField, TextAreaField, TextField } from './fields';
import { errorsUnder } from './key-source';

/** The two RFC 8705 §2 methods: a certificate from a trusted CA, known by a name it carries; or a self-signed one, known by its key. */
export type CertificateMethod = 'tls_client_auth' | 'self_signed_tls_client_auth';

/** A certificate client's credential as its form holds it. */
export interface CertificateDraft {
  /** The pasted PEM, as typed. */
  pem: string;
  /** What the admin API read in `inspectedPem`, once asked. */
  inspected: InspectedCertificate | null;
  inspectedPem: string;
  /** The name a tls_client_auth client is registered by: chosen among the certificate's, or typed. */
  name: TlsName;
  typed: boolean;
}

export const EMPTY_CERTIFICATE: CertificateDraft = {
  pem: '',
  inspected: null,
  inspectedPem: '',
  name: { field: 'tls_client_auth_subject_dn', value: '' },
  typed: false,
};

/**
 * The credential part of a client body: the one RFC 8705 §2.1.2 name of a tls_client_auth
 * client, or the jwks of a self-signed one (its public key with the certificate in `x5c`,
 * RFC 8705 §2.2); or what is still missing.
 */
export function certificateBody(method: CertificateMethod, d: CertificateDraft): { body: Record<string, unknown> } | { missing: string } {
  if (method === 'tls_client_auth') {
    const value = d.name.value.trim();
    return value ? { body: { [d.name.field]: value } } : { missing: "Read the client's certificate and choose its name, or type the name it must carry." };
  }
  if (d.inspected === null || d.inspectedPem !== d.pem) return { missing: "Paste the client's certificate and read it." };
  return { body: { jwks: { keys: [{ ...d.inspected.jwk, x5c: [pemToX5c(d.pem)] }] }, jwks_uri: null } };
}

/** An example of each name, in the format the field takes. */
const NAME_PLACEHOLDERS: Record<TlsNameField, string> = {
  tls_client_auth_subject_dn: 'CN=device-1,O=Acme,C=FR',
  tls_client_auth_san_dns: 'device-1.example.com',
  tls_client_auth_san_uri: 'spiffe://example.org/device-1',
  tls_client_auth_san_ip: '192.0.2.10',
  tls_client_auth_san_email: 'device-1@example.com',
};

/** The server's errors for any of the five name fields, each with its pointer. */
function nameErrors(error: unknown): string | undefined {
  const found = TLS_NAME_FIELDS.map((f) => errorsUnder(error, f)).filter((e) => e !== undefined);
  return found.length > 0 ? found.join('; ') : undefined;
}

/**
 * A pasted PEM certificate, read by the admin API (`POST /certificates/inspect`): its subject,
 * SANs, thumbprint and validity shown; for tls_client_auth, the name that identifies the client
 * chosen among the certificate's (its subject DN at first) or typed.
 */
export function CertificateFields({
  method,
  draft,
  onChange,
  error,
}: {
  method: CertificateMethod;
  draft: CertificateDraft;
  onChange(draft: CertificateDraft): void;
  /** The failed admin call, if any: its errors for the certificate's fields are shown under them. */
  error: unknown;
}) {
  const { api } = useConsole();
  const inspect = useAction();
  const inspected = draft.inspected !== null && draft.inspectedPem === draft.pem ? draft.inspected : null;
  const names = inspected ? namesOf(inspected) : [];
  const read = () =>
    void inspect.run(async () => {
      const found = await api.post<InspectedCertificate>(api.t('/certificates/inspect'), { certificate: draft.pem.trim() });
      onChange({ ...draft, inspected: found, inspectedPem: draft.pem, name: { field: 'tls_client_auth_subject_dn', value: found.subject }, typed: false });
    });
  const chosen = (n: TlsName) => !draft.typed && draft.name.field === n.field && draft.name.value === n.value;
  return (
    <>
      <TextAreaField
        label="Client certificate (PEM)"
        rows={6}
        value={draft.pem}
        onChange={(pem) => onChange({ ...draft, pem })}
        error={inspect.error ? messageOf(inspect.error) : method === 'self_signed_tls_client_auth' ? errorsUnder(error, 'jwks') : undefined}
        hint={
          <>
            The certificate only, <code>-----BEGIN CERTIFICATE-----</code> to <code>-----END CERTIFICATE-----</code>: never its private key.
          </>
        }
      />
      <div className="actions">
        <button type="button" className="button-secondary" onClick={read} disabled={inspect.busy || draft.pem.trim() === ''} aria-busy={inspect.busy}>
          {inspect.busy ? 'Reading…' : 'Read certificate'}
        </button>
      </div>
      {inspected ? <CertificateSummary details={inspected} label="Pasted certificate" /> : null}
      {inspected?.ca ? (
        <p className="alert alert-warn" role="status">
          This is a CA certificate, not a client&apos;s: a tenant&apos;s own CAs are added on the <a href={href('tenants')}>Tenants</a> page.
        </p>
      ) : null}
      {method === 'tls_client_auth' ? (
        <>
          {names.length > 0 ? (
            <fieldset className="radios certificate-names">
              <legend>Identify the client by</legend>
              {names.map((n) => (
                <label className="check" key={`${n.field} ${n.value}`}>
                  <input type="radio" name="tls-name" checked={chosen(n)} onChange={() => onChange({ ...draft, name: n, typed: false })} />{' '}
                  <span>
                    {TLS_NAME_LABELS[n.field]}: <code>{n.value}</code>
                  </span>
                </label>
              ))}
              <label className="check">
                <input type="radio" name="tls-name" checked={draft.typed} onChange={() => onChange({ ...draft, typed: true })} /> Type a name
              </label>
            </fieldset>
          ) : null}
          {names.length === 0 || draft.typed ? (
            <>
              <SelectField
                label="Name field"
                value={draft.name.field}
                onChange={(field) => onChange({ ...draft, name: { ...draft.name, field: field as TlsNameField } })}
                options={TLS_NAME_FIELDS.map((f) => ({ value: f, label: `${TLS_NAME_LABELS[f]} (${f})` }))}
              />
              <TextField
                label="Name the certificate must carry"
                value={draft.name.value}
                onChange={(value) => onChange({ ...draft, name: { ...draft.name, value } })}
                error={nameErrors(error)}
                placeholder={NAME_PLACEHOLDERS[draft.name.field]}
                hint="A subject DN is written as RFC 4514 writes it, most specific part first; attribute case, spacing and escaping do not matter."
              />
            </>
          ) : nameErrors(error) ? (
            <p className="field-error">{nameErrors(error)}</p>
          ) : null}
        </>
      ) : null}
    </>
  );
}

/** How a client's tokens are bound: to its TLS certificate (RFC 8705 §3) or to a DPoP key (RFC 9449), never both. */
export interface Binding {
  certificate: boolean;
  dpop: boolean;
}

/** The binding part of a client body: only what is switched on, so that a client without binding sends nothing new. */
export function bindingBody(b: Binding): Record<string, boolean> {
  return {
    ...(b.certificate ? { tls_client_certificate_bound_access_tokens: true } : {}),
    ...(b.dpop ? { dpop_bound_access_tokens: true } : {}),
  };
}

/** The two token bindings, each off while the other is on. */
export function BindingFields({ binding, onChange, error }: { binding: Binding; onChange(b: Binding): void; error: unknown }) {
  return (
    <fieldset className="radios">
      <legend>Token binding</legend>
      <CheckboxField
        label="Bind tokens to the certificate"
        checked={binding.certificate}
        disabled={binding.dpop}
        onChange={(certificate) => onChange({ ...binding, certificate })}
        error={errorsUnder(error, 'tls_client_certificate_bound_access_tokens')}
        hint={
          binding.dpop
            ? 'Not with DPoP binding: a token is bound one way or the other.'
            : "Each token carries the thumbprint of the client's TLS certificate (cnf x5t#S256): an API accepts it only over a connection with that certificate."
        }
      />
      <CheckboxField
        label="Bind tokens to a DPoP key"
        checked={binding.dpop}
        disabled={binding.certificate}
        onChange={(dpop) => onChange({ ...binding, dpop })}
        error={errorsUnder(error, 'dpop_bound_access_tokens')}
        hint={
          binding.certificate
            ? 'Not with certificate binding: a token is bound one way or the other.'
            : 'Every token request must carry a DPoP proof (RFC 9449).'
        }
      />
    </fieldset>
  );
}
