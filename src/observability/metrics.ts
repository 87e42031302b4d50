import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ReadModel } from '../domain/read-model/read-model.js';
import type { Clock } from '../lib/clock.js';
import type { TokenIssued, TokenListener, TokenQuotaExceeded, TokenRefused } from '../protocol/token-events.js';
import type { Store } from '../storage/database.js';
import type { StoreHealth } from '../storage/health.js';
import { SeriesHistogram, type HistogramSeries } from './histogram.js';
import { CountTree } from '../lib/count-tree.js';
import { fitted } from '../lib/typed-arrays.js';
import { SeriesTree } from './series.js';

/** The answer to a scrape: the Prometheus text format and its content type. */
export interface MetricsPage {
  readonly contentType: string;
  readonly body: string;
}

/**
 * Renders what `/metrics` answers from this process's registry. The default renders it alone;
 * a process that serves the metrics of others too (a cluster primary) passes one that merges
 * their registries' `getMetricsAsJSON()` with `AggregatorRegistry.aggregate`.
 */
export type MetricsRenderer = (local: Registry) => Promise<MetricsPage>;

/** This process's registry alone, in the Prometheus text format 0.0.4. */
export const renderRegistry: MetricsRenderer = async (registry) => ({ contentType: registry.contentType, body: await registry.metrics() });

export interface MetricsOptions {
  readonly render?: MetricsRenderer;
}

/** What the scrape-time gauges read. */
export interface MetricsSources {
  readonly clock: Clock;
  readonly readModel: Pick<ReadModel, 'tenantIds' | 'tenant' | 'loadedAtMs' | 'syncedAtMs' | 'missedSinceMs' | 'slots'>;
  readonly storeHealth: Pick<StoreHealth, 'available' | 'downSinceMs'>;
  readonly store: Pick<Store, 'pool'>;
}

export type ListenerName = 'public' | 'admin';

/** Request duration buckets, in seconds: from a token served from memory (~1 ms) to a stuck request. */
export const DURATION_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Durations of one listener's requests, by route pattern, method and status. */
export class RequestDurations {
  readonly #series: SeriesTree<string, string, number, HistogramSeries>;

  constructor(histogram: SeriesHistogram, listener: ListenerName) {
    this.#series = new SeriesTree((route, method, status) => histogram.series({ listener, method, route, status_code: String(status) }));
  }

  /** `route`: the route pattern (`/t/:tenant/oauth2/token`), never the URL; undefined when no route matched. */
  observe(route: string | undefined, method: string, status: number, seconds: number): void {
    this.#series.get(route ?? 'unmatched', method, status).observe(seconds);
  }
}

/**
 * Registers a counter whose values are copied from `counts` when scraped; `labelsOf` names the
 * three keys of a count (in the tree's order) by the counter's labels.
 */
function countTreeCounter<L extends string>(
  registers: Registry[],
  counts: CountTree<string, string, string>,
  metric: { readonly name: string; readonly help: string; readonly labelNames: readonly L[] },
  labelsOf: (a: string, b: string, c: string) => Record<L, string>,
): void {
  new Counter({
    ...metric,
    registers,
    collect() {
      this.reset();
      for (const [a, b, c, n] of counts.entries()) this.inc(labelsOf(a, b, c), n);
    },
  });
}

/** Seconds from epoch ms, or 0 for never. */
const epochSeconds = (ms: number | null) => (ms === null ? 0 : ms / 1000);

/**
 * Tessera's Prometheus metrics, in a registry of their own (not prom-client's global one). Hot
 * path counters are plain numbers (tokens issued in an array by client slot, refusals in maps),
 * copied into prom-client's metrics when scraped; the read model and database gauges are computed
 * when scraped.
 */
