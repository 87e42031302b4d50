import type { Logger } from 'pino';
import type { Issuers } from '../domain/tenants/issuers.js';
import type { ReadModel } from '../domain/read-model/read-model.js';
import type { SecretUsage } from '../domain/clients/secret-usage.js';
import type { Services } from '../domain/services.js';
import type { TokenActivity } from '../domain/token-activity/activity.js';
import type { Clock } from '../lib/clock.js';
import type { Metrics } from '../observability/metrics.js';
import type { GrantTypeRegistry } from '../protocol/grant-types/registry.js';
import type { TokenEndpointDeps } from '../protocol/token-endpoint.js';
import type { ConnectionSettings } from './connection-limits.js';

/** The settings the listeners read (TESSERA_* variables, parsed by the composition root). */
export interface HttpSettings extends ConnectionSettings {
  /** `token`: every admin call needs a bearer token; `loopback`: loopback callers may omit it. */
  readonly adminAuth: 'token' | 'loopback';
  /** A bearer token that may read `/metrics` and nothing else. */
  readonly metricsToken: string | undefined;
  /** Seconds the token endpoint keeps serving from memory while the database is unavailable. */
  readonly outageGrace: number;
  /** Which peers' X-Forwarded-For is believed: none (false), all (true), a hop count, or addresses and ranges. */
  readonly trustProxy: boolean | number | readonly string[];
  /** Where client certificates may come from besides the TLS handshake: `client-cert` reads RFC 9440 headers from trusted proxies. */
  readonly clientCertHeader: 'off' | 'client-cert';
}

/**
 * What the HTTP listeners use of a process's dependencies, declared here so that http names no
 * composition code: the process's own dependencies (src/app/deps.ts) satisfy it as they are.
 */
export interface HttpDeps {
  readonly config: HttpSettings;
  readonly logger: Logger;
  readonly clock: Clock;
  /** The database, for the readiness probe. */
  readonly store: { ping(): Promise<void> };
  /** Whether the database can be counted on right now (and since when not). */
  readonly storeHealth: { readonly available: boolean; readonly downSinceMs: number | null };
  readonly services: Services;
  readonly readModel: ReadModel;
  readonly issuers: Issuers;
  readonly secretUsage: SecretUsage;
  readonly tokenActivity: TokenActivity;
  readonly grantTypes: GrantTypeRegistry;
  readonly tokenEndpoint: TokenEndpointDeps;
  readonly metrics: Metrics;
}

/** What the public listener (OAuth endpoints, discovery, JWKS) uses. */
export type PublicAppDeps = Pick<
  HttpDeps,
  'config' | 'logger' | 'clock' | 'storeHealth' | 'readModel' | 'issuers' | 'secretUsage' | 'grantTypes' | 'tokenEndpoint' | 'metrics' | 'services'
>;

/** What the admin listener (admin API, console, probes, metrics) uses; each route picks what it calls. */
export type AdminAppDeps = Omit<HttpDeps, 'grantTypes'>;
