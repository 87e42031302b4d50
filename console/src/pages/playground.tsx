import { useState } from 'react';
import { onSubmit } from '../components/dialog';
import { SelectField, TextField } from '../components/fields';
import { FormEnd, PageHead } from '../components/page';
import { useAction, useConsole, useLoad } from '../hooks';
import type { Client, PlaygroundToken } from '../types';

/** Playground: request a token with a client's credentials and read its decoded header and claims. */
export function Playground() {
  const { api, tenant } = useConsole();
  const clients = useLoad(() => api.all<Client>(api.t('/clients')), [api]);
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [scope, setScope] = useState('');
  const [audience, setAudience] = useState('');
  const [result, setResult] = useState<PlaygroundToken | null>(null);
  const action = useAction();
  const claims = result?.claims as Record<string, unknown> | null | undefined;
  const exp = typeof claims?.exp === 'number' ? new Date(claims.exp * 1000) : null;
  return (
    <>
      <PageHead
        section="Tools"
        title="Playground"
        lead={
          <>
            Ask {tenant ? <code>{tenant.issuer}/oauth2/token</code> : 'the token endpoint'} for a token as a client would (client credentials, secret in the
            body), and read what the token says. It is a real request: it counts on the dashboard.
          </>
        }
      />
      <form
        className="card"
        onSubmit={onSubmit(
          () =>
            void action.run(async () => {
              setResult(null);
              setResult(
                await api.post<PlaygroundToken>(api.t('/playground/token'), {
                  client_id: clientId,
                  client_secret: secret,
                  ...(scope.trim() ? { scope: scope.trim() } : {}),
                  ...(audience.trim() ? { audience: audience.trim() } : {}),
                }),
              );
            }),
        )}
      >
        <SelectField
          label="Client"
          value={clientId}
          onChange={setClientId}
          required
          options={[
            { value: '', label: clients.data?.length === 0 ? 'No clients yet' : 'Choose…' },
            ...(clients.data ?? []).map((c) => ({ value: c.client_id, label: c.client_name ? `${c.client_name} (${c.client_id})` : c.client_id })),
          ]}
        />
        <TextField label="Client secret" type="password" value={secret} onChange={setSecret} required hint="Never stored: sent once, with this request." />
        <TextField label="Scope (optional)" value={scope} onChange={setScope} hint="Space-separated. Empty: everything the client may get." />
        <TextField label="Audience (optional)" value={audience} onChange={setAudience} hint="An API identifier. Empty: Tessera picks the one API that fits." />
        <FormEnd error={action.error} busy={action.busy} label="Request token" busyLabel="Requesting…" />
      </form>
      {action.busy ? (
        <p role="status" aria-live="polite" className="loading">
          <span className="spinner" aria-hidden="true" />
          Requesting a token…
        </p>
      ) : null}
      {result ? (
        <section className="card" aria-labelledby="playground-result" aria-live="polite">
          <h2 id="playground-result">{result.status === 200 ? 'Token issued' : `Refused (HTTP ${result.status})`}</h2>
          {result.status === 200 ? (
            <>
              {exp ? <p>Expires {exp.toLocaleString()}.</p> : null}
              <div className="grid-2">
                <div>
                  <h3>Header</h3>
                  <pre aria-label="Decoded header">{JSON.stringify(result.header, null, 2)}</pre>
                </div>
                <div>
                  <h3>Claims</h3>
                  <pre aria-label="Decoded claims">{JSON.stringify(result.claims, null, 2)}</pre>
                </div>
              </div>
              <h3>Token response</h3>
            </>
          ) : (
            <p className="alert alert-error">
              The token endpoint answered <code>{String((result.response as { error?: unknown }).error)}</code>:{' '}
              {describeError((result.response as { error_description?: unknown }).error_description)}
            </p>
          )}
          <pre className="wrap" aria-label="Token endpoint answer">
            {JSON.stringify(result.response, null, 2)}
          </pre>
        </section>
      ) : null}
    </>
  );
}

/** An error_description as shown: the text the server sent, or nothing. */
const describeError = (value: unknown): string => (typeof value === 'string' ? value : '');
