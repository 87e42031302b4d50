import type { Command } from 'commander';
import type { ConfigFlags } from '../app/config.js';

const FLAGS: [string, keyof ConfigFlags, string][] = [
  ['--database-url <url>', 'databaseUrl', 'sqlite:PATH or postgres://… (TESSERA_DATABASE_URL)'],
  ['--public-url <url>', 'publicUrl', 'external base URL of the public listener (TESSERA_PUBLIC_URL)'],
  ['--public-host <host>', 'publicHost', 'public bind address (TESSERA_PUBLIC_HOST)'],
  ['--public-port <port>', 'publicPort', 'public port (TESSERA_PUBLIC_PORT)'],
  ['--admin-host <host>', 'adminHost', 'admin bind address (TESSERA_ADMIN_HOST)'],
  ['--admin-port <port>', 'adminPort', 'admin port (TESSERA_ADMIN_PORT)'],
  ['--admin-auth <mode>', 'adminAuth', 'token | loopback (TESSERA_ADMIN_AUTH)'],
  ['--tenant-host <pattern>', 'tenantHost', 'host mode, e.g. %s.auth.example.com (TESSERA_TENANT_HOST)'],
  ['--log-level <level>', 'logLevel', 'pino level (TESSERA_LOG_LEVEL)'],
  ['--key-rotation-interval <seconds>', 'keyRotationInterval', 'scheduled signing key rotation, 0 = off (TESSERA_KEY_ROTATION_INTERVAL)'],
  ['--key-publish-ahead <seconds>', 'keyPublishAhead', 'a next key signs only once published this long (TESSERA_KEY_PUBLISH_AHEAD)'],
  [
    '--brute-force-max-failures <n>',
    'bruteForceMaxFailures',
    'failed client authentications per client id or address before a lockout; 0 = off (TESSERA_BRUTE_FORCE_MAX_FAILURES, default 10)',
  ],
  ['--brute-force-window <seconds>', 'bruteForceWindow', 'window of those failures and length of a lockout (TESSERA_BRUTE_FORCE_WINDOW, default 60)'],
  ['--database-pool-size <n>', 'databasePoolSize', 'PostgreSQL connections per process (TESSERA_DATABASE_POOL_SIZE)'],
  ['--outage-grace <seconds>', 'outageGrace', 'keep serving known clients this long while the database is down (TESSERA_OUTAGE_GRACE)'],
  ['--trust-proxy <value>', 'trustProxy', 'true | false | hop count | addresses and CIDRs of your proxies (TESSERA_TRUST_PROXY)'],
  [
    '--outbound-allow <list>',
    'outboundAllow',
    'hosts, addresses and CIDR ranges jwks_uri fetches may reach although not public, http too (TESSERA_OUTBOUND_ALLOW, default none)',
  ],
  [
    '--federation-token-files <list>',
    'federationTokenFiles',
    'token files kubernetes federated issuers may send as bearer_token_file: absolute paths, directories ending in / (TESSERA_FEDERATION_TOKEN_FILES, default none)',
  ],
  ['--workers <n>', 'workers', 'processes serving the public listener: auto (one per core, the default) or 1 to 64 (TESSERA_WORKERS)'],
  [
    '--http-request-timeout <seconds>',
    'httpRequestTimeout',
    'time for a whole request (headers and body) to arrive, then 408 (TESSERA_HTTP_REQUEST_TIMEOUT, default 10)',
  ],
  ['--http-headers-timeout <seconds>', 'httpHeadersTimeout', "time for a request's headers to arrive (TESSERA_HTTP_HEADERS_TIMEOUT, default 5)"],
  [
    '--http-keep-alive-timeout <seconds>',
    'httpKeepAliveTimeout',
    'idle time before a keep-alive connection is closed (TESSERA_HTTP_KEEP_ALIVE_TIMEOUT, default 5)',
  ],
  ['--http-max-connections <n>', 'httpMaxConnections', 'open connections per listener and process (TESSERA_HTTP_MAX_CONNECTIONS, default 10000)'],
  [
    '--http-max-requests-per-socket <n>',
    'httpMaxRequestsPerSocket',
    'requests per connection before it is closed; 0 = no limit (TESSERA_HTTP_MAX_REQUESTS_PER_SOCKET, default 0)',
  ],
  ['--shutdown-timeout <seconds>', 'shutdownTimeout', 'time a shutdown waits for requests in flight (TESSERA_SHUTDOWN_TIMEOUT, default 10)'],
  [
    '--upkeep-interval <seconds>',
    'upkeepInterval',
    'time between rounds of upkeep: writes of token activity and secret use, key rotation, purges (TESSERA_UPKEEP_INTERVAL, default 60)',
  ],
  [
    '--quota-sync-interval <seconds>',
    'quotaSyncInterval',
    "time between writes of this server's token quota counts, which also read the other servers' (TESSERA_QUOTA_SYNC_INTERVAL, default 30)",
  ],
  ['--tls-cert <file>', 'tlsCert', 'PEM certificate (and chain) of the public listener, which then speaks HTTPS only; with --tls-key (TESSERA_TLS_CERT)'],
  ['--tls-key <file>', 'tlsKey', 'PEM private key of --tls-cert; both files are reloaded when they change or on SIGHUP (TESSERA_TLS_KEY)'],
  ['--tls-client-ca <file>', 'tlsClientCa', 'PEM bundle of the CAs trusted for tls_client_auth in every tenant (TESSERA_TLS_CLIENT_CA)'],
  [
    '--client-cert-header <mode>',
    'clientCertHeader',
    'off | client-cert: read RFC 9440 Client-Cert from TESSERA_TRUST_PROXY addresses (TESSERA_CLIENT_CERT_HEADER)',
  ],
];

