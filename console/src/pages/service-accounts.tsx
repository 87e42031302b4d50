import { useState } from 'react';
import { ApiError } from '../api';
import { ConfirmDialog, Dialog, onSubmit } from '../components/dialog';
import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { CheckboxField, TextField } from '../components/fields';
import { FormEnd, PageHead } from '../components/page';
import { LoadMore, usePaged } from '../components/paged';
import { formatTime } from '../format';
import { useAction, useConsole } from '../hooks';
import type { Page, ServiceAccount } from '../types';
import { RowActions, Table } from '../components/table';

/** Directory → Service Accounts: list, search, add, activate or deactivate, delete. */
export function ServiceAccounts() {
  const { api, can } = useConsole();
  const writable = can('service-accounts:write');
  const [search, setSearch] = useState('');
  const [applied, setApplied] = useState('');
  const list = usePaged((cursor) => api.get<Page<ServiceAccount>>(api.t('/service-accounts'), { search: applied, limit: 50, cursor }), [api, applied]);
  const [adding, setAdding] = useState(false);
  const [confirm, setConfirm] = useState<{ sa: ServiceAccount; kind: 'delete' | 'toggle' } | null>(null);
  const items = list.items ?? [];

  return (
    <>
      <PageHead
        section="Directory"
        title="Service Accounts"
        lead="Accounts for services rather than people. A client acting for one gets its id as the token's subject."
        write="service-accounts:write"
      >
        <button type="button" className="button-primary" onClick={() => setAdding(true)}>
          Add service account
        </button>
      </PageHead>
      <form className="toolbar" role="search" onSubmit={onSubmit(() => setApplied(search.trim()))}>
        <TextField label="Search by user name or display name" type="search" value={search} onChange={setSearch} />
        <button type="submit" className="button-secondary">
          Search
        </button>
      </form>
      <ErrorMessage error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && items.length === 0 ? (
        <Empty title={applied ? `No service account matches “${applied}”.` : 'No service accounts yet.'}>
          {applied ? null : (
            <p>
              <strong>Add service account</strong> creates the first one.
            </p>
          )}
        </Empty>
      ) : null}
      {items.length > 0 ? (
        <Table caption="Service accounts" columns={['User name', 'Display name', 'Status', 'Id', 'Created']} actions={writable}>
          {items.map((sa) => (
            <tr key={sa.id}>
              <th scope="row">{sa.user_name}</th>
              <td>{sa.display_name || '—'}</td>
              <td>
                <StatusBadge active={sa.active} />
              </td>
              <td>
                <code>{sa.id}</code>
              </td>
              <td>{formatTime(sa.created_at)}</td>
              <RowActions shown={writable}>
                <button type="button" className="button-secondary button-small" onClick={() => setConfirm({ sa, kind: 'toggle' })}>
                  {sa.active ? 'Deactivate' : 'Activate'}
                  <span className="sr-only"> {sa.user_name}</span>
                </button>
                <button type="button" className="button-danger button-small" onClick={() => setConfirm({ sa, kind: 'delete' })}>
                  Delete<span className="sr-only"> {sa.user_name}</span>
                </button>
              </RowActions>
            </tr>
          ))}
        </Table>
      ) : null}
      <LoadMore list={list} />
      {adding ? <AddServiceAccount onClose={() => setAdding(false)} onAdded={list.reload} /> : null}
      {confirm?.kind === 'toggle' ? (
        <ConfirmDialog
          title={`${confirm.sa.active ? 'Deactivate' : 'Activate'} ${confirm.sa.user_name}`}
          confirmLabel={confirm.sa.active ? 'Deactivate' : 'Activate'}
          danger={confirm.sa.active}
          onClose={() => setConfirm(null)}
          onConfirm={async (reason) => {
            await api.patch(api.t(`/service-accounts/${encodeURIComponent(confirm.sa.id)}`), { active: !confirm.sa.active }, reason);
            list.reload();
          }}
        >
          <p>
            {confirm.sa.active
              ? 'Its clients are refused at the token endpoint at once (invalid_client). Tokens already issued stay valid until they expire.'
              : 'Its clients can get tokens again.'}
          </p>
        </ConfirmDialog>
      ) : null}
      {confirm?.kind === 'delete' ? (
        <ConfirmDialog
          title={`Delete ${confirm.sa.user_name}`}
          confirmLabel="Delete"
          danger
          onClose={() => setConfirm(null)}
          onConfirm={async (reason) => {
            await api.delete(api.t(`/service-accounts/${encodeURIComponent(confirm.sa.id)}`), reason);
            list.reload();
          }}
        >
          <p>The service account and its grants are deleted. A client still acting for it must be changed or deleted first.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function AddServiceAccount({ onClose, onAdded }: { onClose(): void; onAdded(): void }) {
  const { api } = useConsole();
  const [userName, setUserName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [active, setActive] = useState(true);
  const [reason, setReason] = useState('');
  const action = useAction();
  const fields = action.error instanceof ApiError ? action.error.fields : {};
  return (
    <Dialog title="Add service account" onClose={onClose}>
      <form
        onSubmit={onSubmit(
          () =>
            void action.run(async () => {
              await api.post(api.t('/service-accounts'), { user_name: userName, display_name: displayName, active }, reason);
              onAdded();
              onClose();
            }),
        )}
      >
        <TextField
          label="User name"
          value={userName}
          onChange={setUserName}
          required
          autoFocus
          error={fields.user_name}
          hint="No spaces; unique in the tenant."
        />
        <TextField label="Display name" value={displayName} onChange={setDisplayName} error={fields.display_name} />
        <CheckboxField label="Active" checked={active} onChange={setActive} hint="Only an active account's clients get tokens." error={fields.active} />
        <FormEnd reason={{ value: reason, onChange: setReason }} error={action.error} busy={action.busy} label="Add" busyLabel="Adding…" onCancel={onClose} />
      </form>
    </Dialog>
  );
}
