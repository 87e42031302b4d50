import { useState } from 'react';
import { ApiError } from '../api';
import { ApiFields, apiBody, BuiltInBadge, type ApiDraft } from '../components/api-fields';
import { Dialog, onSubmit } from '../components/dialog';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { FormEnd, PageHead } from '../components/page';
import { formatSeconds } from '../format';
import { useAction, useConsole, useLoad } from '../hooks';
import { href, navigate } from '../router';
import type { Api } from '../types';
import { Table } from '../components/table';

/** Applications → APIs: the resource servers tokens are for, with their scopes. */
export function Apis() {
  const { api } = useConsole();
  const list = useLoad(() => api.all<Api>(api.t('/apis')), [api]);
  const [adding, setAdding] = useState(false);
  return (
    <>
      <PageHead
        section="Applications"
        title="APIs"
        lead="An API's identifier is the audience (aud) of its tokens; its scopes are what clients may be granted."
        write="apis:write"
      >
        <button type="button" className="button-primary" onClick={() => setAdding(true)}>
          Add integration
        </button>
      </PageHead>
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
        <Table caption="APIs" columns={['Name', 'Identifier (audience)', 'Scopes', 'Token lifetime']}>
          {list.data.map((a) => (
            <tr key={a.id}>
              <th scope="row">
                <a href={href(`applications/apis/${encodeURIComponent(a.id)}`)}>{a.name || a.identifier}</a>
                <BuiltInBadge api={a} />
              </th>
              <td>
                <code>{a.identifier}</code>
              </td>
              <td>{a.scopes.map((s) => s.value).join(' ') || '—'}</td>
              <td>{a.access_token_ttl ? formatSeconds(a.access_token_ttl) : 'default'}</td>
            </tr>
          ))}
        </Table>
      ) : null}
      {adding ? <AddApi onClose={() => setAdding(false)} /> : null}
    </>
  );
}

function AddApi({ onClose }: { onClose(): void }) {
  const { api } = useConsole();
  const [draft, setDraft] = useState<ApiDraft>({ name: '', identifier: '', ttl: '', scopes: [{ value: '', description: '' }] });
  const [reason, setReason] = useState('');
  const action = useAction();
  return (
    <Dialog title="Add API" onClose={onClose} wide>
      <form
        onSubmit={onSubmit(
          () =>
            void action.run(async () => {
              const created = await api.post<Api>(api.t('/apis'), apiBody(draft), reason);
              onClose();
              navigate(`applications/apis/${encodeURIComponent(created.id)}`);
            }),
        )}
      >
        <ApiFields
          draft={draft}
          onChange={setDraft}
          problem={action.error instanceof ApiError ? action.error : null}
          identifierHint="The audience of its tokens, usually the API's URL, e.g. https://api.example.com/"
          autoFocus
        />
        <FormEnd
          reason={{ value: reason, onChange: setReason }}
          error={action.error}
          busy={action.busy}
          label="Create API"
          busyLabel="Creating…"
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
