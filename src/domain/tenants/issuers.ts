import { DEFAULT_TENANT } from './model.js';

/**
 * Issuer identifiers of tenants (docs/api.md#issuers-and-tenants): the default tenant is the public URL; tenant `acme`
 * is `{public URL}/t/acme`, or in host mode `{scheme}//acme.{domain}`.
 */
export class Issuers {
  readonly #scheme: string;
  readonly #hostPattern: RegExp | null;

  constructor(
    readonly publicUrl: string,
    readonly tenantHost: string | undefined,
  ) {
    this.#scheme = new URL(publicUrl).protocol;
    this.#hostPattern = tenantHost
      ? new RegExp(
          `^${tenantHost
            .split('%s')
            .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
            .join('([a-z0-9][a-z0-9-]{0,62})')}$`,
          'i',
        )
      : null;
  }

  get hostMode(): boolean {
    return this.#hostPattern !== null;
  }

  issuerOf(tenantId: string): string {
    if (tenantId === DEFAULT_TENANT) return this.publicUrl;
    if (this.tenantHost) return `${this.#scheme}//${this.tenantHost.replace('%s', tenantId)}`;
    return `${this.publicUrl}/t/${tenantId}`;
  }

  /** The tenant whose issuer identifier is exactly `iss` (the reverse of issuerOf), or undefined. */
  tenantOfIssuer(iss: string): string | undefined {
    let id: string | undefined;
    if (iss === this.publicUrl) return DEFAULT_TENANT;
    if (this.#hostPattern) {
      try {
        id = this.tenantOfHost(new URL(iss).host);
      } catch {
        return undefined;
      }
    } else if (iss.startsWith(`${this.publicUrl}/t/`)) id = iss.slice(this.publicUrl.length + '/t/'.length);
    return id !== undefined && this.issuerOf(id) === iss ? id : undefined;
  }

  /** In host mode, the tenant a Host header names, if it matches the pattern. */
  tenantOfHost(host: string | undefined): string | undefined {
    if (!this.#hostPattern || !host) return undefined;
    const match = this.#hostPattern.exec(host) ?? this.#hostPattern.exec(host.replace(/:\d+$/, ''));
    return match?.[1]?.toLowerCase();
  }
}
