/** One attribute of a relative distinguished name: its type as written (short name or dotted OID) and its value with escaping resolved. */
export interface DnAttribute {
  type: string;
  value: string;
}

/** A relative distinguished name: one attribute, or several for a multi-valued RDN (RFC 4514 §3, joined by `+`). */
export type Rdn = DnAttribute[];

/** Canonical attribute type names (upper case) by lower-cased alias: short names, long names and dotted OIDs (RFC 4519, RFC 4514 §3). */
const TYPE_NAMES: ReadonlyMap<string, string> = buildTypeNames([
  ['CN', 'commonName', '2.5.4.3'],
  ['SN', 'surname', '2.5.4.4'],
  ['SERIALNUMBER', 'serialNumber', '2.5.4.5'],
  ['C', 'countryName', '2.5.4.6'],
  ['L', 'localityName', '2.5.4.7'],
  ['ST', 'stateOrProvinceName', '2.5.4.8', 'S'],
  ['STREET', 'streetAddress', '2.5.4.9'],
  ['O', 'organizationName', '2.5.4.10'],
  ['OU', 'organizationalUnitName', '2.5.4.11'],
  ['TITLE', 'title', '2.5.4.12'],
  ['BUSINESSCATEGORY', 'businessCategory', '2.5.4.15'],
  ['POSTALCODE', 'postalCode', '2.5.4.17'],
  ['GIVENNAME', 'givenName', '2.5.4.42', 'GN'],
  ['INITIALS', 'initials', '2.5.4.43'],
  ['GENERATIONQUALIFIER', 'generationQualifier', '2.5.4.44'],
  ['DNQUALIFIER', 'dnQualifier', '2.5.4.46'],
  ['PSEUDONYM', 'pseudonym', '2.5.4.65'],
  ['ORGANIZATIONIDENTIFIER', 'organizationIdentifier', '2.5.4.97'],
  ['UID', 'userId', '0.9.2342.19200300.100.1.1'],
  ['DC', 'domainComponent', '0.9.2342.19200300.100.1.25'],
  ['EMAILADDRESS', 'emailAddress', '1.2.840.113549.1.9.1', 'E', 'email'],
]);

function buildTypeNames(rows: readonly (readonly string[])[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const row of rows) {
    const [canonical] = row;
    if (canonical === undefined) continue;
    for (const alias of row) names.set(alias.toLowerCase(), canonical);
  }
  return names;
}

const DESCR = /^[A-Za-z][A-Za-z0-9-]*$/;
const NUMERIC_OID = /^(?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))+$/;
/** Characters RFC 4514 §3 lets a backslash escape by themselves. */
const ESCAPABLE = new Set([' ', '"', '#', '+', ',', ';', '<', '=', '>', '\\']);
/** Characters that must be escaped inside a string value (RFC 4514 §3 `stringchar` excludes them). */
const MUST_ESCAPE = new Set(['"', '+', ',', ';', '<', '>', '\\', '\0']);
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;

/** A malformed distinguished name; the message says where and why. */
export class DnSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnSyntaxError';
  }
}

/** Parses an RFC 4514 §3 distinguished name string into its RDNs, in the order written; throws DnSyntaxError when malformed. */
export function parseDn(text: string): Rdn[] {
  const parser = new DnParser(text);
  return parser.parse();
}

/**
 * A canonical rendering of an RFC 4514 distinguished name for comparison (RFC 8705 §2.1.2): attribute types upper-cased and
 * mapped from aliases and OIDs to one name, escaping resolved then re-applied minimally, insignificant spaces dropped,
 * `#`-hex values lower-cased, the members of a multi-valued RDN sorted. The order of the RDNs is never changed. Throws on malformed input.
 */
export function normalizeDn(text: string): string {
  return serializeDn(parseDn(text).map(normalizeRdn));
}

/** True when two RFC 4514 distinguished names are equal after normalizeDn; false when either is malformed. */
export function dnEquals(a: string, b: string): boolean {
  try {
    return normalizeDn(a) === normalizeDn(b);
  } catch {
    return false;
  }
}

/** Renders RDNs as an RFC 4514 §2 string, escaping what §2.4 requires; types are written as given. */
export function serializeDn(rdns: readonly Rdn[]): string {
  return rdns.map((rdn) => rdn.map((attribute) => `${attribute.type}=${escapeDnValue(attribute.value)}`).join('+')).join(',');
}

