import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';
import { rememberDialect } from './dialects.js';
import { translateDriverError } from './errors.js';

/** The most logical transactions one physical transaction of a group carries (bounds a member's wait for its commit). */
export const MAX_GROUP_MEMBERS = 64;

/** One logical transaction waiting for its group. */
interface Member {
  readonly work: (trx: Transaction<Database>) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/** A member whose work succeeded: its value is handed over once its group has committed. */
interface Done {
  readonly member: Member;
  readonly value: unknown;
}

/**
 * Group commit for the embedded store: logical transactions that arrive while one is running
 * share one physical SQLite transaction, hence one commit and one fsync. Each member runs alone
 * inside a SAVEPOINT of the group's transaction (SQLite has one connection: members run one after
 * the other, never interleaved); a member that fails rolls back to its savepoint and rejects with
 * its own error, the others go on. The group commits when no member is waiting, after letting one
 * turn of the event loop pass once (so that requests already received reach `transact`; a lone
 * transaction waits for nothing else), or when it holds MAX_GROUP_MEMBERS; only then do its members'
 * promises resolve, and if the commit fails every member rejects with the commit's error.
 */
export class GroupCommit {
  readonly #db: Kysely<Database>;
  readonly #waiting: Member[] = [];
  #running = false;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Runs `work` as one member of a group; resolves after the group's commit. */
  run<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#running) void this.#drain();
    });
  }

  /** Runs groups one after the other while members wait. */
  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#waiting.length > 0) await this.#group();
    } finally {
      this.#running = false;
    }
  }

  /** One physical transaction: the waiting members (and those arriving meanwhile), then one commit. */
  async #group(): Promise<void> {
    let trx;
    try {
      trx = await this.#db.startTransaction().execute();
    } catch (err) {
      // Not even begun: every member waiting now learns why.
      for (const member of this.#waiting.splice(0)) member.reject(translateDriverError(err));
      return;
    }
    rememberDialect(trx, 'sqlite');
    const done: Done[] = [];
    let broken: unknown;
    let waited = false;
    while (done.length < MAX_GROUP_MEMBERS && broken === undefined) {
      // Requests already received but not yet run reach transact in this turn of the event loop:
      // one turn (no timer), once per group, lets them join before the commit; a lone transaction
      // waits no longer, and later arrivals make the next group rather than hold this one open.
      if (this.#waiting.length === 0 && !waited) {
        waited = true;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const member = this.#waiting.shift();
      if (member === undefined) break;
      try {
        await sql`savepoint tessera_member`.execute(trx);
      } catch (err) {
        member.reject(translateDriverError(err));
        broken = err;
        break;
      }
      try {
        const value = await member.work(trx);
        await sql`release tessera_member`.execute(trx);
        done.push({ member, value });
      } catch (err) {
        member.reject(translateDriverError(err));
        // Some failures (a full disk, an I/O error) end the whole transaction in SQLite: the
        // savepoint is gone with it, and so is the work of the members before this one.
        broken = await undoMember(trx);
      }
    }
    if (broken === undefined) {
      try {
        await trx.commit().execute();
        for (const { member, value } of done) member.resolve(value);
        return;
      } catch (err) {
        broken = err;
      }
    }
    await trx
      .rollback()
      .execute()
      .catch(() => {});
    for (const { member } of done) member.reject(translateDriverError(broken));
  }
}

/** Rolls back to the current member's savepoint; answers the error if the transaction can no longer go on. */
async function undoMember(trx: Transaction<Database>): Promise<unknown> {
  try {
    await sql`rollback to tessera_member`.execute(trx);
    await sql`release tessera_member`.execute(trx);
    return undefined;
  } catch (err) {
    return err;
  }
}
