import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { createClient, createOk } from '../helpers/fixtures.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { parsePrometheus, valueOf, type Sample } from '../helpers/prometheus.js';
import { basic, startTessera, type TestTessera } from '../helpers/tessera.js';

const AUD = 'https://metered.test';
const METRICS_TOKEN = `scrape-${randomBytes(24).toString('hex')}`;
const MADE_UP = 'made-up-client-4711';

describeEachDialect('metrics: /metrics on the admin listener', (dialect) => {
  let t: TestTessera;
  let secret: string;

  const scrape = async (token: string | null = METRICS_TOKEN) => t.admin('GET', '/metrics', undefined, { token });
  const samples = async (): Promise<{ text: string; samples: Sample[] }> => {
    const res = await scrape();
    assert.equal(res.status, 200, res.text);
    return { text: res.text, samples: parsePrometheus(res.text) };
  };

  before(async () => {
    t = await startTessera({ dialect, env: { TESSERA_METRICS_TOKEN: METRICS_TOKEN } });
    ({ secret } = await createClient(t, { client_id: 'metered', audience: [AUD], scope: 'read' }));
    const token = (path: string, clientId: string, clientSecret: string, params: Record<string, string> = {}) =>
      t.form(path, { grant_type: 'client_credentials', ...params }, { authorization: basic(clientId, clientSecret) });
    assert.equal((await token('/oauth2/token', 'metered', secret)).status, 200);
    assert.equal((await token('/oauth/token', 'metered', secret)).status, 200);
    assert.equal((await token('/oauth2/token', 'metered', `${secret}x`)).status, 401);
    assert.equal((await token('/oauth2/token', MADE_UP, secret)).status, 401);
    assert.equal((await token('/oauth2/token', 'metered', secret, { scope: 'write' })).status, 400);
    assert.equal((await t.publicFetch('/no-such-path-8812?x=1')).status, 404);
    await createOk(t, '/tenants', { id: 'second' });
    const other = await createClient(t, { client_id: 'elsewhere', audience: [AUD] }, 'second');
    assert.equal((await token('/t/second/oauth2/token', 'elsewhere', other.secret)).status, 200);
  });
  after(() => t.close());

  it('answers the Prometheus text format, not cached', async () => {
    const res = await scrape();
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.ok(parsePrometheus(res.text).length > 0);
    assert.match(res.text, /^# HELP tessera_tokens_issued_total /m);
    assert.match(res.text, /^# TYPE tessera_http_request_duration_seconds histogram$/m);
  });

  it('counts tokens issued and refused by tenant, client and reason', async () => {
    const { samples: s } = await samples();
    assert.equal(valueOf(s, 'tessera_tokens_issued_total', { tenant: 'default', client_id: 'metered', grant_type: 'client_credentials' }), 2);
    assert.equal(valueOf(s, 'tessera_tokens_issued_total', { tenant: 'second', client_id: 'elsewhere', grant_type: 'client_credentials' }), 1);
    assert.equal(valueOf(s, 'tessera_token_requests_refused_total', { tenant: 'default', client_id: 'metered', error: 'invalid_client' }), 1);
    assert.equal(valueOf(s, 'tessera_token_requests_refused_total', { tenant: 'default', client_id: 'metered', error: 'invalid_scope' }), 1);
    // A client the tenant does not have is counted without its made-up id.
    assert.equal(valueOf(s, 'tessera_token_requests_refused_total', { tenant: 'default', client_id: '', error: 'invalid_client' }), 1);
  });

  it('never turns a made-up client id or a raw URL into a label', async () => {
    const { text, samples: s } = await samples();
    assert.ok(!text.includes(MADE_UP), 'the made-up client id is a label value');
    assert.ok(!text.includes('no-such-path-8812'), 'the raw URL is a label value');
    assert.ok(!s.some((x) => x.labels.route?.includes('second')), 'a tenant id in a route label');
  });

  it('times requests per listener, method, route pattern and status', async () => {
    const { samples: s } = await samples();
    const count = (listener: string, method: string, route: string, status: string) =>
      valueOf(s, 'tessera_http_request_duration_seconds_count', { listener, method, route, status_code: status });
    assert.equal(count('public', 'POST', '/oauth2/token', '200'), 1);
    assert.equal(count('public', 'POST', '/oauth/token', '200'), 1);
    assert.equal(count('public', 'POST', '/oauth2/token', '401'), 2);
    assert.equal(count('public', 'POST', '/oauth2/token', '400'), 1);
    assert.equal(count('public', 'POST', '/t/:tenant/oauth2/token', '200'), 1);
    assert.equal(count('public', 'GET', 'unmatched', '404'), 1);
    assert.equal(count('admin', 'POST', '/clients', '201'), 1);
    assert.equal(count('admin', 'POST', '/tenants/:tenant/clients', '201'), 1);
    // Buckets are cumulative, end with +Inf = count, and the sum is a plausible duration.
    const series = { listener: 'public', method: 'POST', route: '/oauth2/token', status_code: '401' };
    const buckets = s.filter((x) => x.name === 'tessera_http_request_duration_seconds_bucket' && Object.entries(series).every(([k, v]) => x.labels[k] === v));
    assert.equal(buckets.length, 14);
    assert.deepEqual(
      buckets.map((b) => b.value),
      [...buckets.map((b) => b.value)].sort((a, b) => a - b),
    );
    assert.equal(buckets.at(-1)!.labels.le, '+Inf');
    assert.equal(buckets.at(-1)!.value, 2);
    const sum = valueOf(s, 'tessera_http_request_duration_seconds_sum', series)!;
    assert.ok(sum > 0 && sum < 20, `sum ${sum}`);
  });

  it('reports the read model: tenants, clients per tenant, last load and staleness', async () => {
    const { samples: s } = await samples();
    assert.equal(valueOf(s, 'tessera_read_model_tenants'), 2);
    assert.equal(valueOf(s, 'tessera_read_model_clients', { tenant: 'default' }), 1);
    assert.equal(valueOf(s, 'tessera_read_model_clients', { tenant: 'second' }), 1);
    const loaded = valueOf(s, 'tessera_read_model_last_full_load_timestamp_seconds')!;
    const synced = valueOf(s, 'tessera_read_model_last_sync_timestamp_seconds')!;
    const now = Date.now() / 1000;
    assert.ok(loaded > now - 600 && loaded <= now, `loaded ${loaded}`);
    assert.ok(synced >= loaded && synced <= now, 'the changes made since the load were applied later');
    assert.equal(valueOf(s, 'tessera_read_model_staleness_seconds'), 0);
  });

  it(`reports the database${dialect === 'postgres' ? ' and its connection pool' : ' (SQLite: no pool)'}`, async () => {
    const { samples: s } = await samples();
    assert.equal(valueOf(s, 'tessera_database_up'), 1);
    if (dialect === 'postgres') {
      assert.equal(valueOf(s, 'tessera_database_pool_max_connections'), 10);
      const inUse = valueOf(s, 'tessera_database_pool_connections', { state: 'in_use' })!;
      const idle = valueOf(s, 'tessera_database_pool_connections', { state: 'idle' })!;
      assert.ok(inUse >= 0 && idle >= 0 && inUse + idle >= 1 && inUse + idle <= 10, `in use ${inUse}, idle ${idle}`);
      assert.equal(valueOf(s, 'tessera_database_pool_waiting_requests'), 0);
    } else {
      assert.ok(!s.some((x) => x.name.startsWith('tessera_database_pool_')));
    }
  });

  it('includes the process and Node.js metrics', async () => {
    const { samples: s } = await samples();
    for (const name of ['process_cpu_user_seconds_total', 'process_start_time_seconds', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      assert.ok(
        s.some((x) => x.name === name),
        `${name} is missing`,
      );
    }
  });

  it('needs TESSERA_METRICS_TOKEN or an admin token for every tenant', async () => {
    const none = await scrape(null);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="tessera-admin"');
    assert.equal(none.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    assert.equal((await scrape(`${METRICS_TOKEN}x`)).status, 401);
    assert.equal((await scrape(t.adminToken)).status, 200);
    const limited = await createOk(t, '/admin-tokens', { name: 'second only', tenant: 'second' });
    const forbidden = await scrape(limited.token);
    assert.equal(forbidden.status, 403, 'the metrics name every tenant and client');
    // The scraper's token reads the metrics and nothing else.
    assert.equal((await t.admin('GET', '/clients', undefined, { token: METRICS_TOKEN })).status, 401);
    assert.equal((await t.admin('GET', '/tenants/second/clients', undefined, { token: METRICS_TOKEN })).status, 401);
  });

  it('stays out of the OpenAPI document', async () => {
    const doc = await t.admin('GET', '/openapi.json', undefined, { token: null });
    assert.equal(doc.status, 200);
    assert.equal(doc.body.paths['/metrics'], undefined);
  });
});
