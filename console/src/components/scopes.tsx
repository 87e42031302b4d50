import type { Api } from '../types';

/** One checkbox per scope the API defines, in a fieldset named after the API. */
export function ScopeCheckboxes({
  api,
  selected,
  onChange,
  error,
}: {
  api: Pick<Api, 'name' | 'identifier' | 'scopes'>;
  selected: string[];
  onChange(scopes: string[]): void;
  error?: string | undefined;
}) {
  return (
    <fieldset className="scopes">
      <legend>
        {api.name || api.identifier} <code>{api.identifier}</code>
      </legend>
      {api.scopes.length === 0 ? <p className="hint">This API defines no scopes yet: add some on its page.</p> : null}
      {api.scopes.map((s) => (
        <label key={s.value} className="check">
          <input
            type="checkbox"
            checked={selected.includes(s.value)}
            onChange={(e) => onChange(e.target.checked ? [...selected, s.value] : selected.filter((v) => v !== s.value))}
          />
          <span>
            <code>{s.value}</code>
            {s.description ? <span className="hint"> — {s.description}</span> : null}
          </span>
        </label>
      ))}
      {error ? <p className="field-error">{error}</p> : null}
    </fieldset>
  );
}
