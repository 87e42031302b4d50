import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/app/config.js';

const pg = { TESSERA_DATABASE_URL: 'postgres://tessera@db.internal/tessera', TESSERA_SECRET: 'ab'.repeat(32) };

describe('settings for several processes (config.ts)', () => {
  it('defaults: a pool of 10, five minutes of outage grace, no proxy trusted', () => {
    const config = loadConfig(pg);
    assert.equal(config.databasePoolSize, 10);
    assert.equal(config.outageGrace, 300);
    assert.equal(config.trustProxy, false);
  });

  it('reads TESSERA_OUTAGE_GRACE and TESSERA_DATABASE_POOL_SIZE, flags first', () => {
    assert.equal(loadConfig({ ...pg, TESSERA_OUTAGE_GRACE: '0' }).outageGrace, 0);
    assert.equal(loadConfig({ ...pg, TESSERA_OUTAGE_GRACE: '30' }, { outageGrace: '90' }).outageGrace, 90);
    assert.equal(loadConfig({ ...pg, TESSERA_DATABASE_POOL_SIZE: '25' }).databasePoolSize, 25);
  });

  it('reads TESSERA_TRUST_PROXY as true, false, a hop count, or addresses and CIDR ranges', () => {
    const trust = (value: string) => loadConfig({ ...pg, TESSERA_TRUST_PROXY: value }).trustProxy;
    assert.equal(trust('true'), true);
    assert.equal(trust('false'), false);
    assert.equal(trust('2'), 2);
    assert.deepEqual(trust('10.0.0.0/8, 127.0.0.1,::1,fd00::/8'), ['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8']);
  });

  it('reads TESSERA_OUTBOUND_ALLOW (--outbound-allow) as host names, addresses and CIDR ranges; none by default', () => {
    assert.deepEqual(loadConfig(pg).outboundAllow, []);
    assert.deepEqual(loadConfig({ ...pg, TESSERA_OUTBOUND_ALLOW: 'keys.internal, 10.0.0.0/8,127.0.0.1,fd00::/8,[::1]' }).outboundAllow, [
      'keys.internal',
      '10.0.0.0/8',
      '127.0.0.1',
      'fd00::/8',
      '[::1]',
    ]);
    assert.deepEqual(loadConfig({ ...pg, TESSERA_OUTBOUND_ALLOW: '10.0.0.0/8' }, { outboundAllow: '192.168.0.0/16' }).outboundAllow, ['192.168.0.0/16']);
  });

  it('reads TESSERA_FEDERATION_TOKEN_FILES (--federation-token-files) as absolute paths; none by default', () => {
    assert.deepEqual(loadConfig(pg).federationTokenFiles, []);
    assert.deepEqual(loadConfig({ ...pg, TESSERA_FEDERATION_TOKEN_FILES: '/var/run/secrets/tokens/cluster, /etc/tessera/tokens/' }).federationTokenFiles, [
      '/var/run/secrets/tokens/cluster',
      '/etc/tessera/tokens/',
    ]);
    assert.deepEqual(loadConfig(pg, { federationTokenFiles: '/run/token' }).federationTokenFiles, ['/run/token']);
  });

  it('refuses wrong values, naming the variable', () => {
    const cases: [string, string, RegExp][] = [
      ['TESSERA_OUTAGE_GRACE', '-1', /^TESSERA_OUTAGE_GRACE must be a number of seconds, got "-1"$/],
      ['TESSERA_OUTAGE_GRACE', '5m', /^TESSERA_OUTAGE_GRACE must be a number of seconds/],
      ['TESSERA_DATABASE_POOL_SIZE', '1', /^TESSERA_DATABASE_POOL_SIZE must be a number of connections from 2 to 1000, got "1"$/],
      ['TESSERA_DATABASE_POOL_SIZE', 'many', /^TESSERA_DATABASE_POOL_SIZE must be/],
      ['TESSERA_TRUST_PROXY', 'yes', /^TESSERA_TRUST_PROXY must be true, false, a number of proxy hops, or IP addresses and CIDR ranges/],
      ['TESSERA_TRUST_PROXY', '10.0.0.0/33', /^TESSERA_TRUST_PROXY must be/],
      ['TESSERA_TRUST_PROXY', 'proxy.internal', /^TESSERA_TRUST_PROXY must be/],
      [
        'TESSERA_OUTBOUND_ALLOW',
        '10.0.0.0/8,https://keys.internal',
        /^TESSERA_OUTBOUND_ALLOW must be host names, IP addresses and CIDR ranges separated by commas: "https:\/\/keys.internal" is not a host name, IP address or CIDR range$/,
      ],
      ['TESSERA_OUTBOUND_ALLOW', '10.0.0.0/33', /^TESSERA_OUTBOUND_ALLOW must be .*"10.0.0.0\/33" is not/],
      [
        'TESSERA_FEDERATION_TOKEN_FILES',
        '/run/token,tokens/cluster',
        /^TESSERA_FEDERATION_TOKEN_FILES must be absolute paths \(a directory ends in \/\) separated by commas, got "tokens\/cluster"$/,
      ],
      ['TESSERA_FEDERATION_TOKEN_FILES', '/run/../etc/shadow', /^TESSERA_FEDERATION_TOKEN_FILES must be .*got "\/run\/..\/etc\/shadow"$/],
      ['TESSERA_METRICS_TOKEN', 'short', /^TESSERA_METRICS_TOKEN must be 32 to 512 printable ASCII characters, without spaces$/],
      ['TESSERA_METRICS_TOKEN', `${'a'.repeat(20)} ${'b'.repeat(20)}`, /^TESSERA_METRICS_TOKEN must be/],
    ];
    for (const [variable, value, message] of cases) {
      assert.throws(
        () => loadConfig({ ...pg, [variable]: value }),
        (err: unknown) => err instanceof ConfigError && message.test(err.message),
        `${variable}=${value}`,
      );
    }
  });

  it('reads TESSERA_CLIENT_CERT_HEADER (--client-cert-header): off by default, client-cert only with TESSERA_TRUST_PROXY', () => {
    assert.equal(loadConfig(pg).clientCertHeader, 'off');
    assert.equal(loadConfig({ ...pg, TESSERA_CLIENT_CERT_HEADER: 'client-cert', TESSERA_TRUST_PROXY: '10.0.0.5' }).clientCertHeader, 'client-cert');
    assert.equal(loadConfig({ ...pg, TESSERA_TRUST_PROXY: '10.0.0.5' }, { clientCertHeader: 'client-cert' }).clientCertHeader, 'client-cert');
    assert.equal(loadConfig({ ...pg, TESSERA_CLIENT_CERT_HEADER: 'off' }).clientCertHeader, 'off');
    const refused: [Record<string, string>, string][] = [
      [
        { TESSERA_CLIENT_CERT_HEADER: 'client-cert' },
        'TESSERA_CLIENT_CERT_HEADER=client-cert requires TESSERA_TRUST_PROXY: the header is read only from trusted proxies',
      ],
      [
        { TESSERA_CLIENT_CERT_HEADER: 'client-cert', TESSERA_TRUST_PROXY: 'false' },
        'TESSERA_CLIENT_CERT_HEADER=client-cert requires TESSERA_TRUST_PROXY: the header is read only from trusted proxies',
      ],
      [
        { TESSERA_CLIENT_CERT_HEADER: 'x-ssl-cert', TESSERA_TRUST_PROXY: '10.0.0.5' },
        'TESSERA_CLIENT_CERT_HEADER must be off or client-cert, got "x-ssl-cert"',
      ],
    ];
    for (const [env, message] of refused)
      assert.throws(
        () => loadConfig({ ...pg, ...env }),
        (err: unknown) => err instanceof ConfigError && err.message === message,
        JSON.stringify(env),
      );
  });

  it('runs one worker per core unless TESSERA_WORKERS or --workers says otherwise', () => {
    assert.equal(loadConfig(pg).workers, availableParallelism());
    assert.equal(loadConfig({ ...pg, TESSERA_WORKERS: 'auto' }).workers, availableParallelism());
    assert.equal(loadConfig({ ...pg, TESSERA_WORKERS: '1' }).workers, 1);
    assert.equal(loadConfig({ ...pg, TESSERA_WORKERS: '8' }, { workers: '3' }).workers, 3);
    for (const wrong of ['0', '65', 'many', '-2', '1.5']) {
      assert.throws(
        () => loadConfig({ ...pg, TESSERA_WORKERS: wrong }),
        (err: Error) => err instanceof ConfigError && /TESSERA_WORKERS/.test(err.message),
        wrong,
      );
    }
  });

  it('reads TESSERA_METRICS_TOKEN from the environment only', () => {
    assert.equal(loadConfig(pg).metricsToken, undefined);
    assert.equal(loadConfig({ ...pg, TESSERA_METRICS_TOKEN: 'm'.repeat(32) }).metricsToken, 'm'.repeat(32));
  });

  it('limits connections by default, reads TESSERA_HTTP_* and TESSERA_SHUTDOWN_TIMEOUT, and refuses wrong values naming the variable', () => {
    const config = loadConfig(pg);
    assert.deepEqual(
      [
        config.httpRequestTimeout,
        config.httpHeadersTimeout,
        config.httpKeepAliveTimeout,
        config.httpMaxConnections,
        config.httpMaxRequestsPerSocket,
        config.shutdownTimeout,
      ],
      [10, 5, 5, 10_000, 0, 10],
    );
    assert.equal(loadConfig({ ...pg, TESSERA_HTTP_REQUEST_TIMEOUT: '3' }).httpHeadersTimeout, 3, 'the headers timeout follows a shorter request timeout');
    assert.equal(loadConfig({ ...pg, TESSERA_HTTP_MAX_CONNECTIONS: '500' }, { httpMaxConnections: '20' }).httpMaxConnections, 20);
    assert.throws(
      () => loadConfig({ ...pg, TESSERA_HTTP_REQUEST_TIMEOUT: '10', TESSERA_HTTP_HEADERS_TIMEOUT: '20' }),
      (err: Error) => err instanceof ConfigError && err.message === 'TESSERA_HTTP_HEADERS_TIMEOUT (20) must not exceed TESSERA_HTTP_REQUEST_TIMEOUT (10)',
    );
    const wrong: [string, string][] = [
      ['TESSERA_HTTP_REQUEST_TIMEOUT', '0'],
      ['TESSERA_HTTP_HEADERS_TIMEOUT', '1.5'],
      ['TESSERA_HTTP_KEEP_ALIVE_TIMEOUT', '5s'],
      ['TESSERA_HTTP_MAX_CONNECTIONS', '0'],
      ['TESSERA_HTTP_MAX_REQUESTS_PER_SOCKET', '-1'],
      ['TESSERA_SHUTDOWN_TIMEOUT', '3601'],
    ];
    for (const [name, value] of wrong) {
      assert.throws(
        () => loadConfig({ ...pg, [name]: value }),
        (err: Error) => err instanceof ConfigError && err.message.startsWith(`${name} must be`),
        `${name}=${value}`,
      );
    }
  });

  it('runs upkeep every 60 seconds by default, reads TESSERA_UPKEEP_INTERVAL and --upkeep-interval, and refuses wrong values naming the variable', () => {
    assert.equal(loadConfig(pg).upkeepInterval, 60);
    assert.equal(loadConfig({ ...pg, TESSERA_UPKEEP_INTERVAL: '1' }).upkeepInterval, 1);
    assert.equal(loadConfig({ ...pg, TESSERA_UPKEEP_INTERVAL: '30' }, { upkeepInterval: '5' }).upkeepInterval, 5, 'the flag wins');
    for (const wrong of ['0', '3601', '1.5', '1m']) {
      assert.throws(
        () => loadConfig({ ...pg, TESSERA_UPKEEP_INTERVAL: wrong }),
        (err: Error) =>
          err instanceof ConfigError && err.message === `TESSERA_UPKEEP_INTERVAL must be a whole number from 1 to 3600 seconds, got ${JSON.stringify(wrong)}`,
        wrong,
      );
    }
  });

  it('syncs token quota counts every 30 seconds by default, reads TESSERA_QUOTA_SYNC_INTERVAL and --quota-sync-interval, refuses wrong values', () => {
    assert.equal(loadConfig(pg).quotaSyncInterval, 30);
    assert.equal(loadConfig({ ...pg, TESSERA_QUOTA_SYNC_INTERVAL: '1' }).quotaSyncInterval, 1);
    assert.equal(loadConfig({ ...pg, TESSERA_QUOTA_SYNC_INTERVAL: '60' }, { quotaSyncInterval: '5' }).quotaSyncInterval, 5, 'the flag wins');
    for (const wrong of ['0', '61', '1.5']) {
      assert.throws(
        () => loadConfig({ ...pg, TESSERA_QUOTA_SYNC_INTERVAL: wrong }),
        (err: Error) =>
          err instanceof ConfigError && err.message === `TESSERA_QUOTA_SYNC_INTERVAL must be a whole number from 1 to 60 seconds, got ${JSON.stringify(wrong)}`,
        wrong,
      );
    }
  });

  it('allows loopback admin mode only on a loopback admin host, with the message configuration.md gives', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '::ffff:127.0.0.1']) {
      assert.equal(loadConfig({ ...pg, TESSERA_ADMIN_AUTH: 'loopback', TESSERA_ADMIN_HOST: host }).adminHost, host);
    }
    for (const host of ['0.0.0.0', '10.0.0.5', '::', 'admin.internal']) {
      assert.throws(
        () => loadConfig({ ...pg, TESSERA_ADMIN_AUTH: 'loopback' }, { adminHost: host }),
        (err: Error) => err instanceof ConfigError && err.message === 'TESSERA_ADMIN_AUTH=loopback requires TESSERA_ADMIN_HOST to be a loopback address',
        host,
      );
    }
  });

  it('still requires TESSERA_SECRET with PostgreSQL', () => {
    assert.throws(() => loadConfig({ TESSERA_DATABASE_URL: pg.TESSERA_DATABASE_URL }), /TESSERA_SECRET is required with PostgreSQL/);
  });
});
