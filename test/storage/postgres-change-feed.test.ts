import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createLogger } from '../../src/app/logger.js';
import type { Change } from '../../src/domain/changes.js';
import { systemClock } from '../../src/lib/clock.js';
import { openStore, type Store } from '../../src/storage/database.js';
import { StoreHealth } from '../../src/storage/health.js';
import { CHANGES_CHANNEL, PostgresChangeFeed } from '../../src/storage/postgres-change-feed.js';
import { DIALECTS } from '../helpers/dialects.js';
import { eventually } from '../helpers/eventually.js';
import { sharedPostgres } from '../helpers/postgres.js';

/**
 * How long a notification may take to arrive before the test gives up: it passes as soon as the
 * notification does, so this only bounds a failure on a loaded machine.
 */
const NOTIFY_WAIT_MS = 20_000;

const skip = DIALECTS.includes('postgres') ? false : 'PostgreSQL is not in TESSERA_TEST_DIALECTS';

/** One process's side of the feed: its store, health, what it heard and how often it reloaded. */
interface Side {
  store: Store;
  health: StoreHealth;
  feed: PostgresChangeFeed;
  heard: Change[];
  resyncs: number;
}

function side(url: string): Side {
  const health = new StoreHealth(systemClock);
  const store = openStore(url, { health });
  const s: Side = { store, health, heard: [], resyncs: 0, feed: undefined as unknown as PostgresChangeFeed };
  s.feed = new PostgresChangeFeed({
    url,
    db: store.db,
    health,
    logger: createLogger('silent'),
    resync: async () => {
      s.resyncs += 1;
    },
    resyncIntervalMs: 3_600_000,
    heartbeatMs: 100,
  });
  s.feed.subscribe(async (change) => {
    s.heard.push(change);
  });
  return s;
}

describe('[postgres] change feed (LISTEN/NOTIFY)', { skip, timeout: 60_000 }, () => {
  let url: string;
  let a: Side;
  let b: Side;
  before(async () => {
    url = await (await sharedPostgres()).createDatabase();
    a = side(url);
    b = side(url);
    await a.feed.start();
    await b.feed.start();
  });
  after(async () => {
    for (const s of [a, b]) {
      await s.feed.close();
      await s.store.close();
    }
  });

  it('carries any change as JSON: applied once where published, once everywhere else, kinds it does not know included', async () => {
    const changes = [
      { kind: 'client', tenantId: 'acme', clientId: 'c1' },
      { kind: 'tenant', tenantId: 'acme' },
      // A kind added later (issue 3 plans one for revocations) needs no change to the feed.
      { kind: 'revocations', tenantId: 'acme', jti: 'j1' },
    ] as unknown as Change[];
    for (const change of changes) await a.feed.publish(change);
    assert.deepEqual(a.heard, changes, 'applied here before publish resolved, and not again from the notification');
    await eventually('B heard every change, in order', async () => b.heard.length === changes.length, { withinMs: NOTIFY_WAIT_MS });
    assert.deepEqual(b.heard, changes);
    // PostgreSQL delivers notifications in commit order: once A hears a change B published after
    // A's, A has been handed its own notifications too, and would have applied them by then.
    const marker = { kind: 'client', tenantId: 'acme', clientId: 'marker-from-b' } as unknown as Change;
    await b.feed.publish(marker);
    await eventually("A heard B's later change", async () => a.heard.some((c) => JSON.stringify(c) === JSON.stringify(marker)), { withinMs: NOTIFY_WAIT_MS });
    assert.deepEqual(a.heard, [...changes, marker], 'A did not apply its own notifications');
  });

  it('many changes published at once reach the other process in the order they were applied here', async () => {
    const aBefore = a.heard.length;
    const bBefore = b.heard.length;
    const changes = Array.from({ length: 150 }, (_, i) => ({ kind: 'client', tenantId: 'acme', clientId: `burst-${i}` }) as unknown as Change);
    await Promise.all(changes.map((change) => a.feed.publish(change)));
    const applied = a.heard.slice(aBefore);
    assert.equal(applied.length, changes.length);
    await eventually('B heard every change', async () => b.heard.length - bBefore === changes.length, { withinMs: NOTIFY_WAIT_MS });
    assert.deepEqual(b.heard.slice(bBefore), applied);
  });

  it('ignores malformed notifications and asks for a full reload when a change is too large to send', async () => {
    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    try {
      for (const payload of ['not json', '{"origin":"x","change":{"kind":1}}', '{"origin":"x"}']) {
        await raw.query('select pg_notify($1, $2)', [CHANGES_CHANNEL, payload]);
      }
    } finally {
      await raw.end();
    }
    const heardBefore = b.heard.length;
    const resyncsBefore = b.resyncs;
    await a.feed.publish({ kind: 'tenant', tenantId: 'x'.repeat(8_000) });
    await eventually('B reloads everything', async () => b.resyncs === resyncsBefore + 1, { withinMs: NOTIFY_WAIT_MS });
    assert.equal(b.heard.length, heardBefore, 'nothing malformed or oversized was delivered as a change');
  });

  it('marks the store unavailable when its connection is cut, reconnects, reloads everything, and hears changes again', async () => {
    const resyncsBefore = b.resyncs;
    const killer = new pg.Client({ connectionString: url });
    await killer.connect();
    try {
      // Every session of B's pool and feed, as a failover or a restarted proxy would.
      await killer.query("select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'tessera' and pid <> pg_backend_pid()");
    } finally {
      await killer.end();
    }
    await eventually('B notices', async () => !b.health.available || b.resyncs > resyncsBefore, { withinMs: NOTIFY_WAIT_MS });
    await eventually('B listens again after a full reload', async () => b.health.available && b.resyncs > resyncsBefore, { withinMs: NOTIFY_WAIT_MS });
    const heardBefore = b.heard.length;
    await eventually(
      'A can publish again',
      async () => {
        await a.feed.publish({ kind: 'tenant', tenantId: 'after-reconnect' });
        return true;
      },
      { withinMs: NOTIFY_WAIT_MS },
    );
    await eventually('B hears changes again', async () => b.heard.slice(heardBefore).some((c) => c.tenantId === 'after-reconnect'), {
      withinMs: NOTIFY_WAIT_MS,
    });
  });
});
