import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { wholeNumber } from '../../src/cli/admin-command.js';
import { scopeOption } from '../../src/cli/apis.js';
import { block, cell, field, table } from '../../src/cli/output.js';

describe('CLI output', () => {
  it('aligns a table under its headers, with - for null, empty and empty lists', () => {
    const rows = [
      { id: 'a', name: 'Alpha', scopes: ['read', 'write'], ttl: null },
      { id: 'bbbb', name: '', scopes: [], ttl: 600 },
    ];
    assert.equal(
      table([field<(typeof rows)[number]>('id'), field('name'), field('scopes'), field('ttl')], rows),
      'ID    NAME   SCOPES       TTL\n' + 'a     Alpha  read, write  -\n' + 'bbbb  -      -            600\n',
    );
    assert.equal(table([field<{ id: string }>('id')], []), 'ID\n');
  });

  it('prints a key/value block; an array of objects gets one line per item', () => {
    assert.equal(
      block({ id: 'api_1', active: true, scopes: [{ value: 'write', description: 'Write access' }], audience: ['x', 'y'] }),
      'id        api_1\nactive    true\nscopes\n  - value=write description=Write access\naudience  x, y\n',
    );
  });

  it('never lets a value write control characters to the terminal', () => {
    assert.equal(cell('evil\u001b[2Jname\r\n'), 'evil?[2Jname??');
    // Stored before free text refused them: C1, bidirectional overrides and isolates, line separators.
    assert.equal(cell('a\u0085b\u202ec\u2066d\u2028e\u2029'), 'a?b?c?d?e?');
    assert.equal(cell({ a: 1 }), '{"a":1}');
  });
});

describe('CLI option values', () => {
  it('--scope VALUE[=DESCRIPTION] keeps colons in the value', () => {
    assert.deepEqual(scopeOption('read:secrets', undefined), [{ value: 'read:secrets' }]);
    assert.deepEqual(scopeOption('write=Write = all', [{ value: 'read:secrets' }]), [
      { value: 'read:secrets' },
      { value: 'write', description: 'Write = all' },
    ]);
  });

  it('whole numbers only', () => {
    assert.equal(wholeNumber('600'), 600);
    for (const bad of ['', '-1', '1.5', '1e3', 'ten', '9999999999999999']) assert.throws(() => wholeNumber(bad), InvalidArgumentError, bad);
  });
});
