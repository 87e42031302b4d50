import { useId, type ReactNode } from 'react';

interface FieldProps {
  label: string;
  /** The problem's error for this field, shown under it and tied to it for screen readers. */
  error?: string | undefined;
  hint?: ReactNode;
}

function Messages({ id, error, hint }: { id: string; error?: string | undefined; hint?: ReactNode }) {
  return (
    <>
      {hint ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </>
  );
}

const describedBy = (id: string, error?: string, hint?: ReactNode) =>
  [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

export function TextField({
  label,
  error,
  hint,
  value,
  onChange,
  type = 'text',
  required,
  autoFocus,
  placeholder,
  name,
  autoComplete = 'off',
  min,
  max,
}: FieldProps & {
  value: string;
  onChange(value: string): void;
  type?: 'text' | 'password' | 'number' | 'datetime-local' | 'search' | 'url';
  required?: boolean;
  autoFocus?: boolean;
  placeholder?: string;
  name?: string;
  autoComplete?: string;
  min?: number;
  max?: number;
}) {
  const id = useId();
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>
        {label}
        {required ? <span aria-hidden="true"> *</span> : null}
      </label>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        required={required}
        autoFocus={autoFocus}
        placeholder={placeholder}
        autoComplete={autoComplete}
        spellCheck={false}
        min={min}
        max={max}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        onChange={(e) => onChange(e.target.value)}
      />
      <Messages id={id} error={error} hint={hint} />
    </div>
  );
}

export function SelectField({
  label,
  error,
  hint,
  value,
  onChange,
  options,
  required,
}: FieldProps & { value: string; onChange(value: string): void; options: { value: string; label: string }[]; required?: boolean }) {
  const id = useId();
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        required={required}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        onChange={(e) => onChange(e.target.value)}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <Messages id={id} error={error} hint={hint} />
    </div>
  );
}

export function CheckboxField({
  label,
  error,
  hint,
  checked,
  onChange,
  disabled,
}: FieldProps & { checked: boolean; onChange(checked: boolean): void; disabled?: boolean }) {
  const id = useId();
  return (
    <div className={`field field-check${error ? ' has-error' : ''}`}>
      <input
        id={id}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        aria-describedby={describedBy(id, error, hint)}
        onChange={(e) => onChange(e.target.checked)}
      />
      <label htmlFor={id}>{label}</label>
      <Messages id={id} error={error} hint={hint} />
    </div>
  );
}

/** A multi-line text field, e.g. a pasted JSON document. */
export function TextAreaField({ label, error, hint, value, onChange, rows = 8 }: FieldProps & { value: string; onChange(value: string): void; rows?: number }) {
  const id = useId();
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        value={value}
        rows={rows}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        onChange={(e) => onChange(e.target.value)}
      />
      <Messages id={id} error={error} hint={hint} />
    </div>
  );
}

/** The `?reason=` every change takes: written to the audit log. */
export function ReasonField({ value, onChange }: { value: string; onChange(value: string): void }) {
  return <TextField label="Reason (optional)" hint="Recorded in the audit log with this change." value={value} onChange={onChange} />;
}
