import type { ReactNode } from 'react';

/**
 * A data table: a caption for screen readers, one header cell per column (`actions` adds a last
 * column, named for screen readers only, for the rows' buttons), the rows as children. On a
 * narrow screen the table scrolls sideways in its box rather than widening the page.
 */
export function Table({ caption, columns, actions, children }: { caption: string; columns: string[]; actions?: boolean; children: ReactNode }) {
  return (
    <div className="table-scroll">
      <table className="table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
            {actions ? (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** The last cell of a row: its buttons, when `shown` (the signed-in token may change the row); else no cell, as the table has no actions column. */
export function RowActions({ shown, children }: { shown: boolean; children: ReactNode }) {
  return shown ? <td className="row-actions">{children}</td> : null;
}
