import { useState } from 'react';
import { ApiError, signIn } from './api';
import { onSubmit } from './components/dialog';
import { ErrorMessage } from './components/feedback';
import { TextField } from './components/fields';
import { usePageTitle } from './hooks';
import type { Session } from './session';

/** Sign-in with an admin token (as Vault's UI does): checked against the admin API, then kept for this tab only. */
export function SignIn({ onSignedIn, notice }: { onSignedIn(session: Session): void; notice: string | null }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const heading = usePageTitle('Sign in');
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      const whoami = await signIn(token.trim());
      // A token limited to a tenant manages that tenant; any other starts on tenant default.
      onSignedIn({ token: token.trim(), tenant: whoami.tenant ?? 'default' });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = error instanceof ApiError && error.status === 401 ? (error.problem?.detail ?? 'the admin token is not valid') : undefined;
  return (
    <main className="sign-in" id="main">
      <form className="card sign-in-card" onSubmit={onSubmit(() => void submit())} aria-describedby="sign-in-help">
        <h1 ref={heading} tabIndex={-1}>
          Tessera console
        </h1>
        <p id="sign-in-help">
          Sign in with an admin token: the one printed at first start, or one made with <code>tessera admin-token create</code>. It is kept in this browser tab
          only and sent to the admin API as a bearer token.
        </p>
        {notice ? (
          <p className="alert alert-info" role="status">
            {notice}
          </p>
        ) : null}
        <TextField
          label="Admin token"
          type="password"
          value={token}
          onChange={setToken}
          required
          autoFocus
          autoComplete="current-password"
          error={fieldError}
        />
        {error && !fieldError ? <ErrorMessage error={error} /> : null}
        <div className="actions">
          <button type="submit" className="button-primary" disabled={busy || token.trim() === ''} aria-busy={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
    </main>
  );
}
