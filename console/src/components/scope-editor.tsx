import { useId } from 'react';

export interface ScopeRow {
  value: string;
  description: string;
}

/** The scopes an API defines: one row (value, description) each; rows can be added and removed. */
export function ScopeEditor({ scopes, onChange, errors }: { scopes: ScopeRow[]; onChange(scopes: ScopeRow[]): void; errors: Record<number, string> }) {
  const id = useId();
  const set = (i: number, row: Partial<ScopeRow>) => onChange(scopes.map((s, j) => (j === i ? { ...s, ...row } : s)));
  return (
    <fieldset className="scope-editor">
      <legend>Scopes</legend>
      {scopes.length === 0 ? <p className="hint">No scopes yet. Tokens for this API can then carry no scope.</p> : null}
      {scopes.map((s, i) => (
        <div className="scope-row" key={i}>
          <div className="field">
            <label htmlFor={`${id}-v${i}`}>Scope {i + 1} value</label>
            <input
              id={`${id}-v${i}`}
              value={s.value}
              spellCheck={false}
              aria-invalid={errors[i] ? true : undefined}
              aria-describedby={errors[i] ? `${id}-e${i}` : undefined}
              onChange={(e) => set(i, { value: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-d${i}`}>Scope {i + 1} description</label>
            <input id={`${id}-d${i}`} value={s.description} onChange={(e) => set(i, { description: e.target.value })} />
          </div>
          <button type="button" className="button-secondary button-small" onClick={() => onChange(scopes.filter((_, j) => j !== i))}>
            Remove<span className="sr-only"> scope {i + 1}</span>
          </button>
          {errors[i] ? (
            <p className="field-error" id={`${id}-e${i}`}>
              {errors[i]}
            </p>
          ) : null}
        </div>
      ))}
      <button type="button" className="button-secondary button-small" onClick={() => onChange([...scopes, { value: '', description: '' }])}>
        Add scope
      </button>
    </fieldset>
  );
}

/** The rows sent: those with a value (see scopesBody). */
const sent = (rows: ScopeRow[]) => rows.map((r, i) => ({ r, i })).filter(({ r }) => r.value.trim() !== '');

/** The problem's field errors of `/scopes/{i}/…`, by row of the editor (empty rows are not sent). */
export function scopeErrors(fields: { pointer: string; detail: string }[] | undefined, rows: ScopeRow[]): Record<number, string> {
  const kept = sent(rows);
  const out: Record<number, string> = {};
  for (const f of fields ?? []) {
    const m = /^\/scopes\/(\d+)/.exec(f.pointer);
    const row = m ? kept[Number(m[1])] : undefined;
    if (row) out[row.i] = f.detail;
  }
  return out;
}

/** The rows to send: empty rows dropped, descriptions only when given. */
export function scopesBody(rows: ScopeRow[]): { value: string; description?: string }[] {
  return sent(rows).map(({ r }) => (r.description.trim() ? { value: r.value.trim(), description: r.description.trim() } : { value: r.value.trim() }));
}
