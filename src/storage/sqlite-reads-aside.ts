import {
  SelectQueryNode,
  SqliteDialect,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type SqliteDatabase,
  type TransactionSettings,
} from 'kysely';

/** Runs a compiled query on a better-sqlite3 connection, as Kysely's own SQLite driver does. */
function executeOn<R>(database: SqliteDatabase, compiledQuery: CompiledQuery): QueryResult<R> {
  const statement = database.prepare(compiledQuery.sql);
  if (statement.reader) return { rows: statement.all(compiledQuery.parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(compiledQuery.parameters);
  return { numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] };
}

/** The writer connection of Kysely's SQLite driver, and how many connections hold it or wait for it. */
class Writer {
  #users = 0;

  constructor(readonly driver: Driver) {}

  /** True when no one holds the writer connection or waits for it. */
  idle(): boolean {
    return this.#users === 0;
  }

  /** Takes the writer connection (waiting for the writers' turn). */
  async take(): Promise<DatabaseConnection> {
    this.#users++;
    try {
      return await this.driver.acquireConnection();
    } catch (err) {
      this.#users--;
      throw err;
    }
  }

  async give(connection: DatabaseConnection): Promise<void> {
    this.#users--;
    await this.driver.releaseConnection(connection);
  }
}

/**
 * A connection as Kysely asks for one: a SELECT outside a transaction runs on the writer
 * connection when no one holds it or waits for it (its cache is warm), otherwise on the reader
 * connection, which sees what is committed without waiting; anything else (a transaction, a
 * write, a pragma) takes the writer connection, held until released.
 */
class RoutedConnection implements DatabaseConnection {
  #writer: DatabaseConnection | undefined;

  constructor(
    private readonly writers: Writer,
    private readonly reader: SqliteDatabase,
  ) {}

  /** The writer connection, taken (waiting for the writers' turn) on first use. */
  async writer(): Promise<DatabaseConnection> {
    return (this.#writer ??= await this.writers.take());
  }

  /** The writer connection if this one took it. */
  held(): DatabaseConnection | undefined {
    return this.#writer;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (this.#writer === undefined && !this.writers.idle() && SelectQueryNode.is(compiledQuery.query)) return executeOn<R>(this.reader, compiledQuery);
    return (await this.writer()).executeQuery<R>(compiledQuery);
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    yield* (await this.writer()).streamQuery<R>(compiledQuery, chunkSize);
  }
}

/** Kysely's SQLite driver, with reads outside transactions sent to a connection of their own. */
class ReadsAsideDriver implements Driver {
  readonly #writer: Writer;

  constructor(
    private readonly writers: Driver,
    private readonly reader: SqliteDatabase,
  ) {
    this.#writer = new Writer(writers);
  }

  init(): Promise<void> {
    return this.writers.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new RoutedConnection(this.#writer, this.reader);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await this.writers.beginTransaction(await routed(connection).writer(), settings);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await this.writers.commitTransaction(await routed(connection).writer());
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await this.writers.rollbackTransaction(await routed(connection).writer());
  }

  async savepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.writers.savepoint?.(await routed(connection).writer(), name, compileQuery);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.writers.rollbackToSavepoint?.(await routed(connection).writer(), name, compileQuery);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compileQuery: QueryCompiler['compileQuery']): Promise<void> {
    await this.writers.releaseSavepoint?.(await routed(connection).writer(), name, compileQuery);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const writer = routed(connection).held();
    if (writer !== undefined) await this.#writer.give(writer);
  }

  async destroy(): Promise<void> {
    await this.writers.destroy();
    this.reader.close();
  }
}

function routed(connection: DatabaseConnection): RoutedConnection {
  if (!(connection instanceof RoutedConnection)) throw new Error('not a connection of this driver');
  return connection;
}

/**
 * SQLite for Kysely with a second, read-only connection on the same file: in WAL mode a reader
 * sees the last commit while the writer works, so a SELECT outside a transaction (an admin token's
 * lookup, the read model's reload of what a request just changed) never queues behind a group of
 * write transactions being committed (group-commit.ts), and never sees what is not committed.
 */
export class ReadsAsideSqliteDialect extends SqliteDialect {
  constructor(
    writer: SqliteDatabase,
    private readonly reader: SqliteDatabase,
  ) {
    super({ database: writer });
  }

  override createDriver(): Driver {
    return new ReadsAsideDriver(super.createDriver(), this.reader);
  }
}
