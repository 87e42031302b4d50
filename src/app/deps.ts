import { randomUUID, type X509Certificate } from 'node:crypto';
import type { Logger } from 'pino';
import { AdminTokensService } from '../domain/admin-tokens/service.js';
import { ApisService } from '../domain/apis/service.js';
import { AuditService } from '../domain/audit/service.js';
import { LocalChangeFeed, RelayedChangeFeed, type Change, type ChangeFeed } from '../domain/changes.js';
import { ClientAssertionJtis } from '../domain/clients/assertion-jtis.js';
import { ClientKeys } from '../domain/clients/remote-keys.js';
import { ConfigurationService } from '../domain/configuration/service.js';
import { ClientsService } from '../domain/clients/service.js';
import { FederatedKeys } from '../domain/federation/issuer-keys.js';
import type { DomainContext } from '../domain/context.js';
import { FederatedAssertionJtis } from '../domain/federation/assertion-jtis.js';
import { FederatedIssuersService } from '../domain/federation/service.js';
import { GrantsService } from '../domain/grants/service.js';
import { KeyRotation } from '../domain/keys/rotation.js';
import { KeysService } from '../domain/keys/service.js';
import { SecretUsage, type SecretUses } from '../domain/clients/secret-usage.js';
import { ReadModel } from '../domain/read-model/read-model.js';
import { RevocationsService } from '../domain/revocations/service.js';
import { ServiceAccountsService } from '../domain/service-accounts/service.js';
import type { Services } from '../domain/services.js';
import { Issuers } from '../domain/tenants/issuers.js';
import { TenantsService } from '../domain/tenants/service.js';
import { TokenActivity, type ActivityTaken } from '../domain/token-activity/activity.js';
import { QuotaCounts, type QuotaShare, type QuotaShared } from '../domain/quotas/counts.js';
import { QuotaSync } from '../domain/quotas/sync.js';
import type { QuotaCount } from '../domain/quotas/model.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { ExpiringSet } from '../lib/expiring-set.js';
import { nodeJwtVerifier, type JwtVerifier } from '../lib/jwt-verifier.js';
import { presentAuditEvent } from '../http/admin/present.js';
import { auditLog } from '../observability/audit-log.js';
import { Metrics, type MetricsOptions } from '../observability/metrics.js';
import { BruteForceGuard, type AuthAttempt, type Lockout } from '../protocol/brute-force.js';
import { loggedClientId } from '../protocol/client-auth/id-hint.js';
import type { DpopReplayCache } from '../protocol/dpop.js';
import type { TokenEndpointDeps } from '../protocol/token-endpoint.js';
import type { FederationDeps } from '../protocol/client-auth/federated.js';
import { TrustAnchors } from '../protocol/client-auth/trust-anchors.js';
import { clientCaBundle } from './tls-reload.js';
import { clientCredentials } from '../protocol/grant-types/client-credentials.js';
import { jwtBearer } from '../protocol/grant-types/jwt-bearer.js';
import { GrantTypeRegistry } from '../protocol/grant-types/registry.js';
import { tokenExchange } from '../protocol/grant-types/token-exchange.js';
import { TokenEvents } from '../protocol/token-events.js';
import { openStore, type Store } from '../storage/database.js';
import { StoreHealth } from '../storage/health.js';
import { migrateToLatest } from '../storage/migrations/index.js';
import { PostgresChangeFeed } from '../storage/postgres-change-feed.js';
import type { Config } from './config.js';
import { FederatedRefusalAudit } from './federated-refusals.js';
import { createLogger } from './logger.js';
import { readTokenFile } from './token-file.js';
import { pathAllowed } from '../lib/path-allow-list.js';
import { createDocumentFetcher, type ListenerAddress } from './outbound.js';
import { privateDataPaths, warnAboutSharedData } from './private-data.js';
import { resolveKeyEncryptionKey } from './secret.js';
import type { RecordOnceElsewhere } from '../domain/single-use.js';

