import { CompiledQuery, sql, type Kysely, type RawBuilder } from 'kysely';
import { dialectOf } from '../dialects.js';
import type { Database } from '../schema.js';

/** A database handle or an open transaction: repositories never start transactions themselves. */
export type Executor = Kysely<Database>;

export const bool = (v: boolean): number => (v ? 1 : 0);

/** A JSON text column's value: the JSON of `v`, or null. */
export const jsonColumn = (v: unknown): string | null => (v === null ? null : JSON.stringify(v));

/** A JSON text column read back (stored by jsonColumn), or null. */
export const parseJsonColumn = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

/** SQL text of bulk statements, by store, statement and number of parameters. */
const compiled = new Map<string, string>();

/**
 * Runs the statement `build` makes, whose parameters are `parameters` in order, compiling it once
 * per store, statement and number of parameters: a minute's writes run the same hundred-row
 * statement thousands of times, and building and compiling it with Kysely each time cost more
 * than running it. (On a handle whose store is not known, it is compiled each time.) Answers the
 * rows the statement returns (`returning …`), if any.
 */
export async function executeBulk<R = unknown>(
  db: Executor,
  statement: string,
  parameters: readonly unknown[],
  build: () => RawBuilder<unknown>,
): Promise<readonly R[]> {
  const dialect = dialectOf(db);
  if (dialect === undefined) return (await build().execute(db)).rows as R[];
  const key = `${dialect} ${statement} ${parameters.length}`;
  let text = compiled.get(key);
  if (text === undefined) {
    const query = build().compile(db);
    if (query.parameters.length !== parameters.length)
      throw new Error(`${statement}: the statement has ${query.parameters.length} parameters, not ${parameters.length}`);
    compiled.set(key, (text = query.sql));
  }
  return (await db.executeQuery<R>(CompiledQuery.raw(text, [...parameters]))).rows;
}

/** A VALUES list, `(?, ?), (?, ?)…`, of these rows as parameters. */
export function valuesList(rows: readonly (readonly unknown[])[]): RawBuilder<unknown> {
  return sql.join(rows.map((row) => sql`(${sql.join(row)})`));
}

/** Parameters laid out row after row, cut back into rows of `width` (to build the statement once, executeBulk). */
export function rowsOf(parameters: readonly unknown[], width: number): unknown[][] {
  const rows: unknown[][] = [];
  for (let i = 0; i < parameters.length; i += width) rows.push(parameters.slice(i, i + width));
  return rows;
}
