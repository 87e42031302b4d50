import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregatorRegistry } from 'prom-client';
import { ClientSlots } from '../../src/domain/read-model/client-slots.js';
import { Metrics, type MetricsSources } from '../../src/observability/metrics.js';
import { manualClock } from '../helpers/admin.js';
import { parsePrometheus, valueOf } from '../helpers/prometheus.js';

/** A process's metrics over a read model and store health whose state the test sets. */
function metricsOver() {
  const clock = manualClock('2030-01-01T00:00:00.000Z');
  const readModel = {
    tenantIds: () => ['default'],
    tenant: () => undefined,
    loadedAtMs: clock.now(),
    syncedAtMs: clock.now(),
    missedSinceMs: null as number | null,
    slots: new ClientSlots(),
  };
  const storeHealth = { available: true, downSinceMs: null as number | null };
  const sources: MetricsSources = { clock, readModel, storeHealth, store: { pool: () => undefined } };
  return { clock, readModel, storeHealth, sources };
}

const scrape = async (metrics: Metrics) => parsePrometheus((await metrics.render()).body);

describe('metrics: scrape-time gauges and aggregation', () => {
  it('reports staleness from the oldest of a failed change and an unavailable database', async () => {
    const { clock, readModel, storeHealth, sources } = metricsOver();
    const metrics = new Metrics(sources);
    assert.equal(valueOf(await scrape(metrics), 'tessera_read_model_staleness_seconds'), 0);
    storeHealth.available = false;
    storeHealth.downSinceMs = clock.now();
    clock.advance(30_000);
    let s = await scrape(metrics);
    assert.equal(valueOf(s, 'tessera_read_model_staleness_seconds'), 30);
    assert.equal(valueOf(s, 'tessera_database_up'), 0);
    readModel.missedSinceMs = clock.now() - 45_000;
    assert.equal(valueOf(await scrape(metrics), 'tessera_read_model_staleness_seconds'), 45);
    storeHealth.available = true;
    storeHealth.downSinceMs = null;
    readModel.missedSinceMs = null;
    s = await scrape(metrics);
    assert.equal(valueOf(s, 'tessera_read_model_staleness_seconds'), 0);
    assert.equal(valueOf(s, 'tessera_read_model_last_full_load_timestamp_seconds'), Date.parse('2030-01-01T00:00:00.000Z') / 1000);
  });

  it('renders through the renderer it was given (a cluster primary aggregates its workers)', async () => {
    const over = [metricsOver(), metricsOver()];
    const workers = over.map(({ sources }) => new Metrics(sources));
    // Each process numbers its clients its own way: the series are by client id.
    over[1]!.readModel.slots.slotOf('default', 'b');
    for (const [i, { readModel }] of over.entries()) {
      workers[i]!.issued({ tenantId: 'default', clientId: 'a', slot: readModel.slots.slotOf('default', 'a'), grantType: 'client_credentials' });
    }
    workers[1]!.refused({ tenantId: 'default', clientId: null, slot: null, error: 'invalid_client' });
    workers[0]!.requestDurations('public').observe('/oauth2/token', 'POST', 200, 0.002);
    workers[1]!.requestDurations('public').observe('/oauth2/token', 'POST', 200, 0.02);
    const primary = new Metrics(metricsOver().sources, {
      render: async () => {
        const all = await Promise.all(workers.map((w) => w.registry.getMetricsAsJSON()));
        const merged = AggregatorRegistry.aggregate(all);
        return { contentType: merged.contentType, body: await merged.metrics() };
      },
    });
    const s = await scrape(primary);
    assert.equal(valueOf(s, 'tessera_tokens_issued_total', { tenant: 'default', client_id: 'a', grant_type: 'client_credentials' }), 2);
    assert.equal(valueOf(s, 'tessera_token_requests_refused_total', { tenant: 'default', client_id: '', error: 'invalid_client' }), 1);
    const series = { listener: 'public', method: 'POST', route: '/oauth2/token', status_code: '200' };
    assert.equal(valueOf(s, 'tessera_http_request_duration_seconds_count', series), 2);
    assert.equal(valueOf(s, 'tessera_http_request_duration_seconds_bucket', { ...series, le: '0.0025' }), 1);
    assert.equal(valueOf(s, 'tessera_http_request_duration_seconds_bucket', { ...series, le: '0.025' }), 2);
    assert.ok(Math.abs(valueOf(s, 'tessera_http_request_duration_seconds_sum', series)! - 0.022) < 1e-9);
    // Gauges of state every process holds alike are not summed.
    assert.equal(valueOf(s, 'tessera_read_model_tenants'), 1);
    assert.equal(valueOf(s, 'tessera_database_up'), 1);
  });

  it('puts a value on a bucket boundary in that bucket (le is "less than or equal")', async () => {
    const metrics = new Metrics(metricsOver().sources);
    metrics.requestDurations('admin').observe(undefined, 'GET', 404, 0.005);
    const s = await scrape(metrics);
    const series = { listener: 'admin', method: 'GET', route: 'unmatched', status_code: '404' };
    assert.equal(valueOf(s, 'tessera_http_request_duration_seconds_bucket', { ...series, le: '0.0025' }), 0);
    assert.equal(valueOf(s, 'tessera_http_request_duration_seconds_bucket', { ...series, le: '0.005' }), 1);
    assert.equal(valueOf(s, 'tessera_http_request_duration_seconds_bucket', { ...series, le: '+Inf' }), 1);
  });
});
