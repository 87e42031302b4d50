import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { assertProblem, created, ok } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

/** Characters that display as something else, or not at all: C1 controls, bidirectional overrides and isolates, line and paragraph separators, and a C0 control for comparison. */
const NOT_PRINTABLE = [
  '\u0080',
  '\u0085',
  '\u009b',
  '\u009f',
  '\u202a',
  '\u202b',
  '\u202c',
  '\u202d',
  '\u202e',
  '\u2066',
  '\u2067',
  '\u2068',
  '\u2069',
  '\u2028',
  '\u2029',
  '\t',
];

const TEXT = 'must be printable text: no control characters, line or paragraph separators, or bidirectional overrides and isolates';
const WORD = 'must be one word of printable text: no whitespace, control characters, line or paragraph separators, or bidirectional overrides and isolates';

/** A character's name in an assertion message. */
const named = (ch: string) => `U+${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`;

describeEachDialect('free text on the admin API is printable', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  /** The request must be refused with one field error at `pointer`, and change nothing. */
  const assertRefused = async (method: string, path: string, body: unknown, where: 'body' | 'querystring', pointer: string, detail = TEXT) => {
    const before = ok(await t.admin('GET', '/audit-events?limit=200')).items.length;
    assertProblem(await t.admin(method, path, body), {
      status: 400,
      detail: `the request ${where} is invalid`,
      instance: path.split('?')[0],
      errors: [{ pointer, detail }],
    });
    assert.equal(ok(await t.admin('GET', '/audit-events?limit=200')).items.length, before, `${method} ${path}: nothing was recorded`);
  };

  it('refuses them in names', async () => {
    const api = created(await t.admin('POST', '/apis', { identifier: 'https://names.test', name: 'Names' }));
    for (const ch of NOT_PRINTABLE) {
      const evil = `invoice${ch}fdp.exe`;
      await assertRefused('POST', '/tenants', { id: 'bidi', name: evil }, 'body', '/name');
      await assertRefused('POST', '/clients', { client_name: evil }, 'body', '/client_name');
      await assertRefused('PATCH', `/apis/${api.id}`, { name: evil }, 'body', '/name');
      await assertRefused('POST', '/admin-tokens', { name: evil }, 'body', '/name');
      await assertRefused('POST', '/service-accounts', { user_name: `svc${ch}x` }, 'body', '/user_name', WORD);
      await assertRefused('POST', '/service-accounts', { user_name: 'svc', display_name: evil }, 'body', '/display_name');
    }
    assert.deepEqual(ok(await t.admin('GET', '/clients')).items, [], 'no client was created');
    assert.deepEqual(ok(await t.admin('GET', '/service-accounts')).items, [], 'no service account was created');
  });

  it('refuses them in descriptions and other free text', async () => {
    for (const ch of NOT_PRINTABLE) {
      await assertRefused(
        'POST',
        '/apis',
        { identifier: 'https://descriptions.test', scopes: [{ value: 'read', description: `Read${ch}` }] },
        'body',
        '/scopes/0/description',
      );
      await assertRefused('POST', '/clients', { client_name: 'ok', audience: [`https://a.test/${ch}`] }, 'body', '/audience/0');
    }
    const identifiers = ok(await t.admin('GET', '/apis')).items.map((a: { identifier: string }) => a.identifier);
    assert.ok(!identifiers.includes('https://descriptions.test'), 'no API was created');
  });

  it('refuses them in ?reason=, with the query parameter as the pointer', async () => {
    for (const ch of NOT_PRINTABLE) {
      await assertRefused(
        'POST',
        `/service-accounts?reason=${encodeURIComponent(`ticket 42${ch} approved`)}`,
        { user_name: `reason-${named(ch)}` },
        'querystring',
        '/reason',
      );
    }
    assert.deepEqual(ok(await t.admin('GET', '/service-accounts')).items, []);
  });

  it('accepts printable text in any script, right-to-left marks included', async () => {
    const name = 'Zürich – 東京 – مرحبا\u200f – ✓';
    const reason = 'ticket «42» – approved by Zoë\u200e';
    const sa = created(await t.admin('POST', `/service-accounts?reason=${encodeURIComponent(reason)}`, { user_name: 'zoë', display_name: name }));
    assert.equal(sa.display_name, name);
    const events = ok(await t.admin('GET', '/audit-events?action=service_account.create')).items;
    assert.equal(events[0].reason, reason);
  });
});
