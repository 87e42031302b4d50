import { useState } from 'react';
import { ApiError } from '../api';
import { Dialog, onSubmit } from '../components/dialog';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { ReasonField, TextField } from '../components/fields';
import { ScopeEditor, scopeErrors, scopesBody, type ScopeRow } from '../components/scope-editor';
import { formatSeconds, optionalInteger } from '../format';
import { useAction, useConsole, useLoad, usePageTitle } from '../hooks';
import { href, navigate } from '../router';
import type { Api } from '../types';

/** Applications → APIs: the resource servers tokens are for, with their scopes. */
export function Apis() {
  const { api } = useConsole();
  const heading = usePageTitle('APIs');
  const list = useLoad(() => api.all<Api>(api.t('/apis')), [api]);
  const [adding, setAdding] = useState(false);
  return (
    <>
      <div className="page-head">
        <div>
          <p className="breadcrumb">Applications</p>
          <h1 ref={heading} tabIndex={-1}>
            APIs
          </h1>
          <p className="lead">An API's identifier is the audience (aud) of its tokens; its scopes are what clients may be granted.</p>
        </div>
        <button type="button" className="button-primary" onClick={() => setAdding(true)}>
          Add integration
        </button>
      </div>
      <ErrorMessage error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data?.length === 0 ? (
        <Empty title="No APIs yet.">
          <p>
            <strong>Add integration</strong> registers one: a name, its identifier (the audience) and its scopes.
          </p>
        </Empty>
      ) : null}
      {list.data && list.data.length > 0 ? (
        <table className="table">
          <caption className="sr-only">APIs</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Identifier (audience)</th>
              <th scope="col">Scopes</th>
              <th scope="col">Token lifetime</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((a) => (
              <tr key={a.id}>
                <th scope="row">
                  <a href={href(`applications/apis/${encodeURIComponent(a.id)}`)}>{a.name || a.identifier}</a>
                </th>
                <td>
                  <code>{a.identifier}</code>
                </td>
                <td>{a.scopes.map((s) => s.value).join(' ') || '—'}</td>
                <td>{a.access_token_ttl ? formatSeconds(a.access_token_ttl) : 'default'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {adding ? <AddApi onClose={() => setAdding(false)} /> : null}
    </>
  );
}

function AddApi({ onClose }: { onClose(): void }) {
  const { api } = useConsole();
  const [name, setName] = useState('');
  const [identifier, setIdentifier] = useState('');
  const [ttl, setTtl] = useState('');
  const [scopes, setScopes] = useState<ScopeRow[]>([{ value: '', description: '' }]);
  const [reason, setReason] = useState('');
  const action = useAction();
  const problem = action.error instanceof ApiError ? action.error : null;
  return (
    <Dialog title="Add API" onClose={onClose} wide>
      <form
        onSubmit={onSubmit(() =>
          void action.run(async () => {
            const created = await api.post<Api>(
              api.t('/apis'),
              { name: name.trim() || undefined, identifier: identifier.trim(), scopes: scopesBody(scopes), access_token_ttl: optionalInteger(ttl) },
              reason,
            );
            onClose();
            navigate(`applications/apis/${encodeURIComponent(created.id)}`);
          }),
        )}
      >
        <TextField label="Name" value={name} onChange={setName} autoFocus error={problem?.fields.name} />
        <TextField
          label="Identifier"
          value={identifier}
          onChange={setIdentifier}
          required
          error={problem?.fields.identifier}
          hint="The audience of its tokens, usually the API's URL, e.g. https://api.example.com/"
        />
        <TextField
          label="Token lifetime in seconds (optional)"
          type="number"
          min={60}
          max={86400}
          value={ttl}
          onChange={setTtl}
          error={problem?.fields.access_token_ttl}
          hint="Empty: the tenant's default."
        />
        <ScopeEditor scopes={scopes} onChange={setScopes} errors={scopeErrors(problem?.problem?.errors, scopes)} />
        <ReasonField value={reason} onChange={setReason} />
        <ErrorMessage error={action.error} />
        <div className="actions">
          <button type="button" className="button-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button-primary" disabled={action.busy} aria-busy={action.busy}>
            {action.busy ? 'Creating…' : 'Create API'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
