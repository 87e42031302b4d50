import { useState } from 'react';
import { onSubmit } from '../components/dialog';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { TextField } from '../components/fields';
import { PageHead } from '../components/page';
import { LoadMore, usePaged } from '../components/paged';
import { formatTime, localInputToIso } from '../format';
import { useConsole } from '../hooks';
import type { AuditEvent, Page } from '../types';
import { Table } from '../components/table';

interface Filter {
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  since: string;
  until: string;
}

const NONE: Filter = { actor: '', action: '', target_type: '', target_id: '', since: '', until: '' };

/** Audit log: who did what, when and why, filtered by actor, action, target and time. */
export function Audit() {
  const { api } = useConsole();
  const [draft, setDraft] = useState<Filter>(NONE);
  const [filter, setFilter] = useState<Filter>(NONE);
  // The default tenant's log at the root also holds installation-wide events (tenants, admin tokens).
  const path = api.tenant === 'default' ? '/audit-events' : api.t('/audit-events');
  const query = { ...filter, since: localInputToIso(filter.since), until: localInputToIso(filter.until), limit: 50 };
  const list = usePaged((cursor) => api.get<Page<AuditEvent>>(path, { ...query, cursor }), [api, JSON.stringify(filter)]);
  const set = (name: keyof Filter) => (value: string) => setDraft((d) => ({ ...d, [name]: value }));
  const items = list.items ?? [];
  const filtered = Object.values(filter).some(Boolean);
  return (
    <>
      <PageHead section="Security" title="Audit log" lead="Who did what, when and why." />
      <form className="card filters" role="search" aria-label="Filter the audit log" onSubmit={onSubmit(() => setFilter(draft))}>
        <TextField label="Actor" value={draft.actor} onChange={set('actor')} placeholder="admin-token:…" />
        <TextField label="Action" value={draft.action} onChange={set('action')} placeholder="client.create" />
        <TextField label="Target type" value={draft.target_type} onChange={set('target_type')} placeholder="client" />
        <TextField label="Target id" value={draft.target_id} onChange={set('target_id')} />
        <TextField label="From" type="datetime-local" value={draft.since} onChange={set('since')} />
        <TextField label="Until" type="datetime-local" value={draft.until} onChange={set('until')} />
        <div className="actions">
          <button
            type="button"
            className="button-secondary"
            onClick={() => {
              setDraft(NONE);
              setFilter(NONE);
            }}
          >
            Clear
          </button>
          <button type="submit" className="button-primary">
            Filter
          </button>
        </div>
      </form>
      <ErrorMessage error={list.error} />
      {list.loading ? <Loading /> : null}
      {list.items && items.length === 0 ? <Empty title={filtered ? 'No event matches this filter.' : 'Nothing has been recorded yet.'} /> : null}
      {items.length > 0 ? (
        <Table caption="Audit events, newest first" columns={['Time', 'Actor', 'Action', 'Target', 'Reason', 'Details']}>
          {items.map((e) => (
            <tr key={e.id}>
              <td>{formatTime(e.occurred_at)}</td>
              <td>
                {e.actor_name !== null ? (
                  <>
                    {e.actor_name}
                    <br />
                    <code className="hint">{e.actor}</code>
                  </>
                ) : (
                  <code>{e.actor}</code>
                )}
              </td>
              <th scope="row">
                <code>{e.action}</code>
              </th>
              <td>
                {e.target_type} <code>{e.target_id}</code>
              </td>
              <td className="reason">{e.reason ?? '—'}</td>
              <td>
                {Object.keys(e.details).length > 0 ? (
                  <details>
                    <summary>Show</summary>
                    <pre>{JSON.stringify(e.details, null, 2)}</pre>
                  </details>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </Table>
      ) : null}
      <LoadMore list={list} />
    </>
  );
}
