import { useEffect, useState } from 'react';
import { ApiError } from '../api';
import { ConfirmDialog, onSubmit } from '../components/dialog';
import { ErrorMessage, Loading, Notice } from '../components/feedback';
import { ReasonField, TextField } from '../components/fields';
import { ScopeEditor, scopeErrors, scopesBody, type ScopeRow } from '../components/scope-editor';
import { optionalInteger } from '../format';
import { useAction, useConsole, useLoad, usePageTitle } from '../hooks';
import { href, navigate } from '../router';
import type { Api } from '../types';

/** One API: name, token lifetime and the scopes editor; delete. */
export function ApiDetail({ apiId }: { apiId: string }) {
  const { api } = useConsole();
  const path = api.t(`/apis/${encodeURIComponent(apiId)}`);
  const loaded = useLoad(() => api.get<Api>(path), [api, path]);
  const heading = usePageTitle(loaded.data?.name || 'API');
  const [name, setName] = useState('');
  const [identifier, setIdentifier] = useState('');
  const [ttl, setTtl] = useState('');
  const [scopes, setScopes] = useState<ScopeRow[]>([]);
  const [reason, setReason] = useState('');
  const [saved, setSaved] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const action = useAction();
  useEffect(() => {
    const a = loaded.data;
    if (!a) return;
    setName(a.name);
    setIdentifier(a.identifier);
    setTtl(a.access_token_ttl === null ? '' : String(a.access_token_ttl));
    setScopes(a.scopes.map((s) => ({ value: s.value, description: s.description })));
  }, [loaded.data]);
  const problem = action.error instanceof ApiError ? action.error : null;
  return (
    <>
      <p className="breadcrumb">
        <a href={href('applications/apis')}>APIs</a>
      </p>
      <div className="page-head">
        <h1 ref={heading} tabIndex={-1}>
          {loaded.data?.name || loaded.data?.identifier || 'API'}
        </h1>
        {loaded.data ? (
          <button type="button" className="button-danger" onClick={() => setDeleting(true)}>
            Delete API
          </button>
        ) : null}
      </div>
      <ErrorMessage error={loaded.error} />
      {loaded.loading && !loaded.data ? <Loading /> : null}
      {loaded.data ? (
        <form
          className="card"
          onSubmit={onSubmit(() =>
            void action.run(async () => {
              setSaved(false);
              await api.patch<Api>(
                path,
                { name, identifier: identifier.trim(), scopes: scopesBody(scopes), access_token_ttl: optionalInteger(ttl) ?? null },
                reason,
              );
              setSaved(true);
              loaded.reload();
            }),
          )}
        >
          <TextField label="Name" value={name} onChange={setName} error={problem?.fields.name} />
          <TextField
            label="Identifier"
            value={identifier}
            onChange={setIdentifier}
            required
            error={problem?.fields.identifier}
            hint="Changing it changes the audience of new tokens: APIs verifying the old one will refuse them."
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
          <p className="hint">A scope removed here is removed from the grants that held it.</p>
          <ReasonField value={reason} onChange={setReason} />
          <ErrorMessage error={action.error} />
          {saved ? <Notice>Saved.</Notice> : null}
          <div className="actions">
            <button type="submit" className="button-primary" disabled={action.busy} aria-busy={action.busy}>
              {action.busy ? 'Saving…' : 'Save'}
            </button>
          </div>
        </form>
      ) : null}
      {deleting && loaded.data ? (
        <ConfirmDialog
          title={`Delete ${loaded.data.name || loaded.data.identifier}`}
          confirmLabel="Delete"
          danger
          onClose={() => setDeleting(false)}
          onConfirm={async (r) => {
            await api.delete(path, r);
            navigate('applications/apis');
          }}
        >
          <p>The API and every grant on it are deleted: tokens for it can no longer be issued.</p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
