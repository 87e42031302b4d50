import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Change, ChangeFeed, ChangeListener } from '../domain/changes/model.js';
import { parseChange } from './change-json.js';
import { postgresClientConfig } from './database.js';
import type { StoreHealth } from './health.js';
import type { Database } from './schema.js';

/** The PostgreSQL channel every Tessera process listens on. */
export const CHANGES_CHANNEL = 'tessera_changes';

/** A listening connection that does not answer a heartbeat within this time counts as lost. */
const HEARTBEAT_TIMEOUT_MS = 5_000;

/** NOTIFY payloads must stay under 8000 bytes; a larger change asks the others to reload everything. */
const MAX_PAYLOAD = 7_900;

/** The most notifications sent by one statement. */
const NOTIFY_BATCH = 64;

/**
 * NOTIFYs every payload in one statement, in order (PostgreSQL evaluates the select list left to
 * right and delivers a transaction's notifications in the order they were sent). Identical
 * payloads in one statement reach listeners once, which is harmless: a change is applied by
 * reading the store again, after every write it stands for has committed.
 */
function notifyAll(db: Kysely<Database>, payloads: readonly string[]): Promise<unknown> {
  return sql`select ${sql.join(payloads.map((payload) => sql`pg_notify(${CHANGES_CHANNEL}, ${payload})`))}`.execute(db);
}

/** Why the whole read model is reloaded: only `periodic` is a safety net that follows no lost or failed change. */
export type ResyncReason = 'periodic' | 'reconnected' | 'requested by another process' | 'retry';

/**
 * What travels on the channel: the change as JSON, with the sending process's id so that it can
 * ignore its own (it applied the change before sending). `resync` asks every process for a full
 * reload instead.
 */
interface Envelope {
  readonly origin: string;
  readonly change?: unknown;
  readonly resync?: true;
}

export interface PostgresChangeFeedOptions {
  readonly url: string;
  /** The pool: NOTIFY goes through it, once the writer's transaction has committed. */
  readonly db: Kysely<Database>;
  readonly health: StoreHealth;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** Reloads the whole read model: after every reconnection, and every `resyncIntervalMs` (`periodic`). */
  readonly resync: (reason: ResyncReason) => Promise<void>;
  readonly resyncIntervalMs: number;
  /** How often the listening connection is checked and failed work retried (default 1 s). */
  readonly heartbeatMs?: number;
  /** Reconnection delays: doubling from `initial` up to `max` (default 100 ms to 1 s). */
  readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  /**
   * Who this feed speaks for (default: a random id of its own). The processes of one cluster
   * share it: they hand changes to each other directly, so they ignore each other's NOTIFYs.
   */
  readonly origin?: string;
}

/**
 * The change feed across processes (docs/deployment.md#how-it-works): PostgreSQL LISTEN/NOTIFY on a connection of its
 * own. `publish` applies a change here, then NOTIFYs it; every other process applies it when
 * the notification arrives, within milliseconds. When the connection is lost, the store is
 * marked unavailable and the feed reconnects with backoff; once it listens again it reloads the
 * whole read model (changes sent meanwhile were lost with the connection), then marks the store
 * available. A periodic full reload is the safety net for anything else.
 */
export class PostgresChangeFeed implements ChangeFeed {
  readonly #origin: string;
  readonly #listeners: ChangeListener[] = [];
  /** Payloads whose NOTIFY failed, sent again in order on the next heartbeat. */
  readonly #outbox: string[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #client: pg.Client | null = null;
  #closed = false;
  #started = false;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #periodic: NodeJS.Timeout | null = null;
  #needsResync = false;
  #resyncing: Promise<boolean> | null = null;
  #checking = false;

  constructor(private readonly options: PostgresChangeFeedOptions) {
    this.#origin = options.origin ?? randomUUID();
  }

  subscribe(listener: ChangeListener): void {
    this.#listeners.push(listener);
  }

