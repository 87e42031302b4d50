import { useState } from 'react';
import { ConfirmDialog } from '../components/dialog';
import { Empty, ErrorMessage, Loading } from '../components/feedback';
import { formatTime } from '../format';
import { PageHead } from '../components/page';
import { useConsole, useLoad } from '../hooks';
import type { SigningKey } from '../types';
import { Table } from '../components/table';

const STATUS_TEXT: Record<SigningKey['status'], string> = {
  next: 'Next — published, signs after the next routine rotation',
  active: 'Active — signs new tokens',
  retired: 'Retired — published until its tokens expire',
};

/** Keys: the tenant's JWKS with each key's status; rotate now. */
export function Keys() {
  const { api, tenant } = useConsole();
  const list = useLoad(() => api.all<SigningKey>(api.t('/keys')), [api]);
  const [rotating, setRotating] = useState(false);
  const [mode, setMode] = useState<'routine' | 'emergency'>('routine');
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
        <button
          type="button"
          className="button-primary"
          onClick={() => {
            setMode('routine');
            setRotating(true);
          }}
        >
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
          confirmLabel={mode === 'emergency' ? 'Rotate now (emergency)' : 'Rotate now'}
          danger={mode === 'emergency'}
          onClose={() => setRotating(false)}
          onConfirm={async (reason) => {
            await api.request('POST', api.t('/keys/rotate'), { body: {}, query: { reason, ...(mode === 'emergency' ? { emergency: 'true' } : {}) } });
            list.reload();
          }}
        >
          <fieldset className="radios">
            <legend>Kind of rotation</legend>
            <label className="check">
              <input type="radio" name="rotation-mode" checked={mode === 'routine'} onChange={() => setMode('routine')} /> Routine
            </label>
            <label className="check">
              <input type="radio" name="rotation-mode" checked={mode === 'emergency'} onChange={() => setMode('emergency')} /> Emergency (a key may have leaked)
            </label>
          </fieldset>
          {mode === 'routine' ? (
            <p>
              The published next key signs from now on, and a new next key is published. Verifiers keep working: the JWKS they cached already holds the key that
              now signs. The current key is retired and stays in the JWKS until the tokens it signed expire.
            </p>
          ) : (
            <p>
              A fresh key signs at once, and the next key is replaced too. Verifiers must refetch the JWKS before they accept the new tokens: caches reject them
              until they refresh. Tokens signed by the old keys keep verifying until you withdraw those keys.
            </p>
          )}
        </ConfirmDialog>
      ) : null}
    </>
  );
}
