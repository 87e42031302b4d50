import { NOT_PRINTABLE } from '../lib/printable.js';

/** A column of a table: its header and how a row shows in it. */
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
}

/** A column showing one field of the row, headed by the field name in capitals. */
export function field<T>(name: keyof T & string, header = name.toUpperCase()): Column<T> {
  return { header, value: (row) => row[name] };
}

const NOT_PRINTABLE_CHARACTER = new RegExp(`[${NOT_PRINTABLE}]`, 'g');

/** Control characters would let a value rewrite the terminal, bidirectional overrides reorder it: show them as `?`. */
const printable = (text: string) => text.replace(NOT_PRINTABLE_CHARACTER, '?');

/** One value as text: `-` for null and empty, arrays joined with commas, objects as JSON. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : cell(v))).join(', ');
  if (typeof value === 'object') return printable(JSON.stringify(value));
  if (typeof value === 'string') return printable(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // Nothing else comes out of a JSON answer (a symbol or a function would be a bug of ours).
  return '-';
}

/** Aligned columns separated by two spaces, a header line first; no trailing blanks. */
export function table<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = [columns.map((c) => c.header), ...rows.map((row) => columns.map((c) => cell(c.value(row))))];
  // Every line has one cell per column (built from `columns` just above), and `widths` one entry per column.
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return (
    cells
      .map((line) =>
        line
          // `widths` has one entry per column, as `line` has one cell.
          .map((text, i) => text.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** A key/value block: one `key  value` line per entry, keys aligned; an array of objects gets one indented line per item. */
export function block(entries: object): string {
  const width = Math.max(0, ...Object.keys(entries).map((k) => k.length));
  const lines: string[] = [];
  for (const [key, value] of Object.entries(entries)) {
    const items = Array.isArray(value) && value.some((v) => typeof v === 'object' && v !== null) ? value : null;
    if (items === null) {
      lines.push(`${key.padEnd(width)}  ${cell(value)}`);
      continue;
    }
    lines.push(key);
    for (const item of items) lines.push(`  - ${inline(item)}`);
  }
  return lines.join('\n') + '\n';
}

/** An object on one line: `name=value name=value`. */
function inline(item: unknown): string {
  if (typeof item !== 'object' || item === null) return cell(item);
  return Object.entries(item)
    .map(([k, v]) => `${k}=${cell(v)}`)
    .join(' ');
}

/** The JSON text the CLI prints for scripts: the API's answer, indented, one trailing newline. */
export const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
