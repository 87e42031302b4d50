import { useState } from 'react';
import { BarChart } from '../components/chart';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { SelectField } from '../components/fields';
import { PageHead } from '../components/page';
import { useConsole, useLoad } from '../hooks';
import type { Client, ClientQuotaUse, TokenActivity } from '../types';
import { Table } from '../components/table';

const RANGES = [
  { value: '3600', label: 'Last hour', bucket: 60 },
  { value: '86400', label: 'Last 24 hours', bucket: 900 },
  { value: '604800', label: 'Last 7 days', bucket: 3600 },
];

/** Every bucket of the report, empty ones included, with each series' values. */
function dense(report: TokenActivity, clientId: string | null | undefined) {
  const from = Date.parse(report.from);
  const n = Math.round((Date.parse(report.to) - from) / (report.bucket * 1000));
  const buckets = Array.from({ length: n }, (_, i) => new Date(from + i * report.bucket * 1000));
  const issued = new Array<number>(n).fill(0);
  const failed = new Array<number>(n).fill(0);
  for (const c of report.clients) {
    if (clientId !== undefined && c.client_id !== clientId) continue;
    for (const p of c.points) {
      const i = Math.round((Date.parse(p.at) - from) / (report.bucket * 1000));
      if (i >= 0 && i < n) {
        // `i` is checked within 0..n-1 just above, and both arrays have n entries.
        issued[i]! += p.issued;
        failed[i]! += p.auth_failures;
      }
    }
  }
  return { buckets, issued, failed };
}

/** Dashboard: token activity, for a token that may read it (audit:read); any other is told why there is none. */
export function Dashboard() {
  const { can } = useConsole();
  if (can('audit:read')) return <Activity />;
  return (
    <>
      <PageHead section="Overview" title="Dashboard" />
      <p className="alert alert-info" role="status">
        Token activity needs the scope <code>audit:read</code>, which this admin token does not hold. The menu offers the pages it may read.
      </p>
    </>
  );
}

/** Tokens issued and failed authentications over time, for the tenant and per client. */
function Activity() {
  const { api, can } = useConsole();
  const [range, setRange] = useState('86400');
  const [client, setClient] = useState('');
  const chosen = RANGES.find((r) => r.value === range)!;
  const data = useLoad(async () => {
    const [report, clients] = await Promise.all([
      api.get<TokenActivity>(api.t('/token-activity'), { last: range, bucket: chosen.bucket }),
      // Client names when the token may read clients; their ids otherwise.
      can('clients:read') ? api.all<Client>(api.t('/clients')) : Promise.resolve([]),
    ]);
    // The current use of every client that has a quota (docs/quotas.md).
    const quotas = await Promise.all(
      clients.filter((c) => c.token_quota !== null).map((c) => api.get<ClientQuotaUse>(api.t(`/clients/${encodeURIComponent(c.client_id)}/quota`))),
    );
    return { report, quotas, names: new Map(clients.map((c) => [c.client_id, c.client_name || c.client_id])) };
  }, [api, range]);
  const name = (id: string | null) => (id === null ? 'Unknown client' : (data.data?.names.get(id) ?? (can('clients:read') ? `${id} (deleted)` : id)));
  const report = data.data?.report;
  const selected = client === '' ? undefined : client === '\u0000' ? null : client;
  const series = report ? dense(report, selected) : null;
  const totals = report ? (selected === undefined ? report.totals : report.clients.find((c) => c.client_id === selected)?.totals) : undefined;
  return (
    <>
      <PageHead
        section="Overview"
        title="Dashboard"
        lead="What the token endpoint answered. Each Tessera process counts in memory and stores its counts once a minute."
      >
        <button type="button" className="button-secondary" onClick={data.reload} disabled={data.loading} aria-busy={data.loading}>
          {data.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </PageHead>
      <div className="toolbar">
        <SelectField label="Period" value={range} onChange={setRange} options={RANGES} />
        <SelectField
          label="Client"
          value={client}
          onChange={setClient}
          options={[{ value: '', label: 'All clients' }, ...(report?.clients ?? []).map((c) => ({ value: c.client_id ?? '\u0000', label: name(c.client_id) }))]}
        />
      </div>
      <ErrorMessage error={data.error} />
      {data.loading && !data.data ? <Loading label="Loading the activity…" /> : null}
      {report && series ? (
        <>
          <ul className="stats" aria-label="Totals for the period">
            <li className="stat">
              <span className="stat-value">{totals?.issued ?? 0}</span> <span className="stat-label">tokens issued</span>
            </li>
            <li className="stat">
              <span className="stat-value">{totals?.auth_failures ?? 0}</span> <span className="stat-label">failed authentications</span>
            </li>
            <li className="stat">
              <span className="stat-value">{totals?.other_refusals ?? 0}</span> <span className="stat-label">other refusals</span>
            </li>
          </ul>
          <BarChart
            label={`Tokens issued and failed authentications, ${chosen.label.toLowerCase()}, ${selected === undefined ? 'all clients' : name(selected)}`}
            buckets={series.buckets}
            series={[
              { label: 'Tokens issued', className: 'series-issued', values: series.issued },
              { label: 'Failed authentications', className: 'series-failed', values: series.failed },
            ]}
          />
          <Quotas uses={data.data?.quotas ?? []} name={name} />
          <h2>Per client</h2>
          {report.clients.length === 0 ? (
            <Empty title="No token requests in this period.">
              <p>Counts appear here within a minute of the requests. Try the Playground, or the token request the integration wizard shows.</p>
            </Empty>
          ) : (
            <Table caption="Token requests per client" columns={['Client', 'Tokens issued', 'Failed authentications', 'Other refusals']}>
              {report.clients.map((c) => (
                <tr key={c.client_id ?? ''}>
                  <th scope="row">{name(c.client_id)}</th>
                  <td>{c.totals.issued}</td>
                  <td>{c.totals.auth_failures}</td>
                  <td>{c.totals.other_refusals}</td>
                </tr>
              ))}
            </Table>
          )}
        </>
      ) : null}
    </>
  );
}

/** "used / limit" of a period, or a dash when the quota does not limit it. */
function useOf(use: ClientQuotaUse, period: 'hour' | 'day'): string {
  const p = use.periods.find((x) => x.period === period);
  return p === undefined || p.limit === null ? '\u2013' : `${p.used} / ${p.limit}`;
}

/** Each client's use of its token quota in the current UTC hour and day. */
function Quotas({ uses, name }: { uses: readonly ClientQuotaUse[]; name: (id: string) => string }) {
  if (uses.length === 0) return null;
  return (
    <>
      <h2>Token quotas</h2>
      <Table caption="Token quota use per client, this UTC hour and day" columns={['Client', 'This hour', 'Today', 'Over the quota']}>
        {uses.map((u) => (
          <tr key={u.client_id}>
            <th scope="row">{name(u.client_id)}</th>
            <td>{useOf(u, 'hour')}</td>
            <td>{useOf(u, 'day')}</td>
            <td>{u.token_quota?.enforce ? 'refused' : 'observed'}</td>
          </tr>
        ))}
      </Table>
    </>
  );
}
