import { useState } from 'react';
import { ApiError } from '../api';
import { CopyField } from '../components/copy';
import { ConfirmDialog, Dialog, onSubmit } from '../components/dialog';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { SelectField, TextField } from '../components/fields';
import { FormEnd, PageHead } from '../components/page';
import { LoadMore, usePaged } from '../components/paged';
import { ScopeCheckboxes } from '../components/scopes';
import { RowActions, Table } from '../components/table';
import { formatTime, optionalInteger } from '../format';
import { useAction, useConsole, useLoad } from '../hooks';
import { ADMIN_API_IDENTIFIER, ADMIN_API_NAME, ADMIN_SCOPE_DESCRIPTIONS, ADMIN_SCOPES } from '../../../src/domain/admin-scopes.js';
import type { AdminToken, AdminTokenCreate, AdminTokenCreated, Page, Tenant } from '../types';

/** The built-in API's scopes, offered as the scopes of a new admin token. */
const ADMIN_API = {
  name: ADMIN_API_NAME,
  identifier: ADMIN_API_IDENTIFIER,
  scopes: ADMIN_SCOPES.map((value) => ({ value, description: ADMIN_SCOPE_DESCRIPTIONS[value] })),
};

/** A token's scopes, as the admin API lists them. */
function Scopes({ scopes }: { scopes: string[] }) {
  return <>{scopes.join(' ')}</>;
}

/** How long a new token works: `expires_in` in seconds; `never` sends none, `custom` asks for the seconds. */
const EXPIRIES = [
  { value: 'never', label: 'Never — until it is deleted' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '7 days' },
  { value: '2592000', label: '30 days' },
  { value: '7776000', label: '90 days' },
  { value: '31536000', label: '1 year' },
  { value: 'custom', label: 'Custom, in seconds' },
];

/** Whether an `expires_at` lies in the past (an absent or null one never expires). */
function expired(expiresAt: string | null | undefined, nowMs: number): boolean {
  return typeof expiresAt === 'string' && Date.parse(expiresAt) <= nowMs;
}

/** The expiry as a table cell or summary: "never", or the time, marked Expired once past. */
function Expiry({ at }: { at: string | null | undefined }) {
  if (!at) return <>never</>;
  return (
    <>
      {formatTime(at)}
      {expired(at, Date.now()) ? <span className="badge badge-expired">Expired</span> : null}
    </>
  );
}

/** The tenant a token is limited to, or the whole installation. */
function Scope({ tenant }: { tenant: string | null }) {
  return tenant === null ? <>every tenant</> : <code>{tenant}</code>;
}

