import { useState } from 'react';
import { ConfirmDialog } from '../components/dialog';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { formatTime } from '../format';
import { PageHead } from '../components/page';
import { useConsole, useLoad } from '../hooks';
import type { SigningKey } from '../types';
import { Table } from '../components/table';

const STATUS_TEXT: Record<SigningKey['status'], string> = {
  next: 'Next — published, signs after the scheduled rotation',
  active: 'Active — signs new tokens',
  retired: 'Retired — published until its tokens expire',
};

/** Keys: the tenant's JWKS with each key's status; rotate now. */
export function Keys() {
  const { api, tenant } = useConsole();
  const list = useLoad(() => api.all<SigningKey>(api.t('/keys')), [api]);
  const [rotating, setRotating] = useState(false);
  return (
    <>
      <PageHead
        section="Security"
        title="Keys"
        lead={
          <>
            The signing keys of this tenant, as published in its JWKS
            {tenant ? (
              <>
                {' '}
                at <code>{tenant.issuer}/.well-known/jwks.json</code>
              </>
            ) : null}
            .
          </>
        }
        write="keys:write"
      >
        <button type="button" className="button-primary" onClick={() => setRotating(true)}>
          Rotate now
        </button>
      </PageHead>
      <ErrorMessage error={list.error} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data?.length === 0 ? <Empty title="This tenant has no signing key yet." /> : null}
      {list.data && list.data.length > 0 ? (
        <Table caption="Signing keys, newest first" columns={['Key id (kid)', 'Algorithm', 'Status', 'Created', 'Activated', 'Retired', 'Published until']}>
          {list.data.map((k) => (
            <tr key={k.kid}>
              <th scope="row">
                <code>{k.kid}</code>
              </th>
              <td>{k.alg}</td>
              <td>
                <span className={`badge badge-${k.status}`} title={STATUS_TEXT[k.status]}>
                  {k.status}
                </span>
              </td>
              <td>{formatTime(k.created_at)}</td>
              <td>{formatTime(k.activated_at)}</td>
              <td>{formatTime(k.retired_at)}</td>
              <td>{k.publish_until ? formatTime(k.publish_until) : k.status === 'retired' ? '—' : 'while in use'}</td>
            </tr>
          ))}
        </Table>
      ) : null}
      {rotating ? (
        <ConfirmDialog
          title="Rotate the signing key now"
          confirmLabel="Rotate now"
          onClose={() => setRotating(false)}
          onConfirm={async (reason) => {
            await api.post(api.t('/keys/rotate'), {}, reason);
            list.reload();
          }}
        >
          <p>
            A new key signs every token from now on; the current key is retired and stays in the JWKS until the tokens it signed expire. Use it when a key may
            have leaked: the scheduled rotation publishes the next key a day ahead instead.
          </p>
        </ConfirmDialog>
      ) : null}
    </>
  );
}
