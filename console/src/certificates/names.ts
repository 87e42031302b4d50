import type { CertificateDetails, Client, TlsNameField } from '../types';
import { TLS_NAME_FIELDS } from '../types';

/** What each RFC 8705 §2.1.2 field names, for people. */
export const TLS_NAME_LABELS: Record<TlsNameField, string> = {
  tls_client_auth_subject_dn: 'Subject DN',
  tls_client_auth_san_dns: 'DNS name (SAN)',
  tls_client_auth_san_uri: 'URI (SAN)',
  tls_client_auth_san_ip: 'IP address (SAN)',
  tls_client_auth_san_email: 'Email address (SAN)',
};

/** A name that identifies a tls_client_auth client's certificate: one of the five fields and its value. */
export interface TlsName {
  field: TlsNameField;
  value: string;
}

/** The registered name of a tls_client_auth client (the one field the admin API answers), or null. */
export function registeredTlsName(client: Client): TlsName | null {
  for (const field of TLS_NAME_FIELDS) {
    const value = client[field];
    if (typeof value === 'string') return { field, value };
  }
  return null;
}

/** Every name a certificate could be registered by: its subject DN first, then each SAN. */
export function namesOf(details: CertificateDetails): TlsName[] {
  const sans = details.subject_alt_names;
  return [
    { field: 'tls_client_auth_subject_dn', value: details.subject },
    ...sans.dns.map((value) => ({ field: 'tls_client_auth_san_dns' as const, value })),
    ...sans.uri.map((value) => ({ field: 'tls_client_auth_san_uri' as const, value })),
    ...sans.ip.map((value) => ({ field: 'tls_client_auth_san_ip' as const, value })),
    ...sans.email.map((value) => ({ field: 'tls_client_auth_san_email' as const, value })),
  ];
}

/** The base64 DER of a PEM certificate (what a JWK's `x5c` holds, RFC 7517 §4.7): the text between its armour lines. */
export function pemToX5c(pem: string): string {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  return (match?.[1] ?? '').replace(/\s+/g, '');
}

/** How soon a certificate stops being valid, by the browser's clock: expired, within 30 days (whole days left, rounded up), or not soon. */
export function expiryOf(notAfter: string, nowMs: number): { expired: true } | { expired: false; days: number } | null {
  const left = Date.parse(notAfter) - nowMs;
  if (Number.isNaN(left)) return null;
  if (left <= 0) return { expired: true };
  const days = Math.ceil(left / 86_400_000);
  return days <= 30 ? { expired: false, days } : null;
}
