import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dnEquals, normalizeDn, parseDn, serializeDn, type Rdn } from '../../../src/lib/x509/distinguished-name.js';

/** Aliases of each canonical type, as other software writes them. */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  CN: ['CN', 'cn', 'commonName', '2.5.4.3', 'OID.2.5.4.3'],
  O: ['O', 'o', 'organizationName', '2.5.4.10'],
  OU: ['OU', 'ou', '2.5.4.11'],
  C: ['C', 'c', 'countryName', '2.5.4.6'],
  DC: ['DC', 'dc', 'domainComponent', '0.9.2342.19200300.100.1.25'],
  UID: ['UID', 'uid', 'userId'],
  EMAILADDRESS: ['emailAddress', 'E', 'email', '1.2.840.113549.1.9.1'],
  SERIALNUMBER: ['serialNumber', 'SERIALNUMBER', '2.5.4.5'],
};
const VALUE_CHARS = ['a', 'B', '1', ' ', '#', '+', ',', '"', '\\', '<', '>', ';', '=', 'é', '\u{1F511}', '\0'];
const SPECIAL = new Set(['"', '+', ',', ';', '<', '>', '\\', '\0']);

const dn: fc.Arbitrary<Rdn[]> = fc.array(
  fc.array(
    fc
      .tuple(fc.constantFrom(...Object.keys(ALIASES)), fc.string({ unit: fc.constantFrom(...VALUE_CHARS), maxLength: 6 }))
      .map(([type, value]) => ({ type, value })),
    { minLength: 1, maxLength: 3 },
  ),
  { minLength: 1, maxLength: 4 },
);

/** Writes one character of a value the other legal way: a hex pair per UTF-8 byte, a backslash before a special, or as is when that is allowed. */
function renderChar(char: string, first: boolean, last: boolean, style: number): string {
  const hex = [...Buffer.from(char, 'utf8')].map((byte) => `\\${byte.toString(16).padStart(2, '0')}`).join('');
  const mustEscape = SPECIAL.has(char) || (first && (char === ' ' || char === '#')) || (last && char === ' ');
  if (char === '\0' || style % 2 === 0) return style % 4 === 0 ? hex.toUpperCase() : hex;
  if (mustEscape || (style % 3 === 1 && ' #='.includes(char))) return `\\${char}`;
  return char;
}

/** A rendering of the same DN with aliases for types, other escapes, spaces around separators and multi-valued members reversed. */
function otherRendering(rdns: Rdn[], seed: number[]): string {
  let n = 0;
  const pick = () => seed[n++ % seed.length] ?? 0;
  const space = () => ' '.repeat(pick() % 3);
  return rdns
    .map((rdn) =>
      [...rdn]
        .reverse()
        .map((attribute) => {
          const aliases = ALIASES[attribute.type] ?? [attribute.type];
          const type = aliases[pick() % aliases.length] ?? attribute.type;
          const chars = [...attribute.value];
          const value = chars.map((char, index) => renderChar(char, index === 0, index === chars.length - 1, pick())).join('');
          return `${space()}${type}${space()}=${space()}${value}${space()}`;
        })
        .join('+'),
    )
    .join(',');
}

