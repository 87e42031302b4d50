import { useState } from 'react';
import { ApiError } from '../api';
import { ConfirmDialog, Dialog, onSubmit } from '../components/dialog';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { SelectField } from '../components/fields';
import { FormEnd, PageHead } from '../components/page';
import { ScopeCheckboxes } from '../components/scopes';
import { formatTime } from '../format';
import { useAction, useConsole, useLoad } from '../hooks';
import type { Api, Client, Grant, ServiceAccount } from '../types';
import { RowActions, Table } from '../components/table';

interface Directory {
  grants: Grant[];
  apis: Api[];
  clients: Client[];
  accounts: ServiceAccount[];
}

/** Grants: which client or service account holds which scopes of which API; add, edit scopes, remove. */
export function Grants() {
  const { api, can } = useConsole();
  const writable = can('grants:write');
  const data = useLoad(async (): Promise<Directory> => {
    // The holders' and APIs' names when the token may read them; their ids otherwise.
    const [grants, apis, clients, accounts] = await Promise.all([
      api.all<Grant>(api.t('/grants')),
      can('apis:read') ? api.all<Api>(api.t('/apis')) : Promise.resolve([]),
      can('clients:read') ? api.all<Client>(api.t('/clients')) : Promise.resolve([]),
      can('service-accounts:read') ? api.all<ServiceAccount>(api.t('/service-accounts')) : Promise.resolve([]),
    ]);
    return { grants, apis, clients, accounts };
  }, [api]);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Grant | null>(null);
  const [removing, setRemoving] = useState<Grant | null>(null);
  const holder = (g: Grant, d: Directory) =>
    g.client_id
      ? `Client ${d.clients.find((c) => c.client_id === g.client_id)?.client_name || g.client_id}`
      : `Service account ${d.accounts.find((a) => a.id === g.service_account_id)?.user_name ?? g.service_account_id}`;
  return (
    <>
      <PageHead
        section="Access"
        title="Grants"
        lead="A grant gives a client, or a service account and so every client acting for it, scopes of one API."
        write="grants:write"
      >
        <button type="button" className="button-primary" onClick={() => setAdding(true)} disabled={!data.data}>
          Add grant
        </button>
      </PageHead>
      <ErrorMessage error={data.error} />
      {data.loading && !data.data ? <Loading /> : null}
      {data.data?.grants.length === 0 ? (
        <Empty title="No grants yet.">
          <p>
            <strong>Add grant</strong> gives a service account or a client scopes of an API.
          </p>
        </Empty>
      ) : null}
      {data.data && data.data.grants.length > 0 ? (
        <Table caption="Grants" columns={['Holder', 'API', 'Scopes', 'Created']} actions={writable}>
          {data.data.grants.map((g) => (
            <tr key={g.id}>
              <th scope="row">{holder(g, data.data!)}</th>
              <td>
                <code>{g.api_identifier}</code>
              </td>
              <td>{g.scopes.join(' ') || '—'}</td>
              <td>{formatTime(g.created_at)}</td>
              <RowActions shown={writable}>
                <button type="button" className="button-small" onClick={() => setEditing(g)}>
                  Edit scopes
                  <span className="sr-only">
                    {' '}
                    of {holder(g, data.data!)} on {g.api_identifier}
                  </span>
                </button>
                <button type="button" className="button-danger button-small" onClick={() => setRemoving(g)}>
                  Remove
                  <span className="sr-only">
                    {' '}
                    grant of {holder(g, data.data!)} on {g.api_identifier}
                  </span>
                </button>
              </RowActions>
            </tr>
          ))}
        </Table>
      ) : null}
      {adding && data.data ? <AddGrant directory={data.data} onClose={() => setAdding(false)} onAdded={data.reload} /> : null}
      {editing && data.data ? (
        <EditScopes grant={editing} api={data.data.apis.find((a) => a.id === editing.api_id)} onClose={() => setEditing(null)} onSaved={data.reload} />
      ) : null}
      {removing ? (
        <ConfirmDialog
          title="Remove grant"
          confirmLabel="Remove"
          danger
          onClose={() => setRemoving(null)}
          onConfirm={async (reason) => {
            await api.delete(api.t(`/grants/${encodeURIComponent(removing.id)}`), reason);
            data.reload();
          }}
        >
          <p>
            New tokens no longer carry {removing.scopes.join(' ') || 'these scopes'} for <code>{removing.api_identifier}</code>. Tokens already issued stay
            valid until they expire.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function AddGrant({ directory, onClose, onAdded }: { directory: Directory; onClose(): void; onAdded(): void }) {
  const { api } = useConsole();
  const [kind, setKind] = useState<'service_account' | 'client'>('service_account');
  const [holderId, setHolderId] = useState('');
  const [apiId, setApiId] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [reason, setReason] = useState('');
  const action = useAction();
  const fields = action.error instanceof ApiError ? action.error.fields : {};
  const chosenApi = directory.apis.find((a) => a.id === apiId);
  const holders =
    kind === 'service_account'
      ? directory.accounts.map((a) => ({ value: a.id, label: a.user_name }))
      : directory.clients.map((c) => ({ value: c.client_id, label: c.client_name ? `${c.client_name} (${c.client_id})` : c.client_id }));
  return (
    <Dialog title="Add grant" onClose={onClose} wide>
      <form
        onSubmit={onSubmit(
          () =>
            void action.run(async () => {
              await api.post(api.t('/grants'), { [kind === 'client' ? 'client_id' : 'service_account_id']: holderId, api_id: apiId, scopes }, reason);
              onAdded();
              onClose();
            }),
        )}
      >
        <SelectField
          label="Holder type"
          value={kind}
          onChange={(v) => {
            setKind(v as 'service_account' | 'client');
            setHolderId('');
          }}
          options={[
            { value: 'service_account', label: 'Service account (every client acting for it)' },
            { value: 'client', label: 'Client' },
          ]}
        />
        <SelectField
          label={kind === 'client' ? 'Client' : 'Service account'}
          value={holderId}
          onChange={setHolderId}
          required
          error={fields.client_id ?? fields.service_account_id}
          options={[{ value: '', label: holders.length === 0 ? 'None yet' : 'Choose…' }, ...holders]}
        />
        <SelectField
          label="API"
          value={apiId}
          onChange={(v) => {
            setApiId(v);
            setScopes([]);
          }}
          required
          error={fields.api_id}
          options={[
            { value: '', label: directory.apis.length === 0 ? 'None yet' : 'Choose…' },
            ...directory.apis.map((a) => ({ value: a.id, label: a.name ? `${a.name} (${a.identifier})` : a.identifier })),
          ]}
        />
        {chosenApi ? <ScopeCheckboxes api={chosenApi} selected={scopes} onChange={setScopes} error={fields.scopes} /> : null}
        <FormEnd
          reason={{ value: reason, onChange: setReason }}
          error={action.error}
          busy={action.busy}
          label="Grant"
          busyLabel="Granting…"
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}

/** Replaces a grant's scopes (`PATCH /grants/{id}`): the same grant, the new list. */
function EditScopes({ grant, api: grantApi, onClose, onSaved }: { grant: Grant; api: Api | undefined; onClose(): void; onSaved(): void }) {
  const { api } = useConsole();
  const [scopes, setScopes] = useState<string[]>(grant.scopes);
  const [reason, setReason] = useState('');
  const action = useAction();
  const fields = action.error instanceof ApiError ? action.error.fields : {};
  // Without apis:read the API's scopes are unknown: the grant's own are the choices.
  const shown = grantApi ?? { name: '', identifier: grant.api_identifier, scopes: grant.scopes.map((value) => ({ value, description: '' })) };
  return (
    <Dialog title="Edit scopes" onClose={onClose} wide>
      <form
        onSubmit={onSubmit(
          () =>
            void action.run(async () => {
              await api.patch(api.t(`/grants/${encodeURIComponent(grant.id)}`), { scopes }, reason);
              onSaved();
              onClose();
            }),
        )}
      >
        <ScopeCheckboxes api={shown} selected={scopes} onChange={setScopes} error={fields.scopes} />
        <FormEnd reason={{ value: reason, onChange: setReason }} error={action.error} busy={action.busy} label="Save" busyLabel="Saving…" onCancel={onClose} />
      </form>
    </Dialog>
  );
}