/** Settings → Admin tokens: list, create (limited to a tenant, with an expiry; the value shown once), delete. */
export function AdminTokens() {
  const { api, can } = useConsole();
  const writable = can('admin-tokens:write');
  const list = usePaged((cursor) => api.get<Page<AdminToken>>('/admin-tokens', { limit: 50, cursor }), [api]);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<AdminToken | null>(null);
  const items = list.items ?? [];
  return (
    <>
      <PageHead
        section="Settings"
        title="Admin tokens"
        lead="Bearer tokens for the admin API and this console. Tessera keeps only a digest of each: a token's value is shown once, when it is created."
        write="admin-tokens:write"
      >
        <button type="button" className="button-primary" onClick={() => setCreating(true)}>
          Create admin token
        </button>
      </PageHead>
      <ErrorMessage error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && items.length === 0 ? <Empty title="No admin tokens are visible to this admin token." /> : null}
      {items.length > 0 ? (
        <Table caption="Admin tokens" columns={['Name', 'Limited to', 'Scopes', 'Expires', 'Id', 'Created']} actions={writable}>
          {items.map((token) => (
            <tr key={token.id}>
              <th scope="row">{token.name}</th>
              <td>
                <Scope tenant={token.tenant} />
              </td>
              <td>
                <Scopes scopes={token.scopes} />
              </td>
              <td>
                <Expiry at={token.expires_at} />
              </td>
              <td>
                <code>{token.id}</code>
              </td>
              <td>{formatTime(token.created_at)}</td>
              <RowActions shown={writable}>
                <button type="button" className="button-danger button-small" onClick={() => setDeleting(token)}>
                  Delete<span className="sr-only"> {token.name}</span>
                </button>
              </RowActions>
            </tr>
          ))}
        </Table>
      ) : null}
      <LoadMore list={list} />
      {creating ? <CreateAdminToken onClose={() => setCreating(false)} onCreated={list.reload} /> : null}
      {deleting ? (
        <ConfirmDialog
          title={`Delete admin token ${deleting.name}`}
          confirmLabel="Delete"
          danger
          onClose={() => setDeleting(null)}
          onConfirm={async (reason) => {
            await api.delete(`/admin-tokens/${encodeURIComponent(deleting.id)}`, reason);
            list.reload();
          }}
        >
          <p>
            Token <code>{deleting.id}</code> stops working at once: every request that sends it is refused (401), in this console too if it is the token you
            signed in with.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function CreateAdminToken({ onClose, onCreated }: { onClose(): void; onCreated(): void }) {
  const { api, can } = useConsole();
  const tenants = useLoad(() => (can('tenants:read') ? api.all<Tenant>('/tenants') : Promise.resolve([])), [api]);
  const [name, setName] = useState('');
  // Least privilege by default: the tenant being managed; every tenant is one choice away.
  const [tenant, setTenant] = useState(api.tenant);
  // As the admin API's default: `admin`; untick it and tick the scopes the token needs.
  const [scopes, setScopes] = useState<string[]>(['admin']);
  const [expiry, setExpiry] = useState('never');
  const [seconds, setSeconds] = useState('');
  const [reason, setReason] = useState('');
  const [created, setCreated] = useState<AdminTokenCreated | null>(null);
  const action = useAction();
  const fields = action.error instanceof ApiError ? action.error.fields : {};
  if (created) {
    return (
      <Dialog title="New admin token" onClose={onClose} wide>
        <p className="alert alert-warn" role="status">
          Copy the admin token now: it is shown this once. Tessera keeps only its digest.
        </p>
        <dl className="summary">
          <dt>Name</dt>
          <dd>{created.name}</dd>
          <dt>Limited to</dt>
          <dd>
            <Scope tenant={created.tenant} />
          </dd>
          <dt>Scopes</dt>
          <dd>
            <Scopes scopes={created.scopes} />
          </dd>
          <dt>Expires</dt>
          <dd>
            <Expiry at={created.expires_at} />
          </dd>
        </dl>
        <CopyField label="Admin token" value={created.token} />
        <div className="actions">
          <button type="button" className="button-primary" onClick={onClose}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }
  const tenantOptions = [
    { value: '', label: 'Every tenant — may also manage tenants and admin tokens' },
    ...(tenants.data?.length ? tenants.data : [{ id: api.tenant, name: '' }]).map((t) => ({ value: t.id, label: t.name ? `${t.id} (${t.name})` : t.id })),
  ];
  const custom = expiry === 'custom';
  return (
    <Dialog title="Create admin token" onClose={onClose}>
      <form
        onSubmit={onSubmit(
          () =>
            void action.run(async () => {
              const expiresIn = custom ? optionalInteger(seconds) : expiry === 'never' ? undefined : Number(expiry);
              // Only a chosen expiry is sent: a server without token expiry then still creates tokens.
              const body: AdminTokenCreate = {
                name: name.trim(),
                tenant: tenant || null,
                scopes,
                ...(expiresIn !== undefined ? { expires_in: expiresIn } : {}),
              };
              setCreated(await api.post<AdminTokenCreated>('/admin-tokens', body, reason));
              onCreated();
            }),
        )}
      >
        <TextField
          label="Name"
          value={name}
          onChange={setName}
          required
          autoFocus
          error={fields.name}
          hint="Who or what uses it, e.g. ci-deploy or console-alice."
        />
        <SelectField
          label="Limited to"
          value={tenant}
          onChange={setTenant}
          options={tenantOptions}
          error={fields.tenant}
          hint="A token limited to a tenant acts on that tenant only."
        />
        <ScopeCheckboxes api={ADMIN_API} selected={scopes} onChange={setScopes} error={fields.scopes} />
        <p className="hint">
          <code>admin</code> holds every other scope; a <code>write</code> scope holds its <code>read</code> scope. A token can get only scopes its creator
          holds.
        </p>
        <SelectField label="Expires" value={expiry} onChange={setExpiry} options={EXPIRIES} error={custom ? undefined : fields.expires_in} />
        {custom ? (
          <TextField
            label="Expires in (seconds)"
            type="number"
            value={seconds}
            onChange={setSeconds}
            required
            error={fields.expires_in}
            hint="From 60 (one minute) to 31536000 (one year)."
          />
        ) : null}
        <FormEnd
          reason={{ value: reason, onChange: setReason }}
          error={action.error}
          busy={action.busy}
          label="Create"
          busyLabel="Creating…"
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
