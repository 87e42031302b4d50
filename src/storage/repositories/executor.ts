import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** A database handle or an open transaction: repositories never start transactions themselves. */
export type Executor = Kysely<Database>;

export const bool = (v: boolean): number => (v ? 1 : 0);
