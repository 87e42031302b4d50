import { useState } from 'react';
import { bindingOf, CertificateClient, certificateMethodOf, EditCertificate } from '../components/certificate-client';
import { ClientKeys } from '../components/client-keys';
import { FederatedCredentials } from '../components/federated-credentials';
import { EMPTY_KEYS, KeySourceFields, keysBody, type KeyDraft } from '../components/key-source';
import { CopyField, curlTokenCommand } from '../components/copy';
import { ConfirmDialog, Dialog, onSubmit } from '../components/dialog';
import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { SelectField } from '../components/fields';
import { FormEnd, PageHead } from '../components/page';
import { formatSeconds, formatTime } from '../format';
import { useAction, useConsole, useLoad } from '../hooks';
import { href, navigate } from '../router';
import type { Client, Grant, SecretCreated, ServiceAccount } from '../types';
import { RowActions, Table } from '../components/table';

/** How long the current secrets keep working after a rotation (`expires_in`). */
const OVERLAPS = [
  { value: '3600', label: 'Keep the current secrets working for 1 hour' },
  { value: '86400', label: 'Keep the current secrets working for 1 day' },
  { value: '604800', label: 'Keep the current secrets working for 7 days' },
  { value: '0', label: 'Stop the current secrets now' },
  { value: 'never', label: 'Keep the current secrets until I delete them' },
];

