import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

/** The subject alternative names of a certificate that RFC 8705 §2.1.2 can match, by kind. */
export interface SubjectAltNames {
  dns: string[];
  uri: string[];
  /** IPv4 dotted, IPv6 compressed and lower case. */
  ip: string[];
  email: string[];
}

const KINDS: Readonly<Record<string, keyof SubjectAltNames>> = { DNS: 'dns', URI: 'uri', 'IP Address': 'ip', email: 'email' };

/** The DNS, URI, IP and email subject alternative names (RFC 5280 §4.2.1.6) of a certificate; other kinds are left out. */
export function subjectAltNames(cert: X509Certificate): SubjectAltNames {
  const names: SubjectAltNames = { dns: [], uri: [], ip: [], email: [] };
  for (const { kind, value } of parseNodeAltNames(cert.subjectAltName ?? '')) {
    const field = KINDS[kind];
    if (field === undefined) continue;
    names[field].push(field === 'ip' ? normalizeIp(value) : value);
  }
  return names;
}

/** An IP address in one canonical text form: IPv4 as is, IPv6 compressed and lower case (RFC 5952 §4). */
export function normalizeIp(value: string): string {
  if (isIP(value) !== 6) return value;
  return new URL(`http://[${value}]/`).hostname.slice(1, -1);
}

/**
 * Splits node's `subjectAltName` text ("DNS:a, IP Address:127.0.0.1, URI:\"x\\u002c y\"") into entries. Node writes a value
 * that holds a comma, quote or other special character as a JSON string, so a ", " inside quotes does not end an entry.
 */
function parseNodeAltNames(text: string): { kind: string; value: string }[] {
  const entries: { kind: string; value: string }[] = [];
  let index = 0;
  while (index < text.length) {
    const colon = text.indexOf(':', index);
    if (colon < 0) break;
    const kind = text.slice(index, colon);
    let end: number;
    let value: string;
    if (text.charAt(colon + 1) === '"') {
      end = closingQuote(text, colon + 1) + 1;
      value = JSON.parse(text.slice(colon + 1, end)) as string;
    } else {
      const comma = text.indexOf(', ', colon + 1);
      end = comma < 0 ? text.length : comma;
      value = text.slice(colon + 1, end);
    }
    entries.push({ kind, value });
    index = end + 2;
  }
  return entries;
}

function closingQuote(text: string, open: number): number {
  for (let index = open + 1; index < text.length; index += 1) {
    const char = text.charAt(index);
    if (char === '\\') index += 1;
    else if (char === '"') return index;
  }
  throw new Error('Unterminated quoted subject alternative name');
}