export class Metrics implements TokenListener {
  readonly registry = new Registry();
  /** Tokens issued by grant type, then by client slot (ClientSlots: the client and its tenant). */
  readonly #issued = new Map<string, Float64Array>();
  /** Refusals by tenant, error and client. */
  readonly #refused = new CountTree<string, string, string>();
  /** Requests over a quota by tenant, client and period. */
  readonly #overQuota = new CountTree<string, string, string>();
  readonly #durations = new SeriesHistogram(
    'tessera_http_request_duration_seconds',
    'Time to answer an HTTP request, by listener, method, route pattern and status code.',
    DURATION_BUCKETS,
  );
  readonly #render: MetricsRenderer;

  constructor(sources: MetricsSources, options: MetricsOptions = {}) {
    this.#render = options.render ?? renderRegistry;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#durations.registerIn(this.registry);
    const issued = this.#issued;
    const slots = sources.readModel.slots;
    new Counter({
      name: 'tessera_tokens_issued_total',
      help: 'Access tokens issued, by tenant, client and grant type.',
      labelNames: ['tenant', 'client_id', 'grant_type'],
      registers,
      collect() {
        this.reset();
        for (const [grant_type, counts] of issued) {
          for (let slot = 0; slot < counts.length; slot++) {
            // `slot` is below counts.length (the loop's bound).
            if (counts[slot]! > 0) this.inc({ tenant: slots.tenantOf(slot), client_id: slots.clientOf(slot), grant_type }, counts[slot]);
          }
        }
      },
    });
    countTreeCounter(
      registers,
      this.#refused,
      {
        name: 'tessera_token_requests_refused_total',
        help: 'Token requests refused, by tenant, client (empty when the request named no client the tenant has) and OAuth error code.',
        labelNames: ['tenant', 'client_id', 'error'],
      },
      (tenant, error, client_id) => ({ tenant, client_id, error }),
    );
    countTreeCounter(
      registers,
      this.#overQuota,
      {
        name: 'tessera_token_quota_exceeded_total',
        help: "Token requests of a client whose quota was used up in the period's window (refused when enforced, else issued), by tenant, client and period.",
        labelNames: ['tenant', 'client_id', 'period'],
      },
      (tenant, client_id, period) => ({ tenant, client_id, period }),
    );
    this.#readModelGauges(sources, registers);
    this.#databaseGauges(sources, registers);
  }

  issued(event: TokenIssued): void {
    let counts = this.#issued.get(event.grantType);
    if (counts === undefined || event.slot >= counts.length) this.#issued.set(event.grantType, (counts = fitted(counts ?? new Float64Array(0), event.slot)));
    // `fitted` above made the array longer than the slot.
    counts[event.slot]! += 1;
  }

  refused(event: TokenRefused): void {
    this.#refused.add(event.tenantId, event.error, event.clientId ?? '');
  }

  quotaExceeded(event: TokenQuotaExceeded): void {
    this.#overQuota.add(event.tenantId, event.clientId, event.period);
  }

  /** The recorder of one listener's request durations (build it once per listener). */
  requestDurations(listener: ListenerName): RequestDurations {
    return new RequestDurations(this.#durations, listener);
  }

  /** What `/metrics` answers. */
  render(): Promise<MetricsPage> {
    return this.#render(this.registry);
  }

  #readModelGauges({ clock, readModel, storeHealth }: MetricsSources, registers: Registry[]): void {
    new Gauge({
      name: 'tessera_read_model_tenants',
      help: 'Tenants held in memory by the read model.',
      registers,
      aggregator: 'max',
      collect() {
        this.set(readModel.tenantIds().length);
      },
    });
    new Gauge({
      name: 'tessera_read_model_clients',
      help: 'Clients held in memory by the read model, by tenant.',
      labelNames: ['tenant'],
      registers,
      aggregator: 'max',
      collect() {
        this.reset();
        for (const id of readModel.tenantIds()) this.set({ tenant: id }, readModel.tenant(id)?.clients.size ?? 0);
      },
    });
    new Gauge({
      name: 'tessera_read_model_last_full_load_timestamp_seconds',
      help: 'When the read model last loaded every tenant from the database (Unix time; at start, then every minute with PostgreSQL).',
      registers,
      aggregator: 'min',
      collect() {
        this.set(epochSeconds(readModel.loadedAtMs));
      },
    });
    new Gauge({
      name: 'tessera_read_model_last_sync_timestamp_seconds',
      help: 'When the read model last took in the database: a full load or a change applied (Unix time).',
      registers,
      aggregator: 'min',
      collect() {
        this.set(epochSeconds(readModel.syncedAtMs));
      },
    });
    new Gauge({
      name: 'tessera_read_model_staleness_seconds',
      help: 'Seconds the read model may have been missing changes (database or change feed unavailable, a change that failed to apply); 0 when it holds every change.',
      registers,
      aggregator: 'max',
      collect() {
        const since = [readModel.missedSinceMs, storeHealth.downSinceMs].filter((t): t is number => t !== null);
        this.set(since.length === 0 ? 0 : Math.max(0, clock.now() - Math.min(...since)) / 1000);
      },
    });
  }

  #databaseGauges({ storeHealth, store }: MetricsSources, registers: Registry[]): void {
    new Gauge({
      name: 'tessera_database_up',
      help: "Whether the database can be counted on: it answers queries and, with PostgreSQL, this process hears other processes' changes (1) or not (0).",
      registers,
      aggregator: 'min',
      collect() {
        this.set(storeHealth.available ? 1 : 0);
      },
    });
    // SQLite has no pool: one connection inside the process.
    if (store.pool() === undefined) return;
    const pool = () => store.pool()!;
    new Gauge({
      name: 'tessera_database_pool_max_connections',
      help: 'The most connections the PostgreSQL pool opens (TESSERA_DATABASE_POOL_SIZE).',
      registers,
      collect() {
        this.set(pool().max);
      },
    });
    new Gauge({
      name: 'tessera_database_pool_connections',
      help: 'Open connections of the PostgreSQL pool, by state (in_use, idle).',
      labelNames: ['state'],
      registers,
      collect() {
        const { open, idle } = pool();
        this.set({ state: 'in_use' }, open - idle);
        this.set({ state: 'idle' }, idle);
      },
    });
    new Gauge({
      name: 'tessera_database_pool_waiting_requests',
      help: 'Queries waiting for a free connection of the PostgreSQL pool.',
      registers,
      collect() {
        this.set(pool().waiting);
      },
    });
  }
}
