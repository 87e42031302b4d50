import { X509Certificate } from 'node:crypto';
import type { Tenant } from '../../domain/tenants/model.js';
import { splitPemCertificates } from '../../lib/x509/pem.js';

/**
 * The CAs trusted for tls_client_auth (RFC 8705 §2.1) in each tenant: TESSERA_TLS_CLIENT_CA's and the
 * tenant's own `tls_client_cas`, parsed once per tenant settings object. A tenant's CAs are never
 * part of another tenant's anchors.
 */
export class TrustAnchors {
  readonly #global: () => readonly X509Certificate[];
  readonly #byTenant = new WeakMap<Tenant, { readonly global: readonly X509Certificate[]; readonly anchors: readonly X509Certificate[] }>();

  /** `global`: TESSERA_TLS_CLIENT_CA's certificates as they are now (the same array until they change). */
  constructor(global: () => readonly X509Certificate[]) {
    this.#global = global;
  }

  /** The trust anchors of a tenant: the same array for as long as neither the tenant nor the global CAs change. */
  of(tenant: Tenant): readonly X509Certificate[] {
    const global = this.#global();
    const cached = this.#byTenant.get(tenant);
    if (cached !== undefined && cached.global === global) return cached.anchors;
    const anchors = [...global, ...tenant.tlsClientCas.flatMap(parsedCas)];
    this.#byTenant.set(tenant, { global, anchors });
    return anchors;
  }
}

/** The certificates of one stored PEM; one that does not parse (the admin API refuses those) trusts nothing. */
function parsedCas(pem: string): X509Certificate[] {
  try {
    return splitPemCertificates(pem).map((one) => new X509Certificate(one));
  } catch {
    return [];
  }
}
