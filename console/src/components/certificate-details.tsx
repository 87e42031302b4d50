import { expiryOf } from '../certificates/names';
import { formatTime } from '../format';
import type { CertificateDetails } from '../types';

/** "Expires in N days" within 30 days of `notAfter`, "Expired" after it, by the browser's clock; nothing otherwise. */
export function ExpiryWarning({ notAfter }: { notAfter: string }) {
  const expiry = expiryOf(notAfter, Date.now());
  if (expiry === null) return null;
  return (
    <span className={`badge ${expiry.expired ? 'badge-expired' : 'badge-warn'}`} role="status">
      {expiry.expired ? 'Expired' : `Expires in ${expiry.days} day${expiry.days === 1 ? '' : 's'}`}
    </span>
  );
}

/** The subject alternative names of a certificate, one line per kind, or "none". */
function SubjectAltNames({ sans }: { sans: CertificateDetails['subject_alt_names'] }) {
  const kinds = [
    ['DNS', sans.dns],
    ['URI', sans.uri],
    ['IP', sans.ip],
    ['Email', sans.email],
  ] as const;
  const found = kinds.filter(([, values]) => values.length > 0);
  if (found.length === 0) return <>none</>;
  return (
    <ul className="plain">
      {found.map(([kind, values]) => (
        <li key={kind}>
          {kind}:{' '}
          {values.map((v, i) => (
            <span key={v}>
              {i > 0 ? ', ' : ''}
              <code>{v}</code>
            </span>
          ))}
        </li>
      ))}
    </ul>
  );
}

/** What a certificate holds: subject, issuer, SANs, thumbprint (x5t#S256) and validity, with the expiry warning. */
export function CertificateSummary({ details, label }: { details: CertificateDetails; label: string }) {
  return (
    <dl className="summary card certificate" aria-label={label}>
      <dt>Subject</dt>
      <dd>
        <code>{details.subject}</code>
      </dd>
      <dt>Issuer</dt>
      <dd>
        <code>{details.issuer}</code>
      </dd>
      <dt>Subject alternative names</dt>
      <dd>
        <SubjectAltNames sans={details.subject_alt_names} />
      </dd>
      <dt>Thumbprint (x5t#S256)</dt>
      <dd>
        <code className="thumbprint">{details['x5t#S256']}</code>
      </dd>
      <dt>Valid from</dt>
      <dd>{formatTime(details.not_before)}</dd>
      <dt>Valid until</dt>
      <dd>
        {formatTime(details.not_after)} <ExpiryWarning notAfter={details.not_after} />
      </dd>
    </dl>
  );
}
