import { useEffect, useState } from 'react';
import { ApiError } from '../api';
import { ApiFields, ApiSummary, apiBody, builtInApiBody, TtlField, type ApiDraft } from '../components/api-fields';
import { ConfirmDialog, onSubmit } from '../components/dialog';
import { ErrorMessage, Loading, Notice } from '../components/feedback';
import { FormEnd, PageHead } from '../components/page';
import { useAction, useConsole, useLoad } from '../hooks';
import { href, navigate } from '../router';
import type { Api } from '../types';

/**
 * One API: name, identifier, token lifetime and the scopes editor; delete. The built-in
 * `urn:tessera:admin` shows its fixed name, identifier and scopes, and only its token lifetime
 * can change; a token without apis:write sees the API read only.
 */
export function ApiDetail({ apiId }: { apiId: string }) {
  const { api, can } = useConsole();
  const writable = can('apis:write');
  const path = api.t(`/apis/${encodeURIComponent(apiId)}`);
  const loaded = useLoad(() => api.get<Api>(path), [api, path]);
  const [draft, setDraft] = useState<ApiDraft>({ name: '', identifier: '', ttl: '', scopes: [] });
  const [reason, setReason] = useState('');
  const [saved, setSaved] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const action = useAction();
  useEffect(() => {
    const a = loaded.data;
    if (!a) return;
    setDraft({
      name: a.name,
      identifier: a.identifier,
      ttl: a.access_token_ttl === null ? '' : String(a.access_token_ttl),
      scopes: a.scopes.map((s) => ({ value: s.value, description: s.description })),
    });
  }, [loaded.data]);
  const builtIn = loaded.data?.built_in ?? false;
  const problem = action.error instanceof ApiError ? action.error : null;
  return (
    <>
      <PageHead section={<a href={href('applications/apis')}>APIs</a>} title={loaded.data?.name || loaded.data?.identifier || 'API'} write="apis:write">
        {loaded.data && !builtIn ? (
          <button type="button" className="button-danger" onClick={() => setDeleting(true)}>
            Delete API
          </button>
        ) : null}
      </PageHead>
      <ErrorMessage error={loaded.error} />
      {loaded.loading && !loaded.data ? <Loading /> : null}
      {builtIn ? (
        <p className="alert alert-info">
          The built-in API of the admin API itself: its name, identifier and scopes are fixed, and it cannot be deleted. Only its token lifetime can change.
          Grants on it give clients scopes of the admin API.
        </p>
      ) : null}
      {loaded.data && (builtIn || !writable) ? <ApiSummary api={loaded.data} /> : null}
      {loaded.data && writable ? (
        <form
          className="card"
          onSubmit={onSubmit(
            () =>
              void action.run(async () => {
                setSaved(false);
                await api.patch<Api>(path, builtIn ? builtInApiBody(draft) : apiBody(draft), reason);
                setSaved(true);
                loaded.reload();
              }),
          )}
        >
          {builtIn ? (
            <TtlField value={draft.ttl} onChange={(ttl) => setDraft({ ...draft, ttl })} error={problem?.fields.access_token_ttl} />
          ) : (
            <>
              <ApiFields
                draft={draft}
                onChange={setDraft}
                problem={problem}
                identifierHint="Changing it changes the audience of new tokens: APIs verifying the old one will refuse them."
              />
              <p className="hint">A scope removed here is removed from the grants that held it.</p>
            </>
          )}
          {saved ? <Notice>Saved.</Notice> : null}
          <FormEnd reason={{ value: reason, onChange: setReason }} error={action.error} busy={action.busy} label="Save" busyLabel="Saving…" />
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
