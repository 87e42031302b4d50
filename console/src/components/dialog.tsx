import { useId, useLayoutEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useAction } from '../hooks';
import { FormEnd } from './page';

/**
 * A modal dialog on the native <dialog>: focus stays inside, Escape closes it, and focus
 * returns to what opened it. Render it only while it is open.
 */
export function Dialog({ title, onClose, children, wide }: { title: string; onClose(): void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={wide ? 'dialog dialog-wide' : 'dialog'}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="button-icon" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      {children}
    </dialog>
  );
}

/** A form's submit handler that never lets the browser submit (the CSP allows no form action). */
export const onSubmit = (handler: () => void) => (e: FormEvent) => {
  e.preventDefault();
  handler();
};

/** Asks before a change, with a reason for the audit log; shows the problem if it fails. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  danger,
  onConfirm,
  onClose,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(reason: string): Promise<unknown>;
  onClose(): void;
}) {
  const [reason, setReason] = useState('');
  const action = useAction();
  return (
    <Dialog title={title} onClose={onClose}>
      <form
        onSubmit={onSubmit(() => {
          void action.run(async () => {
            await onConfirm(reason);
            onClose();
          });
        })}
      >
        <div className="dialog-body">{children}</div>
        <FormEnd
          reason={{ value: reason, onChange: setReason }}
          error={action.error}
          busy={action.busy}
          label={confirmLabel}
          busyLabel="Working…"
          danger={danger ?? false}
          onCancel={onClose}
        />
      </form>
    </Dialog>
  );
}
