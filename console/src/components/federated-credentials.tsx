import { useState } from 'react';
import { ApiError } from '../api';
import { credentialBody, credentialIn, defaultIssuer, describeClaims, EMPTY_CREDENTIAL, type CredentialDraft } from '../federation/presets';
import { useAction, useConsole, useLoad } from '../hooks';
import { href } from '../router';
import type { Client, FederatedCredential, FederatedIssuer } from '../types';
import { CredentialFields, credentialErrors } from './credential-fields';
import { ConfirmDialog, Dialog, onSubmit } from './dialog';
import { Empty, ErrorMessage } from './feedback';
import { FormEnd } from './page';
import { RowActions, Table } from './table';

/** The tenant's federated issuers, for the credential forms (the console's lists are small); none for a token without federation:read. */
export function useFederatedIssuers() {
  const { api, can } = useConsole();
  return useLoad(() => (can('federation:read') ? api.all<FederatedIssuer>(api.t('/federated-issuers')) : Promise.resolve([])), [api]);
}

/** A client's federated credentials: the platform tokens (RFC 7523 §2.2 client assertions) that authenticate it; add and remove (a PATCH replaces the list). */
export function FederatedCredentials({ client, onChanged }: { client: Client; onChanged(): void }) {
  const { api, can } = useConsole();
  const writable = can('clients:write');
  const issuers = useFederatedIssuers();
  const [dialog, setDialog] = useState<'add' | FederatedCredential | null>(null);
  const credentials = client.federated_credentials;
  const path = api.t(`/clients/${encodeURIComponent(client.client_id)}`);
  return (
    <>
      <div className="section-head">
        <h2>Federated credentials</h2>
        {writable ? (
          <button type="button" className="button-secondary" onClick={() => setDialog('add')}>
            Add credential
          </button>
        ) : null}
      </div>
      <ErrorMessage error={issuers.error} />
      {credentials.length === 0 ? (
        <Empty title="No federated credentials.">
          <p>
            A federated credential lets a workload authenticate with its platform's token (a Kubernetes service account, a GitHub Actions or GitLab CI job, a
            SPIFFE ID) instead of a secret. The platform must first be registered on the <a href={href('federation')}>Federation</a> page.
          </p>
        </Empty>
      ) : (
        <Table caption="Federated credentials" columns={['Issuer', 'Subject', 'Claims']} actions={writable}>
          {credentials.map((c) => (
            <tr key={c.id}>
              <td>
                <code>{c.issuer}</code>
              </td>
              <th scope="row">
                <code>{c.subject}</code>
              </th>
              <td>{describeClaims(c.claims)}</td>
              <RowActions shown={writable}>
                <button type="button" className="button-danger button-small" onClick={() => setDialog(c)}>
                  Remove<span className="sr-only"> credential {c.subject}</span>
                </button>
              </RowActions>
            </tr>
          ))}
        </Table>
      )}
      {dialog === 'add' ? (
        <AddCredential
          issuers={issuers.data ?? []}
          onClose={() => setDialog(null)}
          save={async (body, reason) => {
            await api.patch(path, { federated_credentials: [...credentials.map(credentialIn), body] }, reason);
            onChanged();
          }}
          index={credentials.length}
        />
      ) : null}
      {dialog !== null && typeof dialog === 'object' ? (
        <ConfirmDialog
          title="Remove federated credential"
          confirmLabel="Remove"
          danger
          onClose={() => setDialog(null)}
          onConfirm={async (reason) => {
            await api.patch(path, { federated_credentials: credentials.filter((c) => c.id !== dialog.id).map(credentialIn) }, reason);
            onChanged();
          }}
        >
          <p>
            Tokens from <code>{dialog.issuer}</code> with sub <code>{dialog.subject}</code> stop authenticating this client at once.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}

/** The dialog that adds one credential: the preset form, its local checks, the server's errors under the fields. */
function AddCredential({
  issuers,
  index,
  onClose,
  save,
}: {
  issuers: FederatedIssuer[];
  /** Where the new credential sits in the list sent (its errors' pointers say so). */
  index: number;
  onClose(): void;
  save(body: ReturnType<typeof credentialIn>, reason: string): Promise<void>;
}) {
  const [draft, setDraft] = useState<CredentialDraft>({ ...EMPTY_CREDENTIAL, issuerId: defaultIssuer(EMPTY_CREDENTIAL.preset, issuers) });
  const [missing, setMissing] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const action = useAction();
  const errors = credentialErrors(action.error instanceof ApiError ? action.error.problem?.errors : undefined, index);
  return (
    <Dialog title="Add federated credential" onClose={onClose} wide>
      <form
        onSubmit={onSubmit(() => {
          const parsed = credentialBody(draft, issuers);
          setMissing('missing' in parsed ? parsed.missing : null);
          if ('missing' in parsed) return;
          void action.run(async () => {
            await save(parsed.body, reason);
            onClose();
          });
        })}
      >
        <CredentialFields draft={draft} onChange={setDraft} issuers={issuers} errors={errors} />
        {missing ? (
          <p className="field-error" role="alert">
            {missing}
          </p>
        ) : null}
        <FormEnd
          reason={{ value: reason, onChange: setReason }}
          error={action.error}
          busy={action.busy}
          label="Add credential"
          busyLabel="Adding…"
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
