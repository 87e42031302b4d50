import { useState } from 'react';
import { ApiError } from '../api';
import { Dialog, onSubmit } from '../components/dialog';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { SelectField, TextField } from '../components/fields';
import { FormEnd, PageHead } from '../components/page';
import { formatSeconds, formatTime, optionalInteger } from '../format';
import { useAction, useConsole, useLoad } from '../hooks';
import type { Tenant, TenantCreate } from '../types';
import { Table } from '../components/table';
import { TrustedClientCas } from '../components/trusted-cas';

type SigningAlg = NonNullable<TenantCreate['signing_alg']>;
const ALGS: { value: SigningAlg; label: string }[] = [
  { value: 'RS256', label: 'RS256 (RSA, the default)' },
  { value: 'PS256', label: 'PS256 (RSA-PSS)' },
  { value: 'ES256', label: 'ES256 (ECDSA P-256)' },
  { value: 'EdDSA', label: 'EdDSA (Ed25519)' },
];

/** Tenants: list, create, settings (signing algorithm, default token lifetime), switch; the current tenant's trusted client CAs. */
export function Tenants() {
  const { api, can, whoami, tenantsChanged, switchTenant } = useConsole();
  const list = useLoad(() => api.all<Tenant>('/tenants'), [api]);
  const [editing, setEditing] = useState<Tenant | 'new' | null>(null);
  const current = list.data?.find((t) => t.id === api.tenant);
  const changed = () => {
    list.reload();
    tenantsChanged();
  };
  return (
    <>
      <PageHead
        section="Settings"
        title="Tenants"
        lead="Each tenant is its own issuer: its clients, APIs and keys are invisible to every other tenant."
        write="tenants:write"
      >
        {/* Creating a tenant is installation-wide: for a token not limited to a tenant. */}
        {whoami.tenant === null ? (
          <button type="button" className="button-primary" onClick={() => setEditing('new')}>
            Create tenant
          </button>
        ) : null}
      </PageHead>
      <ErrorMessage error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data?.length === 0 ? <Empty title="No tenant is visible to this admin token." /> : null}
      {list.data && list.data.length > 0 ? (
        <Table caption="Tenants" columns={['Id', 'Name', 'Issuer', 'Signing algorithm', 'Default token lifetime', 'Created']} actions>
          {list.data.map((t) => (
            <tr key={t.id} aria-current={t.id === api.tenant ? 'true' : undefined}>
              <th scope="row">
                <code>{t.id}</code>
                {t.id === api.tenant ? <span className="badge badge-ok">current</span> : null}
              </th>
              <td>{t.name}</td>
              <td>
                <code>{t.issuer}</code>
              </td>
              <td>{t.signing_alg}</td>
              <td>{formatSeconds(t.access_token_ttl)}</td>
              <td>{formatTime(t.created_at)}</td>
              <td className="row-actions">
                {can('tenants:write') ? (
                  <button type="button" className="button-secondary button-small" onClick={() => setEditing(t)}>
                    Settings<span className="sr-only"> of {t.id}</span>
                  </button>
                ) : null}
                {t.id !== api.tenant ? (
                  <button type="button" className="button-secondary button-small" onClick={() => switchTenant(t.id)}>
                    Switch to<span className="sr-only"> {t.id}</span>
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </Table>
      ) : null}
      {current ? <TrustedClientCas tenant={current} onChanged={changed} /> : null}
      {editing ? <TenantSettings tenant={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={changed} /> : null}
    </>
  );
}

function TenantSettings({ tenant, onClose, onSaved }: { tenant: Tenant | null; onClose(): void; onSaved(): void }) {
  const { api } = useConsole();
  const [id, setId] = useState('');
  const [name, setName] = useState(tenant?.name ?? '');
  const [alg, setAlg] = useState<string>(tenant?.signing_alg ?? 'RS256');
  const [ttl, setTtl] = useState(String(tenant?.access_token_ttl ?? 3600));
  const [reason, setReason] = useState('');
  const action = useAction();
  const fields = action.error instanceof ApiError ? action.error.fields : {};
  return (
    <Dialog title={tenant ? `Settings of ${tenant.id}` : 'Create tenant'} onClose={onClose}>
      <form
        onSubmit={onSubmit(
          () =>
            void action.run(async () => {
              const body = { name: name.trim() || undefined, signing_alg: alg, access_token_ttl: optionalInteger(ttl) };
              if (tenant) await api.patch(`/tenants/${encodeURIComponent(tenant.id)}`, body, reason);
              else await api.post('/tenants', { id: id.trim(), ...body }, reason);
              onSaved();
              onClose();
            }),
        )}
      >
        {tenant ? null : (
          <TextField
            label="Tenant id"
            value={id}
            onChange={setId}
            required
            autoFocus
            error={fields.id}
            hint="Lower-case letters, digits and dashes; its issuer is the public URL + /t/{id}."
          />
        )}
        <TextField label="Name" value={name} onChange={setName} error={fields.name} />
        <SelectField
          label="Signing algorithm"
          value={alg}
          onChange={setAlg}
          options={ALGS}
          error={fields.signing_alg}
          hint={tenant ? 'Changing it rotates to a new key of that algorithm at once.' : undefined}
        />
        <TextField label="Default token lifetime in seconds" type="number" min={60} max={86400} value={ttl} onChange={setTtl} error={fields.access_token_ttl} />
        <FormEnd
          reason={{ value: reason, onChange: setReason }}
          error={action.error}
          busy={action.busy}
          label={tenant ? 'Save' : 'Create tenant'}
          busyLabel="Saving…"
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