/**
 * The text printed once when a start generated an admin token (the first start, or a start that
 * found none left): the token, where to use it, the console.
 */
export function generatedTokenBanner(token: string, adminAddress: string, consoleUrl: string, firstStart: boolean): string {
  const why = firstStart ? 'First start: an admin token was generated.' : 'No admin token was left: a new one was generated.';
  return (
    `\n  ${why} It is shown this once; keep it safe.\n\n    ${token}\n\n` +
    `  Use it as: Authorization: Bearer <token>   (admin API at ${adminAddress})\n` +
    `  Web console: ${consoleUrl}   (sign in with this token)\n\n`
  );
}

export function registerServe(program: Command): void {
  const cmd = program.command('serve').description('start the public (4444) and admin (4445) listeners');
  for (const [flag, , help] of FLAGS) cmd.option(flag, help);
  cmd.addHelpText(
    'after',
    '\nSecrets (TESSERA_ADMIN_TOKEN, TESSERA_SECRET) are read from the environment only, never from flags.\n' +
      '\nWith --workers N above 1, a primary process serves the admin listener and N worker processes share the public port.\n' +
      '\nExamples:\n  TESSERA_PUBLIC_URL=https://auth.example.com tessera serve --public-host 0.0.0.0\n  tessera serve --workers 1      # one process for both listeners',
  );
  cmd.action(async (options: Record<string, string>) => {
    // Loaded here, not at the top: the admin commands start without the server and storage modules.
    const [
      { loadConfig },
      { startServer },
      { isClusterWorker, onClusterStop, startClusterPrimary, startClusterWorker },
      { createLogger, flushLogs, writeAmongLogLines },
    ] = await Promise.all([import('../app/config.js'), import('../app/server.js'), import('../app/cluster.js'), import('../app/logger.js')]);
    const flags: ConfigFlags = {};
    for (const [, key] of FLAGS) if (options[key] !== undefined) flags[key] = options[key];
    const config = loadConfig(process.env, flags);
    if (isClusterWorker()) {
      const worker = await startClusterWorker(config, createLogger(config.logLevel).child({ worker: process.pid }));
      let stopping = false;
      const stop = async (why: string) => {
        if (stopping) return;
        stopping = true;
        worker.deps.logger.debug({ why }, 'worker stopping');
        await worker.close();
        await flushLogs(worker.deps.logger);
        process.exit(0);
      };
      onClusterStop((why) => void stop(why));
      // Ctrl-C reaches every process of the group: the primary stops the workers in order.
      process.on('SIGINT', () => {});
      process.on('SIGTERM', () => void stop('SIGTERM'));
      return;
    }
    const server = config.workers > 1 ? await startClusterPrimary(config) : await startServer(config);
    const { logger } = server.deps;
    const consoleUrl = `${server.adminAddress}/console/`;
    // Written among the log lines, after those of the start: the banner stands whole just before the ready line.
    if (server.generatedAdminToken)
      writeAmongLogLines(logger, generatedTokenBanner(server.generatedAdminToken, server.adminAddress, consoleUrl, server.firstStart));
    logger.info(
      { public: server.publicAddress, admin: server.adminAddress, console: consoleUrl, issuer: config.publicUrl, workers: config.workers },
      'Tessera is ready',
    );
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      await server.close();
      await flushLogs(logger);
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
  });
}
