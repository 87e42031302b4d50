import type { ReactNode } from 'react';
import { ApiError, messageOf } from '../api';

/** An error, announced at once (role=alert); the problem's field errors are listed too. */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const problem = error instanceof ApiError ? error.problem : null;
  return (
    <div className="alert alert-error" role="alert">
      <strong>{title ?? (problem ? problem.title : 'Something went wrong')}</strong>
      <p>{messageOf(error)}</p>
    </div>
  );
}

/** A loading indicator, announced politely to screen readers. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/** What a page shows when there is nothing yet, and what to do about it. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** A polite announcement of a success ("Copied", "Saved"). */
export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="alert alert-ok" role="status" aria-live="polite">
      {children}
    </div>
  );
}

export function StatusBadge({ active, on = 'Active', off = 'Inactive' }: { active: boolean; on?: string; off?: string }) {
  return <span className={`badge ${active ? 'badge-ok' : 'badge-off'}`}>{active ? on : off}</span>;
}