  async publish(change: Change): Promise<void> {
    try {
      await this.#deliver(change);
    } catch (err) {
      // The change is committed; this process's read model is repaired by a full reload.
      this.#needsResync = true;
      this.options.logger.warn({ err, change }, 'could not apply a change here; reloading the read model');
    }
    let payload = JSON.stringify({ origin: this.#origin, change } satisfies Envelope);
    if (Buffer.byteLength(payload) > MAX_PAYLOAD) payload = JSON.stringify({ origin: this.#origin, resync: true } satisfies Envelope);
    this.#outbox.push(payload);
    await this.#flush();
  }

  /** Connects and LISTENs; fails if the first connection fails. Later losses reconnect by themselves. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#listen();
    const heartbeatMs = this.options.heartbeatMs ?? 1_000;
    this.#heartbeat = setInterval(() => void this.#check(), heartbeatMs);
    this.#heartbeat.unref();
    this.#periodic = setInterval(() => void this.#resync('periodic'), this.options.resyncIntervalMs);
    this.#periodic.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const timer of [this.#reconnectTimer, this.#heartbeat, this.#periodic]) if (timer) clearTimeout(timer);
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
    await this.#flushing;
  }

  async #deliver(change: Change): Promise<void> {
    for (const listener of this.#listeners) await listener(change);
  }

  /**
   * Sends queued NOTIFYs in order, up to NOTIFY_BATCH in one statement (one round trip for the
   * changes of many concurrent writes, which would otherwise wait for each other's); stops at the
   * first failure and keeps the rest for later.
   */
  #flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      while (this.#outbox.length > 0) {
        const batch = this.#outbox.slice(0, NOTIFY_BATCH);
        try {
          await notifyAll(this.options.db, batch);
        } catch (err) {
          this.options.logger.warn({ err, pending: this.#outbox.length }, 'could not notify other processes of a change; will retry');
          return;
        }
        this.#outbox.splice(0, batch.length);
      }
    });
    // Never rejects: a failed send stays in the outbox for the next heartbeat.
    return this.#flushing;
  }

  async #listen(): Promise<void> {
    const client = new pg.Client(postgresClientConfig(this.options.url));
    client.on('error', (err) => this.#lost(client, err));
    client.on('end', () => this.#lost(client));
    client.on('notification', (message) => {
      if (message.channel === CHANGES_CHANNEL) this.#received(message.payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANGES_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    if (this.#closed) {
      await client.end().catch(() => {});
      return;
    }
    this.#client = client;
  }

  #received(payload: string | undefined): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(payload ?? '') as Envelope;
    } catch {
      this.options.logger.warn({ payload }, 'ignored a malformed change notification');
      return;
    }
    if (envelope.origin === this.#origin) return;
    if (envelope.resync) {
      void this.#resync('requested by another process');
      return;
    }
    const change = parseChange(envelope.change);
    if (!change) {
      this.options.logger.warn({ payload }, 'ignored a malformed change notification');
      return;
    }
    this.#deliver(change).catch((err: unknown) => {
      this.#needsResync = true;
      this.options.logger.warn({ err, change }, 'could not apply a change from another process; reloading the read model');
    });
  }

  #lost(client: pg.Client, err?: unknown): void {
    if (client !== this.#client) return;
    this.#client = null;
    client.end().catch(() => {});
    if (this.#closed) return;
    this.options.health.feedLost(err);
    this.options.logger.warn({ err }, 'lost the change feed connection; reconnecting');
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer) return;
    const { initialMs, maxMs } = this.options.backoff ?? { initialMs: 100, maxMs: 1_000 };
    const delay = Math.min(maxMs, initialMs * 2 ** this.#attempt) * (0.8 + Math.random() * 0.4);
    this.#attempt += 1;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      void this.#reconnect();
    }, delay);
    this.#reconnectTimer.unref();
  }

  async #reconnect(): Promise<void> {
    try {
      await this.#listen();
    } catch (err) {
      this.options.logger.debug({ err, attempt: this.#attempt }, 'change feed reconnection failed');
      this.#scheduleReconnect();
      return;
    }
    if (this.#closed) return;
    // Changes sent while we were not listening are lost: reload everything, then trust the feed.
    if (!(await this.#resync('reconnected'))) {
      const client = this.#client;
      if (client) this.#lost(client, new Error('the read model could not be reloaded after reconnecting'));
      return;
    }
    this.#attempt = 0;
    this.options.health.feedRestored();
    this.options.logger.info('change feed listening again; read model reloaded');
    void this.#flush();
  }

  /** One full reload at a time; answers whether it succeeded. */
  #resync(reason: ResyncReason): Promise<boolean> {
    this.#resyncing ??= (async () => {
      try {
        await this.options.resync(reason);
        this.#needsResync = false;
        this.options.logger.debug({ reason }, 'read model reloaded');
        return true;
      } catch (err) {
        this.#needsResync = true;
        this.options.logger.warn({ err, reason }, 'could not reload the read model; will retry');
        return false;
      } finally {
        this.#resyncing = null;
      }
    })();
    return this.#resyncing;
  }

  /** Heartbeat: checks the listening connection, and retries what failed (NOTIFYs, a reload). */
  async #check(): Promise<void> {
    if (this.#checking || this.#closed) return;
    this.#checking = true;
    try {
      const client = this.#client;
      if (client) {
        try {
          await withTimeout(client.query('select 1'), HEARTBEAT_TIMEOUT_MS);
        } catch (err) {
          this.#lost(client, err);
          return;
        }
        if (!this.options.health.available) await sql`select 1`.execute(this.options.db).catch(() => {});
        if (this.#needsResync) await this.#resync('retry');
        if (this.#outbox.length > 0) await this.#flush();
      }
    } finally {
      this.#checking = false;
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