/** Everything a Tessera process uses, built once here and passed explicitly. */
export interface Deps {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: Store;
  /** Whether the database can be counted on right now (and since when not). */
  readonly storeHealth: StoreHealth;
  readonly changes: ChangeFeed;
  readonly readModel: ReadModel;
  readonly services: Services;
  readonly grantTypes: GrantTypeRegistry;
  readonly issuers: Issuers;
  readonly keyRotation: KeyRotation;
  readonly secretUsage: SecretUsage;
  /** Where the admin listener is (its port once bound): outbound fetches never go there. */
  readonly adminListener: ListenerAddress;
  /** private_key_jwt: clients' keys (jwks_uri cached per process) and the shared jti store. */
  readonly clientAuth: {
    readonly keys: ClientKeys;
    readonly jtis: ClientAssertionJtis;
    readonly verifier: JwtVerifier;
    readonly federation: FederationDeps;
    readonly trustAnchors: TrustAnchors;
  };
  /** Federated issuers' keys (fetched and cached per process). */
  readonly federatedKeys: FederatedKeys;
  /** Federated assertions' single-use jtis (issuers with require_jti), shared through the database. */
  readonly federatedJtis: FederatedAssertionJtis;
  /** DPoP proofs seen within their window (RFC 9449 §11.1): in memory, shared by the processes of a cluster. */
  readonly dpopProofs: DpopReplayCache;
  /** Failed client authentications per client id and address, in this process's memory. */
  readonly bruteForce: BruteForceGuard;
  /** Every outcome of the token endpoint, for in-memory counters (metrics, console activity). */
  readonly tokenEvents: TokenEvents;
  /** What the OAuth endpoints need (grant types, client authentication, DPoP, brute force, events), put together once for every request. */
  readonly tokenEndpoint: TokenEndpointDeps;
  /** What the sibling processes of a cluster hand to this one (unused by a single process). */
  readonly inbox: SiblingInbox;
  /** Prometheus metrics of this process (`/metrics` on the admin listener). */
  readonly metrics: Metrics;
  /** Token endpoint outcomes per tenant, minute and client: counted in memory, flushed once a minute. */
  readonly tokenActivity: TokenActivity;
  /** Token quotas' counts (docs/quotas.md): in memory, told to the cluster's siblings as they change. */
  readonly quotas: QuotaCounts;
  /** Shares this server's quota counts with the other servers through the database (run where the admin listener is). */
  readonly quotaSync: QuotaSync;
  close(): Promise<void>;
}

/** How a process of a cluster (`tessera serve --workers N`) reaches its siblings: src/app/cluster.ts. */
export interface ClusterPeers {
  /** Shared by the cluster's processes: they hear each other directly, not through PostgreSQL. */
  readonly id: string;
  /** Hands a change to every sibling; resolves once they have applied it. */
  relayChange(change: Change): Promise<void>;
  /** Tells every sibling of a failed client authentication. */
  relayAuthFailure(attempt: AuthAttempt): void;
  /** Tells every sibling of a DPoP proof used here (its replay key, kept until `forgetAtMs`). */
  relayDpopProof(key: string, forgetAtMs: number): void;
  /**
   * In a worker: hands what it counted (secret use, token activity) to the primary, which writes
   * it, so that one process writes them, not one per worker contending for the embedded store's
   * lock while serving tokens. Resolves with what could not be handed over (the primary is gone).
   */
  readonly handOverUsage?: (usage: UsageCounts) => Promise<UsageCounts[]>;
  /**
   * In a primary: asks every worker for what it counted and resolves once each has handed it over
   * (or left, or timed out), so that the minute's write holds every process's counts.
   */
  readonly collectUsage?: () => Promise<void>;
  /** Tells the siblings the quota counts added here (a worker: to its primary, with the windows it saw crossed). */
  relayQuota(counts: QuotaShare): void;
  /**
   * In a worker: records a single-use value (an assertion's jti) through the primary, so that the
   * token path's one write comes from one process, not from every worker contending for the
   * embedded store's lock (a worker waiting for it stalls its event loop). Rejects with
   * StoreUnavailable when the primary cannot record it.
   */
  readonly recordOnce?: RecordOnceElsewhere;
  /** In a primary, after a quota sync: gives every worker the server's counts and the other servers'. */
  readonly shareQuotaBaseline?: (baseline: QuotaBaseline) => void;
}

/** Every current window's count of this server and of the other servers (QuotaCounts.baseline). */
export interface QuotaBaseline {
  server: QuotaCount[];
  remote: QuotaCount[];
}

/** What a process counts in memory and writes once a minute. */
export interface UsageCounts {
  secrets: SecretUses;
  activity: ActivityTaken;
}

/** Receives what sibling processes relay. */
export interface SiblingInbox {
  change(change: Change): Promise<void>;
  authFailure(attempt: AuthAttempt): void;
  dpopProof(key: string, forgetAtMs: number): void;
  /** Usage counted by a worker, to be written by this process. */
  usage(usage: UsageCounts): void;
  /** Quota counts a sibling added (and, from a worker, the windows it saw crossed). */
  quota(shared: QuotaShared): void;
  /** The primary's quota counts after a sync. */
  quotaBaseline(baseline: QuotaBaseline): void;
}

/** How often each process reloads its whole read model, as a safety net behind the change feed. */
export const READ_MODEL_RESYNC_MS = 60_000;

