import {
  CONFIG_VERSION,
  type ApiConfig,
  type ClientConfig,
  type ConfigDocument,
  type GrantConfig,
  type ProvidedSecret,
} from '../../domain/configuration/document.js';
import { SCOPE_TOKEN } from '../../domain/apis/model.js';
import { CLIENT_ID_PATTERN } from '../../domain/clients/model.js';
import { TENANT_ID_PATTERN } from '../../domain/tenants/model.js';

/** What `tessera import` makes of a source: a configuration document, the secrets it may carry, and what it could not carry over. */
export interface Conversion {
  document: ConfigDocument;
  /** Plaintext secrets of the source (never in the document): for `tessera apply --secrets`. */
  secrets: ProvidedSecret[];
  /** One line per item not carried over (or carried over differently): which object, what, why, what to do. */
  report: string[];
}

export interface ConversionOptions {
  /** The tenant the objects go to; each source has its default. */
  tenant?: string;
}

/** The grant type a migrated client keeps: Tessera issues tokens to machines with client_credentials only. */
export const CLIENT_CREDENTIALS = 'client_credentials';

/** Client ids are RFC 6749 VSCHAR strings (Appendix A.1: %x20-7E) of 1 to 255 characters. */
const VSCHAR_ID = new RegExp(CLIENT_ID_PATTERN);

/** Why a client id cannot be kept, or undefined when it can. */
export function clientIdProblem(clientId: unknown): string | undefined {
  if (typeof clientId !== 'string' || clientId === '') return 'it has no client id';
  if (!VSCHAR_ID.test(clientId)) return 'its client id is not 1 to 255 printable ASCII characters (RFC 6749 VSCHAR)';
  return undefined;
}

/** Secrets `POST /config/apply` takes: 16 to 512 printable ASCII characters. */
const PROVIDED_SECRET = /^[\x20-\x7E]{16,512}$/;

/** Whether a plaintext secret can be carried over as it is. */
export const isCarriableSecret = (secret: string) => PROVIDED_SECRET.test(secret);

/** A scope value Tessera accepts (RFC 6749 section 3.3 scope-token, at most 128 characters). */
export const isScopeValue = (value: string) => value.length <= 128 && SCOPE_TOKEN.test(value);

/** Tessera's access token lifetimes: 60 to 86400 seconds. */
export const TTL_MIN = 60;
export const TTL_MAX = 86_400;

/** A lifetime within Tessera's range, and whether it had to be clamped. */
export function clampTtl(seconds: number): { ttl: number; clamped: boolean } {
  const ttl = Math.min(TTL_MAX, Math.max(TTL_MIN, Math.round(seconds)));
  return { ttl, clamped: ttl !== seconds };
}

/** A name made a valid tenant id: lower case, runs of other characters as one hyphen, at most 63 characters. */
export function tenantIdFrom(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return new RegExp(TENANT_ID_PATTERN).test(id) ? id : 'default';
}

/** `"id"` as a report shows a name: JSON-quoted, so spaces and quotes stay visible. */
export const quoted = (name: string) => JSON.stringify(name);

/** A value of an untyped source object as a string, or undefined. */
export const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A value of an untyped source object as a list of strings (non-strings dropped). */
export const texts = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** A value of an untyped source object as a record, or an empty one. */
export const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** A value of an untyped source object as a list of records (others dropped). */
export const records = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value) ? value.filter((v) => v !== null && typeof v === 'object').map(record) : [];

const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** The document of one tenant, its objects sorted by natural key as `tessera export` sorts them; empty lists left out. */
export function tenantDocument(
  tenant: { id: string; name?: string; access_token_ttl?: number },
  apis: ApiConfig[],
  clients: ClientConfig[],
  grants: GrantConfig[],
): ConfigDocument {
  const sortedApis = [...apis].sort(byKey((a) => a.identifier));
  const sortedClients = [...clients].sort(byKey((c) => c.client_id));
  const sortedGrants = [...grants].sort(byKey((g) => `${g.client ?? ''}>${g.api}`));
  return {
    version: CONFIG_VERSION,
    tenants: [
      {
        ...tenant,
        ...(sortedApis.length > 0 ? { apis: sortedApis } : {}),
        ...(sortedClients.length > 0 ? { clients: sortedClients } : {}),
        ...(sortedGrants.length > 0 ? { grants: sortedGrants } : {}),
      },
    ],
  };
}

/** `{[key]: value}` when the value is set (not undefined or empty), else nothing: for optional members of the document. */
export function given<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined || value === '' ? {} : ({ [key]: value } as { [P in K]?: V });
}
