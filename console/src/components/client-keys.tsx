import type { Client } from '../types';
import { Table } from './table';

/** How a private_key_jwt client (RFC 7523 §2.2) authenticates: no secrets, its registered keys or the URL they are fetched from. */
export function ClientKeys({ client }: { client: Client }) {
  return (
    <>
      <p className="card">Authenticates with keys (private_key_jwt): no secrets</p>
      {client.jwks_uri !== null ? (
        <p>
          Keys fetched from <code>{client.jwks_uri}</code>
        </p>
      ) : (
        <Table caption="Client keys" columns={['Key id', 'Type', 'Algorithm']}>
          {(client.jwks?.keys ?? []).map((k: { kty: string; kid?: unknown; alg?: unknown }, i) => (
            <tr key={i}>
              <th scope="row">
                <code>{typeof k.kid === 'string' ? k.kid : '(no kid)'}</code>
              </th>
              <td>{k.kty}</td>
              <td>{typeof k.alg === 'string' ? k.alg : '—'}</td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
}
