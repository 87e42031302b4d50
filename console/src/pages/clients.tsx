import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { formatTime } from '../format';
import { PageHead } from '../components/page';
import { useConsole, useLoad } from '../hooks';
import { href } from '../router';
import type { Client, ServiceAccount } from '../types';
import { Table } from '../components/table';

/** How a client authenticates, in its list's Secrets column: its secrets' count, or keys, or federated credentials only (and any it holds besides). */
function authenticationOf(c: Client): string {
  const federated = c.federated_credentials.length;
  const own =
    c.token_endpoint_auth_method === 'private_key_jwt'
      ? 'keys (private_key_jwt)'
      : c.token_endpoint_auth_method === 'federated'
        ? 'none'
        : c.token_endpoint_auth_method === 'tls_client_auth' || c.token_endpoint_auth_method === 'self_signed_tls_client_auth'
          ? 'certificate (mutual TLS)'
          : String(c.client_secrets.length);
  if (federated === 0) return own;
  const credentials = `${federated} federated credential${federated === 1 ? '' : 's'}`;
  return c.token_endpoint_auth_method === 'federated' ? `none (${credentials})` : `${own} + ${credentials}`;
}

/** Applications → Machine to Machine: the tenant's clients, and the wizard that adds one. */
export function Clients() {
  const { api, can } = useConsole();
  const data = useLoad(async () => {
    // Service account names when the token may read them; their ids otherwise.
    const [clients, accounts] = await Promise.all([
      api.all<Client>(api.t('/clients')),
      can('service-accounts:read') ? api.all<ServiceAccount>(api.t('/service-accounts')) : Promise.resolve([]),
    ]);
    return { clients, accounts: new Map(accounts.map((a) => [a.id, a])) };
  }, [api]);
  return (
    <>
      <PageHead
        section="Applications"
        title="Machine to Machine"
        lead="Integrations that authenticate with their own client id and secret (OAuth 2.0 client credentials)."
        write="clients:write"
      >
        <a className="button button-primary" href={href('applications/m2m/new')}>
          Add integration
        </a>
      </PageHead>
      <ErrorMessage error={data.error} />
      {data.loading && !data.data ? <Loading /> : null}
      {data.data && data.data.clients.length === 0 ? (
        <Empty title="No machine-to-machine integrations yet.">
          <p>
            <strong>Add integration</strong> walks you through it: a service account, a name, the APIs and scopes it may use; it ends by showing the client id
            and secret.
          </p>
        </Empty>
      ) : null}
      {data.data && data.data.clients.length > 0 ? (
        <Table caption="Clients" columns={['Name', 'Client id', 'Service account', 'Status', 'Secrets', 'Created']}>
          {data.data.clients.map((c) => (
            <tr key={c.client_id}>
              <th scope="row">
                <a href={href(`applications/m2m/${encodeURIComponent(c.client_id)}`)}>{c.client_name || c.client_id}</a>
              </th>
              <td>
                <code>{c.client_id}</code>
              </td>
              <td>{c.service_account_id ? (data.data!.accounts.get(c.service_account_id)?.user_name ?? c.service_account_id) : '—'}</td>
              <td>
                <StatusBadge active={c.active} on="Enabled" off="Disabled" />
              </td>
              <td>{authenticationOf(c)}</td>
              <td>{formatTime(c.created_at)}</td>
            </tr>
          ))}
        </Table>
      ) : null}
    </>
  );
}