/** Escapes an attribute value as RFC 4514 §2.4 requires; a value starting with `#` that holds hex is a BER value and is written as-is. */
export function escapeDnValue(value: string): string {
  if (isBerValue(value)) return value;
  let out = '';
  const chars = [...value];
  chars.forEach((char, index) => {
    if (char === '\0') out += '\\00';
    else if (MUST_ESCAPE.has(char)) out += `\\${char}`;
    else if ((index === 0 && (char === ' ' || char === '#')) || (index === chars.length - 1 && char === ' ')) out += `\\${char}`;
    else out += char;
  });
  return out;
}

/** The canonical name of an attribute type: known aliases and OIDs map to one upper-case name, other OIDs stay numeric, others upper-cased. */
export function canonicalDnType(type: string): string {
  return TYPE_NAMES.get(type.toLowerCase()) ?? type.toUpperCase();
}

function normalizeRdn(rdn: Rdn): Rdn {
  const attributes = rdn.map((attribute) => ({
    type: canonicalDnType(attribute.type),
    value: isBerValue(attribute.value) ? attribute.value.toLowerCase() : attribute.value,
  }));
  return attributes.sort((a, b) => compareStrings(a.type, b.type) || compareStrings(escapeDnValue(a.value), escapeDnValue(b.value)));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isBerValue(value: string): boolean {
  return /^#(?:[0-9A-Fa-f]{2})+$/.test(value);
}

/** A one-pass reader of the RFC 4514 §3 grammar. */
class DnParser {
  private index = 0;

  constructor(private readonly text: string) {}

  parse(): Rdn[] {
    const rdns: Rdn[] = [];
    if (this.text.trim() === '') return rdns;
    for (;;) {
      const rdn: Rdn = [this.attribute()];
      while (this.peek() === '+') {
        this.index += 1;
        rdn.push(this.attribute());
      }
      rdns.push(rdn);
      if (this.index >= this.text.length) return rdns;
      if (this.peek() !== ',') throw this.error(`expected "," or "+"`);
      this.index += 1;
    }
  }

  private attribute(): DnAttribute {
    this.skipSpaces();
    const equals = this.text.indexOf('=', this.index);
    if (equals < 0) throw this.error('expected an attribute type followed by "="');
    const rawType = this.text.slice(this.index, equals).trim();
    const type = rawType.replace(/^oid\./i, '');
    if (!DESCR.test(type) && !NUMERIC_OID.test(type)) throw this.error(`invalid attribute type "${rawType}"`);
    this.index = equals + 1;
    this.skipSpaces();
    const value = this.peek() === '#' ? this.hexValue() : this.stringValue();
    this.skipSpaces();
    return { type, value };
  }

  private hexValue(): string {
    const match = /^#[0-9A-Fa-f]*/.exec(this.text.slice(this.index));
    const hex = match?.[0] ?? '#';
    if (hex.length < 3 || hex.length % 2 === 0) throw this.error('a "#" value needs an even, non-zero number of hex digits');
    this.index += hex.length;
    return hex;
  }

  private stringValue(): string {
    const bytes: number[] = [];
    /** The byte length up to the last character that is not an unescaped trailing space. */
    let significant = 0;
    while (this.index < this.text.length) {
      const char = this.text.charAt(this.index);
      if (char === ',' || char === '+') break;
      if (char === '\\') {
        this.escape(bytes);
        significant = bytes.length;
        continue;
      }
      if (MUST_ESCAPE.has(char)) throw this.error(`"${char}" must be escaped in a value`);
      const codePoint = this.text.codePointAt(this.index) ?? 0;
      const encoded = Buffer.from(String.fromCodePoint(codePoint), 'utf8');
      bytes.push(...encoded);
      if (char !== ' ') significant = bytes.length;
      this.index += codePoint > 0xffff ? 2 : 1;
    }
    const value = Buffer.from(bytes.slice(0, significant));
    const decoder = new TextDecoder('utf-8', { fatal: true });
    try {
      return decoder.decode(value);
    } catch {
      throw this.error('escaped bytes are not valid UTF-8');
    }
  }

  private escape(bytes: number[]): void {
    const next = this.text.charAt(this.index + 1);
    const pair = this.text.slice(this.index + 1, this.index + 3);
    if (HEX_PAIR.test(pair)) {
      bytes.push(parseInt(pair, 16));
      this.index += 3;
    } else if (ESCAPABLE.has(next)) {
      bytes.push(next.charCodeAt(0));
      this.index += 2;
    } else {
      throw this.error('"\\" must be followed by a special character or two hex digits');
    }
  }

  private skipSpaces(): void {
    while (this.peek() === ' ') this.index += 1;
  }

  private peek(): string {
    return this.text.charAt(this.index);
  }

  private error(reason: string): DnSyntaxError {
    return new DnSyntaxError(`Invalid distinguished name at position ${this.index}: ${reason}`);
  }
}
