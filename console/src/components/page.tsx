import type { ReactNode } from 'react';
import { ErrorMessage } from './feedback';
import { ReasonField } from './fields';
import { useConsole, usePageTitle } from '../hooks';
import type { AdminScope } from '../types';

/** Says why a page offers no changes: the signed-in token lacks `scope`. */
export function ReadOnly({ scope }: { scope: AdminScope }) {
  return (
    <p className="hint read-only">
      Read only: this admin token does not hold <code>{scope}</code>.
    </p>
  );
}

/**
 * The top of every page: where it sits in the navigation, its heading (which names the
 * document, and takes focus when the operator arrives from another page), what it is for, and
 * its main actions — offered only when the signed-in token holds `write`, if named (else it says so).
 */
export function PageHead({
  section,
  title,
  lead,
  write,
  children,
}: {
  section?: ReactNode;
  title: string;
  lead?: ReactNode;
  write?: AdminScope;
  children?: ReactNode;
}) {
  const heading = usePageTitle(title);
  const { can } = useConsole();
  return (
    <div className="page-head">
      <div>
        {section ? <p className="breadcrumb">{section}</p> : null}
        <h1 ref={heading} tabIndex={-1}>
          {title}
        </h1>
        {lead ? <p className="lead">{lead}</p> : null}
      </div>
      {write === undefined || can(write) ? children : <ReadOnly scope={write} />}
    </div>
  );
}

/** The end of a form: the audit reason (when asked for), the problem if the call failed, Cancel and submit. */
export function FormEnd({
  error,
  busy,
  label,
  busyLabel,
  onCancel,
  danger,
  reason,
}: {
  error: unknown;
  busy: boolean;
  label: string;
  busyLabel: string;
  onCancel?: () => void;
  danger?: boolean;
  reason?: { value: string; onChange(value: string): void };
}) {
  return (
    <>
      {reason ? <ReasonField value={reason.value} onChange={reason.onChange} /> : null}
      <ErrorMessage error={error} />
      <div className="actions">
        {onCancel ? (
          <button type="button" className="button-secondary" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
        <button type="submit" className={danger ? 'button-danger' : 'button-primary'} disabled={busy} aria-busy={busy}>
          {busy ? busyLabel : label}
        </button>
      </div>
    </>
  );
}