/** One machine-to-machine client: its secrets (rotation with an overlap) or its public keys (replace), enable or disable, delete. */
export function ClientDetail({ clientId }: { clientId: string }) {
  const { api, can } = useConsole();
  const writable = can('clients:write');
  const path = api.t(`/clients/${encodeURIComponent(clientId)}`);
  const data = useLoad(async () => {
    const client = await api.get<Client>(path);
    // The service account and the grants only for a token that may read them.
    const account =
      client.service_account_id && can('service-accounts:read')
        ? await api.get<ServiceAccount>(api.t(`/service-accounts/${encodeURIComponent(client.service_account_id)}`)).catch(() => null)
        : null;
    const grants = can('grants:read')
      ? [
          ...(await api.all<Grant>(api.t('/grants'), { client_id: client.client_id })),
          ...(client.service_account_id ? await api.all<Grant>(api.t('/grants'), { service_account_id: client.service_account_id }) : []),
        ]
      : null;
    return { client, account, grants };
  }, [api, path]);
  const [dialog, setDialog] = useState<'rotate' | 'keys' | 'certificate' | 'toggle' | 'delete' | { secret: string } | null>(null);
  const c = data.data?.client;
  const withKeys = c?.token_endpoint_auth_method === 'private_key_jwt';
  const federatedOnly = c?.token_endpoint_auth_method === 'federated';
  const certificateMethod = c ? certificateMethodOf(c) : null;

  return (
    <>
      <PageHead section={<a href={href('applications/m2m')}>Machine to Machine</a>} title={c ? c.client_name || c.client_id : clientId} write="clients:write">
        {c ? (
          <div className="row-actions">
            {federatedOnly ? null : certificateMethod ? (
              <button type="button" className="button-primary" onClick={() => setDialog('certificate')}>
                Edit certificate
              </button>
            ) : withKeys ? (
              <button type="button" className="button-primary" onClick={() => setDialog('keys')}>
                Replace keys
              </button>
            ) : (
              <button type="button" className="button-primary" onClick={() => setDialog('rotate')}>
                Rotate secret
              </button>
            )}
            <button type="button" className="button-secondary" onClick={() => setDialog('toggle')}>
              {c.active ? 'Disable' : 'Enable'}
            </button>
            <button type="button" className="button-danger" onClick={() => setDialog('delete')}>
              Delete
            </button>
          </div>
        ) : null}
      </PageHead>
      <ErrorMessage error={data.error} />
      {data.loading && !data.data ? <Loading /> : null}
      {c && data.data ? (
        <>
          <dl className="summary card">
            <dt>Client ID</dt>
            <dd>
              <code>{c.client_id}</code>
            </dd>
            <dt>Status</dt>
            <dd>
              <StatusBadge active={c.active} on="Enabled" off="Disabled" />
            </dd>
            <dt>Service account</dt>
            <dd>
              {data.data.account ? (
                <>
                  {data.data.account.user_name} <StatusBadge active={data.data.account.active} />
                </>
              ) : (
                (c.service_account_id ?? '—')
              )}
            </dd>
            <dt>Type</dt>
            <dd>{c.client_type}</dd>
            <dt>Token lifetime</dt>
            <dd>{c.access_token_ttl ? formatSeconds(c.access_token_ttl) : 'default'}</dd>
            <dt>Own audience and scope</dt>
            <dd>{c.audience.length > 0 ? `${c.audience.join(', ')}: ${c.scope || '(no scope)'}` : '—'}</dd>
            <dt>Token binding</dt>
            <dd>{bindingOf(c)}</dd>
            <dt>Created</dt>
            <dd>{formatTime(c.created_at)}</dd>
          </dl>
          {federatedOnly ? null : <h2>{certificateMethod ? 'Certificate' : withKeys ? 'Keys' : 'Secrets'}</h2>}
          {federatedOnly ? (
            <p className="card">Authenticates with federated credentials only: no secrets, no keys</p>
          ) : certificateMethod ? (
            <CertificateClient client={c} method={certificateMethod} />
          ) : withKeys ? (
            <ClientKeys client={c} />
          ) : c.client_secrets.length === 0 ? (
            <Empty title="This client has no secret.">
              <p>
                <strong>Rotate secret</strong> adds one.
              </p>
            </Empty>
          ) : (
            <Table caption="Secrets" columns={['Secret id', 'Created', 'Expires', 'Last used']} actions={writable}>
              {c.client_secrets.map((s) => (
                <tr key={s.id}>
                  <th scope="row">
                    <code>{s.id}</code>
                  </th>
                  <td>{formatTime(s.created_at)}</td>
                  <td>{s.expires_at ? formatTime(s.expires_at) : 'never'}</td>
                  <td>{formatTime(s.last_used_at)}</td>
                  <RowActions shown={writable}>
                    <button type="button" className="button-danger button-small" onClick={() => setDialog({ secret: s.id })}>
                      Delete<span className="sr-only"> secret {s.id}</span>
                    </button>
                  </RowActions>
                </tr>
              ))}
            </Table>
          )}
          {/* A public (spa, native) client does not authenticate: it has no federated credentials. */}
          {c.client_type === 'machine_to_machine' ? <FederatedCredentials client={c} onChanged={data.reload} /> : null}
          <h2>Access</h2>
          {data.data.grants === null ? (
            <p className="hint">
              Reading the grants needs the scope <code>grants:read</code>, which this admin token does not hold.
            </p>
          ) : data.data.grants.length === 0 ? (
            <Empty title="No grants yet.">
              <p>
                Give this client or its service account scopes of an API on the <a href={href('grants')}>Grants</a> page.
              </p>
            </Empty>
          ) : (
            <ul className="plain">
              {data.data.grants.map((g) => (
                <li key={g.id}>
                  <code>{g.api_identifier}</code>: {g.scopes.join(' ') || '(no scope)'} {g.client_id ? '(this client)' : '(through the service account)'}
                </li>
              ))}
            </ul>
          )}
        </>
      ) : null}
      {dialog === 'rotate' && c ? <RotateSecret client={c} onClose={() => setDialog(null)} onRotated={data.reload} /> : null}
      {dialog === 'keys' && c ? <ReplaceKeys client={c} onClose={() => setDialog(null)} onReplaced={data.reload} /> : null}
      {dialog === 'certificate' && c && certificateMethod ? (
        <EditCertificate client={c} method={certificateMethod} onClose={() => setDialog(null)} onSaved={data.reload} />
      ) : null}
      {dialog === 'toggle' && c ? (
        <ConfirmDialog
          title={`${c.active ? 'Disable' : 'Enable'} ${c.client_name || c.client_id}`}
          confirmLabel={c.active ? 'Disable' : 'Enable'}
          danger={c.active}
          onClose={() => setDialog(null)}
          onConfirm={async (reason) => {
            await api.patch(path, { active: !c.active }, reason);
            data.reload();
          }}
        >
          <p>{c.active ? 'The token endpoint refuses this client at once (invalid_client).' : 'The client can get tokens again.'}</p>
        </ConfirmDialog>
      ) : null}
      {dialog === 'delete' && c ? (
        <ConfirmDialog
          title={`Delete ${c.client_name || c.client_id}`}
          confirmLabel="Delete"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async (reason) => {
            await api.delete(path, reason);
            navigate('applications/m2m');
          }}
        >
          <p>The client, its secrets and its own grants are deleted. Its service account stays.</p>
        </ConfirmDialog>
      ) : null}
      {dialog !== null && typeof dialog === 'object' ? (
        <ConfirmDialog
          title="Delete secret"
          confirmLabel="Delete secret"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async (reason) => {
            await api.delete(`${path}/secrets/${encodeURIComponent(dialog.secret)}`, reason);
            data.reload();
          }}
        >
          <p>
            Secret <code>{dialog.secret}</code> stops working at once.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

function RotateSecret({ client, onClose, onRotated }: { client: Client; onClose(): void; onRotated(): void }) {
  const { api, tenant } = useConsole();
  const [overlap, setOverlap] = useState('3600');
  const [reason, setReason] = useState('');
  const [created, setCreated] = useState<SecretCreated | null>(null);
  const action = useAction();
  if (created) {
    const ends = client.client_secrets.length > 0 && overlap !== 'never' ? new Date(Date.now() + Number(overlap) * 1000) : null;
    return (
      <Dialog title="New client secret" onClose={onClose} wide>
        <p className="alert alert-warn" role="status">
          Copy the new secret now: it is shown this once.
          {ends ? ` The previous secrets stop working ${overlap === '0' ? 'now' : `at ${ends.toLocaleString()}`}.` : ''}
        </p>
        <CopyField label="Client secret" value={created.client_secret} />
        <CopyField label="Token request (curl)" value={curlTokenCommand(tenant?.issuer ?? '', client.client_id, created.client_secret, '')} multiline />
        <div className="actions">
          <button type="button" className="button-primary" onClick={onClose}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title="Rotate secret" onClose={onClose}>
      <form
        onSubmit={onSubmit(
          () =>
            void action.run(async () => {
              const body = overlap === 'never' ? {} : { expires_in: Number(overlap) };
              setCreated(await api.post<SecretCreated>(api.t(`/clients/${encodeURIComponent(client.client_id)}/secrets`), body, reason));
              onRotated();
            }),
        )}
      >
        <p>A new secret is added. Deploy it, then let the old one expire: during the overlap both work.</p>
        <SelectField label="Overlap" value={overlap} onChange={setOverlap} options={OVERLAPS} />
        <FormEnd
          reason={{ value: reason, onChange: setReason }}
          error={action.error}
          busy={action.busy}
          label="Rotate"
          busyLabel="Rotating…"
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}

/** Replaces a private_key_jwt client's public keys: a pasted JWK Set or a jwks_uri (the other one is cleared). */
function ReplaceKeys({ client, onClose, onReplaced }: { client: Client; onClose(): void; onReplaced(): void }) {
  const { api } = useConsole();
  const [keys, setKeys] = useState<KeyDraft>(client.jwks_uri !== null ? { ...EMPTY_KEYS, source: 'jwks_uri', jwksUri: client.jwks_uri } : EMPTY_KEYS);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const action = useAction();
  return (
    <Dialog title="Replace keys" onClose={onClose} wide>
      <form
        onSubmit={onSubmit(() => {
          const parsed = keysBody(keys);
          setJsonError('jsonError' in parsed ? parsed.jsonError : null);
          if ('jsonError' in parsed) return;
          void action.run(async () => {
            await api.patch(api.t(`/clients/${encodeURIComponent(client.client_id)}`), parsed.body, reason);
            onReplaced();
            onClose();
          });
        })}
      >
        <p>The new keys replace the current ones at once: assertions signed with a key no longer listed are refused.</p>
        <KeySourceFields draft={keys} onChange={setKeys} error={action.error} jsonError={jsonError} />
        <FormEnd
          reason={{ value: reason, onChange: setReason }}
          error={action.error}
          busy={action.busy}
          label="Replace keys"
          busyLabel="Replacing…"
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
