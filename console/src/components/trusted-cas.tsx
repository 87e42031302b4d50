import { useState } from 'react';
import { formatTime } from '../format';
import { useAction, useConsole } from '../hooks';
import type { Tenant } from '../types';
import { ExpiryWarning } from './certificate-details';
import { ConfirmDialog, Dialog, onSubmit } from './dialog';
import { Empty } from './feedback';
import { TextAreaField } from './fields';
import { errorsUnder } from './key-source';
import { FormEnd } from './page';
import { RowActions, Table } from './table';

/**
 * A tenant's own trusted client CAs (`tls_client_cas`): the CAs whose certificates authenticate
 * its tls_client_auth clients, besides TESSERA_TLS_CLIENT_CA. Shows each one's subject,
 * thumbprint and validity with the expiry warning; adds a pasted PEM, removes one.
 */
export function TrustedClientCas({ tenant, onChanged }: { tenant: Tenant; onChanged(): void }) {
  const { api, can } = useConsole();
  const writable = can('tenants:write');
  const [dialog, setDialog] = useState<'add' | number | null>(null);
  const cas = tenant.tls_client_cas;
  const details = tenant.tls_client_ca_details;
  const path = `/tenants/${encodeURIComponent(tenant.id)}`;
  const removing = typeof dialog === 'number' ? details[dialog] : undefined;
  return (
    <>
      <div className="section-head">
        <h2>Trusted client CAs of {tenant.id}</h2>
        {writable ? (
          <button type="button" className="button-secondary" onClick={() => setDialog('add')}>
            Add CA
          </button>
        ) : null}
      </div>
      <p className="hint">
        Certificates these CAs issue authenticate this tenant&apos;s mutual TLS (tls_client_auth) clients, besides the CAs of <code>TESSERA_TLS_CLIENT_CA</code>
        . They never authenticate another tenant&apos;s clients.
      </p>
      {details.length === 0 ? (
        <Empty title="No trusted client CA of this tenant.">
          <p>
            <strong>Add CA</strong> takes the CA&apos;s certificate in PEM.
          </p>
        </Empty>
      ) : (
        <Table caption="Trusted client CAs" columns={['Subject', 'Thumbprint (x5t#S256)', 'Valid from', 'Valid until']} actions={writable}>
          {details.map((d, i) => (
            <tr key={d['x5t#S256']}>
              <th scope="row">
                <code>{d.subject}</code>
              </th>
              <td>
                <code>{d['x5t#S256']}</code>
              </td>
              <td>{formatTime(d.not_before)}</td>
              <td>
                {formatTime(d.not_after)} <ExpiryWarning notAfter={d.not_after} />
              </td>
              <RowActions shown={writable}>
                <button type="button" className="button-danger button-small" onClick={() => setDialog(i)}>
                  Remove<span className="sr-only"> CA {d.subject}</span>
                </button>
              </RowActions>
            </tr>
          ))}
        </Table>
      )}
      {dialog === 'add' ? <AddCa tenant={tenant} cas={cas} path={path} onClose={() => setDialog(null)} onAdded={onChanged} /> : null}
      {typeof dialog === 'number' && removing ? (
        <ConfirmDialog
          title="Remove trusted client CA"
          confirmLabel="Remove"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async (reason) => {
            await api.patch(path, { tls_client_cas: cas.filter((_, j) => j !== dialog) }, reason);
            onChanged();
          }}
        >
          <p>
            Certificates issued by <code>{removing.subject}</code> stop authenticating this tenant&apos;s clients at once (unless{' '}
            <code>TESSERA_TLS_CLIENT_CA</code> trusts it too).
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function AddCa({ tenant, cas, path, onClose, onAdded }: { tenant: Tenant; cas: string[]; path: string; onClose(): void; onAdded(): void }) {
  const { api } = useConsole();
  const [pem, setPem] = useState('');
  const [reason, setReason] = useState('');
  const action = useAction();
  return (
    <Dialog title={`Add a trusted client CA to ${tenant.id}`} onClose={onClose} wide>
      <form
        onSubmit={onSubmit(
          () =>
            void action.run(async () => {
              await api.patch(path, { tls_client_cas: [...cas, pem.trim()] }, reason);
              onAdded();
              onClose();
            }),
        )}
      >
        <TextAreaField
          label="CA certificate (PEM)"
          value={pem}
          onChange={setPem}
          error={errorsUnder(action.error, 'tls_client_cas')}
          hint={
            <>
              One CA certificate (basic constraints CA), <code>-----BEGIN CERTIFICATE-----</code> to <code>-----END CERTIFICATE-----</code>; an intermediate CA
              works too.
            </>
          }
        />
        <FormEnd
          reason={{ value: reason, onChange: setReason }}
          error={action.error}
          busy={action.busy}
          label="Add CA"
          busyLabel="Adding…"
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
