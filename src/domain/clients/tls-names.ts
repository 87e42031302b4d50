import { isIP } from 'node:net';
import { PRINTABLE_TEXT } from '../../lib/printable.js';
import { parseDn } from '../../lib/x509/distinguished-name.js';
import { normalizeIp } from '../../lib/x509/subject-alt-names.js';
import type { FieldError } from '../errors.js';
import { TLS_CLIENT_AUTH_FIELDS, type TlsClientAuthField, type TlsClientAuthName } from './model.js';

/** The longest tls_client_auth_* value accepted. */
export const MAX_TLS_NAME_LENGTH = 1024;

const DNS_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;
const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const EMAIL = /^[^@\s]+@[^@\s]+$/;
const PRINTABLE = new RegExp(PRINTABLE_TEXT, 'u');

/** The metadata name of a tls_client_auth field (RFC 8705 §2.1.2): `tls_client_auth_` and the field. */
export function tlsClientAuthMember(field: TlsClientAuthField): string {
  return `tls_client_auth_${field}`;
}

/**
 * The tls_client_auth name metadata sets (RFC 8705 §2.1.2) through its five `tls_client_auth_*` members (`member`
 * reads one): the one given a value; null when only nulls are given (clearing the name); undefined when none is given.
 * A second value is an error.
 */
export function tlsClientAuthOfMembers(member: (name: string) => string | null | undefined): {
  name: TlsClientAuthName | null | undefined;
  errors: FieldError[];
} {
  const given = TLS_CLIENT_AUTH_FIELDS.filter((field) => member(tlsClientAuthMember(field)) !== undefined);
  const set = given.flatMap((field) => {
    const value = member(tlsClientAuthMember(field));
    return typeof value === 'string' ? [{ field, value }] : [];
  });
  const errors = set.slice(1).map((name) => ({
    pointer: `/${tlsClientAuthMember(name.field)}`,
    detail: `tls_client_auth needs exactly one name: ${tlsClientAuthMember(set[0]?.field ?? name.field)} is also set`,
  }));
  return { name: set[0] ?? (given.length > 0 ? null : undefined), errors };
}

/**
 * What is wrong with a tls_client_auth name (RFC 8705 §2.1.2), or null: an RFC 4514 DN, a DNS name (exact: no
 * wildcard), an absolute URI, an IPv4 or IPv6 address, or an email address; at most MAX_TLS_NAME_LENGTH characters.
 */
export function tlsClientAuthProblem(name: TlsClientAuthName): string | null {
  const { field, value } = name;
  if (value.length === 0 || value.length > MAX_TLS_NAME_LENGTH) return `must be 1 to ${MAX_TLS_NAME_LENGTH} characters`;
  if (!PRINTABLE.test(value)) return 'must be printable text';
  switch (field) {
    case 'subject_dn':
      return isDn(value) ? null : 'must be an RFC 4514 distinguished name, most specific RDN first (CN=device-1,O=Acme,C=FR)';
    case 'san_dns':
      if (value.includes('*')) return 'must be an exact DNS name: RFC 8705 matches the name as registered, so wildcards are refused';
      return isDnsName(value) ? null : 'must be a DNS name';
    case 'san_uri':
      return isAbsoluteUri(value) ? null : 'must be an absolute URI';
    case 'san_ip':
      return isIP(value) === 0 ? 'must be an IPv4 or IPv6 address' : null;
    case 'san_email':
      return EMAIL.test(value) ? null : 'must be an email address with one "@"';
  }
}

/** The name as stored: an IP address in its canonical text form (RFC 5952 §4), anything else as given. */
export function storedTlsClientAuth(name: TlsClientAuthName): TlsClientAuthName {
  return name.field === 'san_ip' && isIP(name.value) !== 0 ? { field: name.field, value: normalizeIp(name.value) } : name;
}

function isDn(value: string): boolean {
  try {
    return parseDn(value).length > 0;
  } catch {
    return false;
  }
}

function isDnsName(value: string): boolean {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => DNS_LABEL.test(label));
}

function isAbsoluteUri(value: string): boolean {
  if (!URI_SCHEME.test(value) || /\s/.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}
