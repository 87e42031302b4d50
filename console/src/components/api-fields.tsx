import type { ApiError } from '../api';
import { formatSeconds, optionalInteger } from '../format';
import type { Api, ApiCreate, ApiPatch } from '../types';
import { TextField } from './fields';
import { ScopeEditor, scopeErrors, scopesBody, type ScopeRow } from './scope-editor';

/** An API as its form holds it. */
export interface ApiDraft {
  name: string;
  identifier: string;
  /** Seconds, as typed; empty for the tenant's default. */
  ttl: string;
  scopes: ScopeRow[];
}

/** The body of `POST /apis` and `PATCH /apis/{id}` for a draft. */
export function apiBody(d: ApiDraft): ApiCreate {
  const name = d.name.trim();
  return { ...(name ? { name } : {}), identifier: d.identifier.trim(), scopes: scopesBody(d.scopes), access_token_ttl: optionalInteger(d.ttl) ?? null };
}

/** The body of `PATCH /apis/{id}` for the built-in API: its token lifetime, the one thing that may change. */
export function builtInApiBody(d: ApiDraft): ApiPatch {
  return { access_token_ttl: optionalInteger(d.ttl) ?? null };
}

/** The "built-in" badge of the tenant's `urn:tessera:admin`. */
export function BuiltInBadge({ api }: { api: Api }) {
  return api.built_in ? <span className="badge badge-next">built-in</span> : null;
}

/** A token lifetime, in seconds (an API's, a client's); empty for the default, which `hint` names. */
export function TtlField({
  value,
  onChange,
  error,
  hint = "Empty: the tenant's default.",
}: {
  value: string;
  onChange(ttl: string): void;
  error?: string | undefined;
  hint?: string;
}) {
  return (
    <TextField label="Token lifetime in seconds (optional)" type="number" min={60} max={86400} value={value} onChange={onChange} error={error} hint={hint} />
  );
}

/** An API read only: name, identifier and scopes with their descriptions (the built-in API, or a token without apis:write). */
export function ApiSummary({ api }: { api: Api }) {
  return (
    <dl className="summary card">
      <dt>Name</dt>
      <dd>
        {api.name} <BuiltInBadge api={api} />
      </dd>
      <dt>Identifier</dt>
      <dd>
        <code>{api.identifier}</code>
      </dd>
      <dt>Scopes</dt>
      <dd>
        {api.scopes.length === 0 ? (
          '—'
        ) : (
          <ul className="plain">
            {api.scopes.map((s) => (
              <li key={s.value}>
                <code>{s.value}</code>
                {s.description ? <span className="hint"> — {s.description}</span> : null}
              </li>
            ))}
          </ul>
        )}
      </dd>
      <dt>Token lifetime</dt>
      <dd>{api.access_token_ttl ? formatSeconds(api.access_token_ttl) : 'default'}</dd>
    </dl>
  );
}

/** Name, identifier, token lifetime and scopes of an API, each with the problem's error for it. */
export function ApiFields({
  draft,
  onChange,
  problem,
  identifierHint,
  autoFocus,
}: {
  draft: ApiDraft;
  onChange(draft: ApiDraft): void;
  problem: ApiError | null;
  identifierHint: string;
  autoFocus?: boolean;
}) {
  const set = (field: Partial<ApiDraft>) => onChange({ ...draft, ...field });
  return (
    <>
      <TextField label="Name" value={draft.name} onChange={(name) => set({ name })} autoFocus={autoFocus ?? false} error={problem?.fields.name} />
      <TextField
        label="Identifier"
        value={draft.identifier}
        onChange={(identifier) => set({ identifier })}
        required
        error={problem?.fields.identifier}
        hint={identifierHint}
      />
      <TtlField value={draft.ttl} onChange={(ttl) => set({ ttl })} error={problem?.fields.access_token_ttl} />
      <ScopeEditor scopes={draft.scopes} onChange={(scopes) => set({ scopes })} errors={scopeErrors(problem?.problem?.errors, draft.scopes)} />
    </>
  );
}
