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

/** Socket errors of a connection that could not be made or was lost. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/**
 * PostgreSQL SQLSTATEs that mean "no usable server right now": class 08 (connection exception),
 * 57P01-57P03 (shutting down, crashed, starting up) and 53300 (too many connections).
 */
const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300)$/;

/** Errors of the pg driver that carry no code: the connection ended or could not be made in time. */
const DRIVER_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable)/;

/**
 * True when `err` says the database cannot be reached, rather than that it refused a statement.
 * Only a driver's errors qualify: a socket code counts when a system call failed with it (the
 * database connection's own socket, `syscall` set), never for Node's `aborted` error of an HTTP
 * request whose client reset the connection mid-body (ECONNRESET too, but no system call), which
 * is the client's doing, not an outage.
 */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof StoreUnavailable) return true;
  if (!(err instanceof Error)) return false;
  const { code, syscall } = err as { code?: unknown; syscall?: unknown };
  if (typeof code === 'string') {
    if ((NETWORK_CODES.has(code) && typeof syscall === 'string') || UNAVAILABLE_STATES.test(code)) return true;
    // A Unix socket path with no server behind it.
    if (code === 'ENOENT' && syscall === 'connect') return true;
  }
  if (err instanceof AggregateError && err.errors.some(isConnectionFailure)) return true;
  return DRIVER_MESSAGES.test(err.message);
}

/** Translates driver errors (better-sqlite3, pg) into the storage layer's own errors. */
export function translateDriverError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof StoreUnavailable) return err;
  const code = (err as { code?: unknown }).code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505') {
    return new UniqueViolation(err.message, { cause: err });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') {
    return new ForeignKeyViolation(err.message, { cause: err });
  }
  if (isConnectionFailure(err)) return new StoreUnavailable(err.message, { cause: err });
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
