import { ApiError } from '../api';
import { TextAreaField, TextField } from './fields';

/** Where a private_key_jwt client's public keys come from, as its form holds them. */
export interface KeyDraft {
  source: 'jwks' | 'jwks_uri';
  /** The pasted JWK Set, as typed. */
  jwks: string;
  jwksUri: string;
}

export const EMPTY_KEYS: KeyDraft = { source: 'jwks', jwks: '', jwksUri: '' };

/** The keys part of a client body (RFC 7591 §2 `jwks` or `jwks_uri`, the other one cleared), or the JSON syntax error of the pasted set. */
export function keysBody(d: KeyDraft): { body: { jwks: { keys: unknown[] } | null; jwks_uri: string | null } } | { jsonError: string } {
  if (d.source === 'jwks_uri') return { body: { jwks: null, jwks_uri: d.jwksUri.trim() } };
  try {
    // Only the syntax is checked here: every other rule is the server's, shown under the field.
    return { body: { jwks: JSON.parse(d.jwks) as { keys: unknown[] }, jwks_uri: null } };
  } catch (err) {
    return { jsonError: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The server's errors for one field and what lies under it, each with its pointer (`/jwks/keys/0/d …`). */
export function errorsUnder(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const found = (error.problem?.errors ?? []).filter((e) => e.pointer === `/${field}` || e.pointer.startsWith(`/${field}/`));
  return found.length > 0 ? found.map((e) => `${e.pointer}: ${e.detail}`).join('; ') : undefined;
}

/** The choice of pasted public keys or a key set URL, with the errors for each field. */
export function KeySourceFields({
  draft,
  onChange,
  error,
  jsonError,
}: {
  draft: KeyDraft;
  onChange(draft: KeyDraft): void;
  /** The failed admin call, if any: its errors under `/jwks` or `/jwks_uri` are shown under the field. */
  error: unknown;
  jsonError: string | null;
}) {
  const set = (change: Partial<KeyDraft>) => onChange({ ...draft, ...change });
  return (
    <>
      <fieldset className="radios">
        <legend>Public keys</legend>
        <label className="check">
          <input type="radio" name="key-source" checked={draft.source === 'jwks'} onChange={() => set({ source: 'jwks' })} /> Paste public keys (JWK Set)
        </label>
        <label className="check">
          <input type="radio" name="key-source" checked={draft.source === 'jwks_uri'} onChange={() => set({ source: 'jwks_uri' })} /> Key set URL (jwks_uri)
        </label>
      </fieldset>
      {draft.source === 'jwks' ? (
        <TextAreaField
          label="JWK Set"
          value={draft.jwks}
          onChange={(jwks) => set({ jwks })}
          error={jsonError ?? errorsUnder(error, 'jwks')}
          hint={
            <>
              <code>{'{"keys": [ … ]}'}</code> with public keys only: RSA 2048 to 4096 bits, EC P-256 or Ed25519. Never paste a private key.
            </>
          }
        />
      ) : (
        <TextField
          label="Key set URL"
          type="url"
          value={draft.jwksUri}
          onChange={(jwksUri) => set({ jwksUri })}
          error={errorsUnder(error, 'jwks_uri')}
          placeholder="https://keys.example.com/jwks.json"
          hint="An https URL Tessera fetches the client's public keys from."
        />
      )}
    </>
  );
}