export interface DepsOptions {
  clock?: Clock;
  logger?: Logger;
  /** Set in a process of a cluster. */
  cluster?: ClusterPeers;
  /** How `/metrics` renders (by default this process's registry alone). */
  metrics?: MetricsOptions;
  /** Imports keys from outside and checks JWT signatures (DPoP proofs, client assertions); node:crypto's (nodeJwtVerifier) by default. */
  jwtVerifier?: JwtVerifier;
}

/** Opens the store, runs migrations and wires every service. Loads nothing into memory yet. */
export async function createDeps(config: Config, options: DepsOptions = {}): Promise<Deps> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const storeHealth = new StoreHealth(clock);
  storeHealth.onChange((available, cause) => {
    if (available) logger.info('the database is available again');
    else logger.warn({ err: cause }, 'the database is unavailable');
  });
  const store = openStore(config.databaseUrl, { poolSize: config.databasePoolSize, health: storeHealth });
  try {
    const applied = await store.exclusively('migrations', () => migrateToLatest(store.db));
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    const kek = resolveKeyEncryptionKey(config, store.sqlitePath);
    if (store.sqlitePath) warnAboutSharedData(privateDataPaths(store.sqlitePath, !config.secret), logger);
    // With PostgreSQL other processes share the database: changes go to them through it.
    const shared: ChangeFeed =
      store.dialect === 'postgres'
        ? new PostgresChangeFeed({
            url: config.databaseUrl,
            db: store.db,
            health: storeHealth,
            logger: logger.child({ component: 'change-feed' }),
            resync: async (reason) => {
              // Changes missed while the feed was down may have withdrawn keys: fetch them again.
              if (reason !== 'periodic') {
                clientKeys.forgetAll();
                federatedKeys.forgetAll();
              }
              await readModel.loadAll();
            },
            resyncIntervalMs: READ_MODEL_RESYNC_MS,
            ...(options.cluster ? { origin: options.cluster.id } : {}),
          })
        : new LocalChangeFeed();
    const relayed = options.cluster ? new RelayedChangeFeed(shared, (change) => options.cluster!.relayChange(change)) : null;
    const changes: ChangeFeed = relayed ?? shared;
    const ctx: DomainContext = { db: store.db, clock, changes, kek, auditTrail: auditLog(logger, presentAuditEvent) };
    const readModel = new ReadModel(ctx);
    changes.subscribe((change) => readModel.apply(change));
    const tokenFiles = { paths: config.federationTokenFiles, settingName: 'TESSERA_FEDERATION_TOKEN_FILES' };
    // A changed, deleted or re-created client's fetched keys go at once, in every process the change reaches.
    const adminListener: ListenerAddress = { port: config.adminPort };
    const documents = createDocumentFetcher(config, adminListener, logger.child({ component: 'outbound' }));
    const clientKeys = new ClientKeys({ clock, load: (uri) => documents.fetchJson(uri) });
    changes.subscribe(async (change) => clientKeys.forget(change));
    const federatedKeys = new FederatedKeys({
      clock,
      documents,
      // Checked again at every read: the list may have changed since the issuer was registered.
      readFile: (path) =>
        pathAllowed(path, config.federationTokenFiles)
          ? readTokenFile(path)
          : Promise.reject(
              Object.assign(new Error(`${path} is not in TESSERA_FEDERATION_TOKEN_FILES`), { code: 'not listed in TESSERA_FEDERATION_TOKEN_FILES' }),
            ),
      onRefreshFailure: (issuer, reason) =>
        logger.warn({ tenant: issuer.tenantId, federated_issuer: issuer.id, reason }, 'federated issuer keys not refreshed; the cached keys are used'),
    });
    changes.subscribe(async (change) => federatedKeys.forget(change));
    const federatedJtis = new FederatedAssertionJtis(ctx, options.cluster?.recordOnce);
    const metrics = new Metrics({ clock, readModel, storeHealth, store }, options.metrics);
    const tokenEvents = new TokenEvents();
    tokenEvents.add(metrics);
    const audit = new AuditService(ctx);
    const tokenActivity = new TokenActivity(store.db, clock, readModel.slots);
    const secretUsage = new SecretUsage(store.db, clock, readModel.slots);
    const quotas = new QuotaCounts(readModel.slots, options.cluster ? (counts) => options.cluster!.relayQuota(counts) : undefined);
    // A cluster's processes count as one server.
    const quotaSync = new QuotaSync(ctx, quotas, options.cluster?.id ?? randomUUID());
    tokenEvents.add({
      issued: (e) => tokenActivity.record(e.tenantId, e.slot, 'issued'),
      refused: (e) => tokenActivity.record(e.tenantId, e.slot, e.error === 'invalid_client' ? 'auth_failure' : 'other_refusal'),
    });
    const bruteForce = new BruteForceGuard({
      clock,
      limits: { maxFailures: config.bruteForceMaxFailures, windowSeconds: config.bruteForceWindow },
      onLockout: (lockout) => recordLockout(lockout, audit, logger),
      // A client of the tenant by its id; anything else (perhaps a secret sent as the id) by a hint.
      describeClient: (tenantId, clientId) => loggedClientId(clientId, readModel.tenant(tenantId)?.clients.has(clientId) ?? false),
      ...(options.cluster ? { onFailure: (attempt: AuthAttempt) => options.cluster!.relayAuthFailure(attempt) } : {}),
    });
    // DPoP proofs seen here, and (in a cluster) told to the siblings as they are used, so that a
    // proof replayed to another worker is refused there too.
    const dpopSeen = new ExpiringSet();
    const dpopProofs: DpopReplayCache = options.cluster
      ? {
          has: (key, nowMs) => dpopSeen.has(key, nowMs),
          add: (key, forgetAtMs, nowMs) => {
            const fresh = dpopSeen.add(key, forgetAtMs, nowMs);
            if (fresh) options.cluster!.relayDpopProof(key, forgetAtMs);
            return fresh;
          },
        }
      : dpopSeen;
    const inbox: SiblingInbox = {
      change: (change) => (relayed ? relayed.deliver(change) : Promise.resolve()),
      authFailure: (attempt) => bruteForce.recordRelayedFailure(attempt),
      dpopProof: (key, forgetAtMs) => void dpopSeen.add(key, forgetAtMs, clock.now()),
      usage: ({ secrets, activity }) => {
        secretUsage.merge(secrets);
        tokenActivity.merge(activity);
      },
      quota: (shared) => quotas.merge(shared, clock.now()),
      quotaBaseline: (baseline) => quotas.applyBaseline(baseline, clock.now()),
    };
    const issuers = new Issuers(config.publicUrl, config.tenantHost);
    const verifier = options.jwtVerifier ?? nodeJwtVerifier();
    const federation: FederationDeps = {
      keys: federatedKeys,
      jtis: federatedJtis,
      verifier,
      refusals: new FederatedRefusalAudit(clock, audit, logger),
    };
    const grantTypes = new GrantTypeRegistry().register(clientCredentials).register(jwtBearer(federation)).register(tokenExchange(federation));
    // TESSERA_TLS_CLIENT_CA (config checked it), reloaded when the file changes and on SIGHUP.
    const clientCas = config.tlsClientCa === undefined ? null : clientCaBundle(config.tlsClientCa, logger);
    const noClientCas: readonly X509Certificate[] = [];
    const clientAuth = {
      keys: clientKeys,
      jtis: new ClientAssertionJtis(ctx, options.cluster?.recordOnce),
      verifier,
      federation,
      trustAnchors: new TrustAnchors(clientCas ? clientCas.current : () => noClientCas),
    };
    return {
      config,
      logger,
      clock,
      store,
      storeHealth,
      changes,
      readModel,
      services: {
        tenants: new TenantsService(ctx),
        serviceAccounts: new ServiceAccountsService(ctx),
        clients: new ClientsService(ctx, documents),
        federatedIssuers: new FederatedIssuersService(ctx, documents, issuers, tokenFiles),
        apis: new ApisService(ctx),
        grants: new GrantsService(ctx),
        keys: new KeysService(ctx),
        adminTokens: new AdminTokensService(ctx),
        audit,
        revocations: new RevocationsService(ctx),
        configuration: new ConfigurationService(ctx, documents, issuers, tokenFiles),
      },
      grantTypes,
      issuers,
      bruteForce,
      keyRotation: new KeyRotation(ctx, { intervalSeconds: config.keyRotationInterval, publishAheadSeconds: config.keyPublishAhead }),
      secretUsage,
      adminListener,
      clientAuth,
      federatedKeys,
      federatedJtis,
      dpopProofs,
      tokenEvents,
      tokenEndpoint: { grantTypes, clock, clientAuth, dpopProofs, guard: bruteForce, verifier, events: tokenEvents, quotas },
      inbox,
      metrics,
      tokenActivity,
      quotas,
      quotaSync,
      close: async () => {
        clientCas?.close();
        await changes.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** One audit event (`client.auth.locked`) and one log line per lockout; a failed write is logged, never thrown at the request. */
function recordLockout(lockout: Lockout, audit: AuditService, logger: Logger): void {
  const { kind, tenantId, target, failures, windowSeconds } = lockout;
  logger.warn({ kind, tenant: tenantId, target, failures, window: windowSeconds }, 'client authentication locked');
  audit
    .record({
      tenantId,
      actor: { id: 'system', reason: 'brute-force protection' },
      action: 'client.auth.locked',
      targetType: kind,
      targetId: target,
      details: { failures, window: windowSeconds },
    })
    .catch((err: unknown) => logger.error({ err, target }, 'could not write the audit event of a lockout'));
}