describe('RFC 4514 distinguished names', () => {
  it('parses RDNs in the order written, with escapes resolved and multi-valued RDNs kept together', () => {
    assert.deepEqual(parseDn('CN=Steve Kille,O=Isode Limited,C=GB'), [
      [{ type: 'CN', value: 'Steve Kille' }],
      [{ type: 'O', value: 'Isode Limited' }],
      [{ type: 'C', value: 'GB' }],
    ]);
    assert.deepEqual(parseDn('OU=Sales+CN=J.  Smith,DC=example,DC=net'), [
      [
        { type: 'OU', value: 'Sales' },
        { type: 'CN', value: 'J.  Smith' },
      ],
      [{ type: 'DC', value: 'example' }],
      [{ type: 'DC', value: 'net' }],
    ]);
    assert.deepEqual(parseDn('CN=James \\"Jim\\" Smith\\, III,DC=example'), [
      [{ type: 'CN', value: 'James "Jim" Smith, III' }],
      [{ type: 'DC', value: 'example' }],
    ]);
    assert.deepEqual(parseDn('CN=Before\\0dAfter,DC=example'), [[{ type: 'CN', value: 'Before\rAfter' }], [{ type: 'DC', value: 'example' }]]);
    assert.deepEqual(parseDn('1.3.6.1.4.1.1466.0=#04024869'), [[{ type: '1.3.6.1.4.1.1466.0', value: '#04024869' }]]);
    assert.deepEqual(parseDn('CN=Lu\\C4\\8Di\\C4\\87'), [[{ type: 'CN', value: 'Lučić' }]]);
    assert.deepEqual(parseDn(' CN = a b , O = \\ c\\  '), [[{ type: 'CN', value: 'a b' }], [{ type: 'O', value: ' c ' }]]);
    assert.deepEqual(parseDn('CN=a=b'), [[{ type: 'CN', value: 'a=b' }]]);
    assert.deepEqual(parseDn('CN='), [[{ type: 'CN', value: '' }]]);
    assert.deepEqual(parseDn(''), []);
  });

  it('refuses malformed names with a message that says where and why', () => {
    const cases: [string, string][] = [
      ['CN', 'Invalid distinguished name at position 0: expected an attribute type followed by "="'],
      ['=x', 'Invalid distinguished name at position 0: invalid attribute type ""'],
      ['C N=x', 'Invalid distinguished name at position 0: invalid attribute type "C N"'],
      ['CN=a,', 'Invalid distinguished name at position 5: expected an attribute type followed by "="'],
      ['CN=a"b', 'Invalid distinguished name at position 4: """ must be escaped in a value'],
      ['CN=a;O=b', 'Invalid distinguished name at position 4: ";" must be escaped in a value'],
      ['CN=a\\x', 'Invalid distinguished name at position 4: "\\" must be followed by a special character or two hex digits'],
      ['CN=a\\', 'Invalid distinguished name at position 4: "\\" must be followed by a special character or two hex digits'],
      ['CN=\\c3', 'Invalid distinguished name at position 6: escaped bytes are not valid UTF-8'],
      ['CN=#abc', 'Invalid distinguished name at position 3: a "#" value needs an even, non-zero number of hex digits'],
      ['CN=#', 'Invalid distinguished name at position 3: a "#" value needs an even, non-zero number of hex digits'],
      ['CN=#0102x', 'Invalid distinguished name at position 8: expected "," or "+"'],
      ['1.=x', 'Invalid distinguished name at position 0: invalid attribute type "1."'],
    ];
    for (const [text, message] of cases) assert.throws(() => parseDn(text), { name: 'DnSyntaxError', message }, text);
  });

  it('normalizes type names, spacing, escaping and the order inside a multi-valued RDN, never the order of RDNs', () => {
    assert.equal(normalizeDn('cn = Device 1 , o=Acme\\, Inc. , c=FR'), 'CN=Device 1,O=Acme\\, Inc.,C=FR');
    assert.equal(normalizeDn('2.5.4.3=x,commonName=y,E=a@b,emailAddress=c@d,st=Île'), 'CN=x,CN=y,EMAILADDRESS=a@b,EMAILADDRESS=c@d,ST=Île');
    assert.equal(normalizeDn('UID=u+CN=a'), 'CN=a+UID=u');
    assert.equal(normalizeDn('CN=\\c3\\a9t\\c3\\A9'), 'CN=été');
    assert.equal(normalizeDn('CN=\\#1\\=\\ x\\ '), 'CN=\\#1= x\\ ');
    assert.equal(normalizeDn('CN=#04024869'), 'CN=#04024869');
    assert.equal(normalizeDn('CN=#0402AbCd'), 'CN=#0402abcd');
    assert.equal(normalizeDn('1.2.3.4=v'), '1.2.3.4=v');
    assert.equal(normalizeDn('CN=a\\00b'), 'CN=a\\00b');
    assert.notEqual(normalizeDn('CN=a,O=b'), normalizeDn('O=b,CN=a'));
  });

  it('compares names after normalization; values keep their case; a malformed name equals nothing', () => {
    assert.equal(dnEquals('CN=device-1, OU=Fleet+O=Acme', 'cn=device-1,o=Acme + ou=Fleet'), true);
    assert.equal(dnEquals('CN=a\\,b', 'CN=a\\2cb'), true);
    assert.equal(dnEquals('CN=a,O=b', 'O=b,CN=a'), false);
    assert.equal(dnEquals('CN=Device', 'CN=device'), false);
    assert.equal(dnEquals('CN=a;b', 'CN=a;b'), false);
  });

  it('gives the same normal form for any rendering of the same name (property)', () => {
    fc.assert(
      fc.property(dn, fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (rdns, seed) => {
        const plain = serializeDn(rdns);
        const other = otherRendering(rdns, seed);
        assert.equal(normalizeDn(other), normalizeDn(plain), `${plain} vs ${other}`);
        assert.equal(dnEquals(plain, other), true);
      }),
      { numRuns: 500 },
    );
  });

  it('serializes what it parses back to the same RDNs (property)', () => {
    fc.assert(
      fc.property(dn, (rdns) => {
        assert.deepEqual(parseDn(serializeDn(rdns)), rdns);
      }),
      { numRuns: 500 },
    );
  });
});
