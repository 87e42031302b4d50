/** A unique or primary key constraint refused a write. */
export class UniqueViolation extends Error {
  override readonly name = 'UniqueViolation';
}

/** A foreign key constraint refused a write (the referenced row does not exist, or still has dependants). */
export class ForeignKeyViolation extends Error {
  override readonly name = 'ForeignKeyViolation';
}

/** The database could not be reached or answered with a connection-level failure. */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
}

/** Translates driver errors (better-sqlite3, pg) into the storage layer's own errors. */
export function translateDriverError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505') {
    return new UniqueViolation(err.message, { cause: err });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') {
    return new ForeignKeyViolation(err.message, { cause: err });
  }
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === '57P01' || code === '57P03' || code === 'ETIMEDOUT') {
    return new StoreUnavailable(err.message, { cause: err });
  }
  return err;
}

/** Runs a storage call and rethrows driver errors translated. */
export async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw translateDriverError(err);
  }
}
