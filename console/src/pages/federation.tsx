import { useId, useState } from 'react';
import { ApiError } from '../api';
import { Dialog, onSubmit } from '../components/dialog';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { IssuerFields } from '../components/issuer-fields';
import { FormEnd, PageHead } from '../components/page';
import { RowActions, Table } from '../components/table';
import {
  createBody,
  EMPTY_ISSUER,
  issuerDraft,
  issuerFields,
  issuerKind,
  KIND_LABELS,
  keysSourceText,
  patchBody,
  type IssuerDraft,
} from '../federation/issuer-draft';
import { formatSeconds } from '../format';
import { useAction, useConsole, useLoad } from '../hooks';
import { href } from '../router';
import type { Client, FederatedIssuer } from '../types';

/** Security → Federation: the platforms (OIDC issuers, Kubernetes clusters, SPIFFE trust domains) whose tokens authenticate clients. */
export function Federation() {
  const { api, can } = useConsole();
  const writable = can('federation:write');
  const list = useLoad(() => api.all<FederatedIssuer>(api.t('/federated-issuers')), [api]);
  const [dialog, setDialog] = useState<{ edit: FederatedIssuer | null } | { remove: FederatedIssuer } | null>(null);
  const defaults = list.data?.find((i) => i.audiences === null)?.effective_audiences;
  return (
    <>
      <PageHead
        section="Security"
        title="Federation"
        lead="Platforms whose tokens authenticate clients without a secret: Kubernetes service accounts, CI jobs (GitHub Actions, GitLab CI), SPIFFE workloads, any OIDC issuer. A client trusts them through its federated credentials."
        write="federation:write"
      >
        <button type="button" className="button-primary" onClick={() => setDialog({ edit: null })}>
          Add issuer
        </button>
      </PageHead>
      <ErrorMessage error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data?.length === 0 ? (
        <Empty title="No federated issuers yet.">
          <p>
            <strong>Add issuer</strong> registers one: its iss, where its keys are, the audiences its tokens must carry. Then give a client a federated
            credential on its page.
          </p>
        </Empty>
      ) : null}
      {list.data && list.data.length > 0 ? (
        <Table caption="Federated issuers" columns={['Name', 'Kind', 'Issuer', 'Keys', 'Audiences', 'Token age']} actions={writable}>
          {list.data.map((i) => (
            <tr key={i.id}>
              <th scope="row">{i.name}</th>
              <td>{KIND_LABELS[issuerKind(i.kind)]}</td>
              <td className="cell-url">
                <code>{i.issuer}</code>
              </td>
              <td className="cell-url">{keysSourceText(i)}</td>
              <td className="cell-url">{i.audiences ? i.audiences.join(', ') : 'tenant default'}</td>
              <td>
                {formatSeconds(i.max_token_age)}
                {i.require_jti ? ', once' : ''}
              </td>
              <RowActions shown={writable}>
                <button type="button" className="button-secondary button-small" onClick={() => setDialog({ edit: i })}>
                  Edit<span className="sr-only"> {i.name}</span>
                </button>
                <button type="button" className="button-danger button-small" onClick={() => setDialog({ remove: i })}>
                  Delete<span className="sr-only"> {i.name}</span>
                </button>
              </RowActions>
            </tr>
          ))}
        </Table>
      ) : null}
      {defaults ? (
        <p className="hint">
          Tenant default audiences: <code>{defaults.join(', ')}</code>.
        </p>
      ) : null}
      {dialog && 'edit' in dialog ? <IssuerDialog issuer={dialog.edit} onClose={() => setDialog(null)} onSaved={list.reload} /> : null}
      {dialog && 'remove' in dialog ? <DeleteIssuer issuer={dialog.remove} onClose={() => setDialog(null)} onDeleted={list.reload} /> : null}
    </>
  );
}

/** Deletes an issuer; when the server refuses because credentials still name it (409), lists those clients with links to their pages. */
function DeleteIssuer({ issuer, onClose, onDeleted }: { issuer: FederatedIssuer; onClose(): void; onDeleted(): void }) {
  const { api } = useConsole();
  const [reason, setReason] = useState('');
  const [naming, setNaming] = useState<Client[] | null>(null);
  const action = useAction();
  const namingId = useId();
  return (
    <Dialog title={`Delete ${issuer.name}`} onClose={onClose}>
      <form
        onSubmit={onSubmit(
          () =>
            void action.run(async () => {
              try {
                await api.delete(api.t(`/federated-issuers/${encodeURIComponent(issuer.id)}`), reason);
              } catch (err) {
                if (err instanceof ApiError && err.status === 409) {
                  const clients = await api.all<Client>(api.t('/clients')).catch(() => []);
                  setNaming(clients.filter((c) => c.federated_credentials.some((f) => f.issuer_id === issuer.id)));
                }
                throw err;
              }
              onDeleted();
              onClose();
            }),
        )}
      >
        <div className="dialog-body">
          <p>
            Tokens from <code>{issuer.issuer}</code> stop working at once. Tessera refuses to delete an issuer while a client's federated credential names it:
            remove those credentials first, on each client's page.
          </p>
          {naming && naming.length > 0 ? (
            <>
              <p id={namingId}>Federated credentials of these clients still name it:</p>
              <ul className="plain" aria-labelledby={namingId}>
                {naming.map((c) => (
                  <li key={c.client_id}>
                    <a href={href(`applications/m2m/${encodeURIComponent(c.client_id)}`)}>{c.client_name || c.client_id}</a>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
        <FormEnd
          reason={{ value: reason, onChange: setReason }}
          error={action.error}
          busy={action.busy}
          label="Delete"
          busyLabel="Working…"
          danger
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}

/** Adds an issuer, or edits one (its kind stays: delete and add again to change it). */
function IssuerDialog({ issuer, onClose, onSaved }: { issuer: FederatedIssuer | null; onClose(): void; onSaved(): void }) {
  const { api, tenant } = useConsole();
  const [draft, setDraft] = useState<IssuerDraft>(issuer ? issuerDraft(issuer) : EMPTY_ISSUER);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const action = useAction();
  const title = issuer ? `Edit ${issuer.name}` : 'Add issuer';
  return (
    <Dialog title={title} onClose={onClose} wide>
      <form
        onSubmit={onSubmit(() => {
          const parsed = issuerFields(draft);
          setJsonError('jsonError' in parsed ? parsed.jsonError : null);
          if ('jsonError' in parsed) return;
          void action.run(async () => {
            if (issuer) await api.patch(api.t(`/federated-issuers/${encodeURIComponent(issuer.id)}`), patchBody(issuer, parsed.fields), reason);
            else await api.post(api.t('/federated-issuers'), createBody(parsed.fields), reason);
            onSaved();
            onClose();
          });
        })}
      >
        <IssuerFields
          draft={draft}
          onChange={setDraft}
          error={action.error}
          jsonError={jsonError}
          tenantIssuer={tenant?.issuer ?? ''}
          editing={issuer !== null}
        />
        <FormEnd
          reason={{ value: reason, onChange: setReason }}
          error={action.error}
          busy={action.busy}
          label={issuer ? 'Save' : 'Add issuer'}
          busyLabel="Saving…"
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
