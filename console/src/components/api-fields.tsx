import type { ApiError } from '../api';
import { optionalInteger } from '../format';
import type { ApiCreate } from '../types';
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
      <TextField
        label="Token lifetime in seconds (optional)"
        type="number"
        min={60}
        max={86400}
        value={draft.ttl}
        onChange={(ttl) => set({ ttl })}
        error={problem?.fields.access_token_ttl}
        hint="Empty: the tenant's default."
      />
      <ScopeEditor scopes={draft.scopes} onChange={(scopes) => set({ scopes })} errors={scopeErrors(problem?.problem?.errors, draft.scopes)} />
    </>
  );
}
