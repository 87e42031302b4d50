import { useState } from 'react';
import { onSubmit } from '../components/dialog';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { TextField } from '../components/fields';
import { formatTime, localInputToIso } from '../format';
import { useAction, useConsole, useLoad, usePageTitle } from '../hooks';
import type { AuditEvent, Page } from '../types';

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
  const heading = usePageTitle('Audit log');
  const [draft, setDraft] = useState<Filter>(NONE);
  const [filter, setFilter] = useState<Filter>(NONE);
  const [more, setMore] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  // The default tenant's log at the root also holds installation-wide events (tenants, admin tokens).
  const path = api.tenant === 'default' ? '/audit-events' : api.t('/audit-events');
  const query = { ...filter, since: localInputToIso(filter.since), until: localInputToIso(filter.until), limit: 50 };
  const list = useLoad(async () => {
    const page = await api.get<Page<AuditEvent>>(path, query);
    setMore([]);
    setCursor(page.next_cursor);
    return page.items;
  }, [api, JSON.stringify(filter)]);
  const loadMore = useAction();
  const set = (name: keyof Filter) => (value: string) => setDraft((d) => ({ ...d, [name]: value }));
  const items = [...(list.data ?? []), ...more];
  const filtered = Object.values(filter).some(Boolean);
  return (
    <>
      <p className="breadcrumb">Security</p>
      <h1 ref={heading} tabIndex={-1}>
        Audit log
      </h1>
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
      {list.data && items.length === 0 ? <Empty title={filtered ? 'No event matches this filter.' : 'Nothing has been recorded yet.'} /> : null}
      {items.length > 0 ? (
        <table className="table">
          <caption className="sr-only">Audit events, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Reason</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td>{formatTime(e.occurred_at)}</td>
                <td>
                  <code>{e.actor}</code>
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
          </tbody>
        </table>
      ) : null}
      {cursor ? (
        <button
          type="button"
          className="button-secondary"
          disabled={loadMore.busy}
          aria-busy={loadMore.busy}
          onClick={() =>
            void loadMore.run(async () => {
              const page = await api.get<Page<AuditEvent>>(path, { ...query, cursor });
              setMore((m) => [...m, ...page.items]);
              setCursor(page.next_cursor);
            })
          }
        >
          {loadMore.busy ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
      <ErrorMessage error={loadMore.error} />
    </>
  );
}
