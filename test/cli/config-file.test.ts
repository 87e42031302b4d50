import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { locatedProblems, parseConfigFile, pointerSegments } from '../../src/cli/config-file.js';
import { CliError } from '../../src/cli/errors.js';

const YAML = `version: 1
tenants:
  - id: acme
    apis:
      - identifier: https://billing.example.com/
        scopes:
          - value: invoices:read
    grants:
      - client: billing
        api: https://billing.example.com/
        scopes: [invoices:read, invoices:wrte]
`;

describe('tessera apply: the document file', () => {
  it('reads YAML and JSON alike', () => {
    assert.deepEqual(parseConfigFile('acme.yaml', YAML).value.tenants, [
      {
        id: 'acme',
        apis: [{ identifier: 'https://billing.example.com/', scopes: [{ value: 'invoices:read' }] }],
        grants: [{ client: 'billing', api: 'https://billing.example.com/', scopes: ['invoices:read', 'invoices:wrte'] }],
      },
    ]);
    assert.deepEqual(parseConfigFile('acme.json', '{"version": 1, "tenants": [{"id": "acme"}]}').value, { version: 1, tenants: [{ id: 'acme' }] });
  });

  it('a syntax error is wrong usage, with its line and column', () => {
    const error = (text: string, name = 'acme.yaml') => {
      try {
        parseConfigFile(name, text);
      } catch (err) {
        assert.ok(err instanceof CliError);
        return [err.exitCode, err.message];
      }
      assert.fail('no error');
    };
    assert.deepEqual(error('version: 1\ntenants:\n  - id: acme\n   name: x\n'), [2, 'acme.yaml:4:1: Sequence item without - indicator']);
    assert.deepEqual(error('{"version": 1,\n "tenants": [}\n', '-'), [
      2,
      '<stdin>:2:14: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    assert.deepEqual(error('version: 1\nversion: 2\n'), [2, 'acme.yaml:2:1: Map keys must be unique']);
    assert.deepEqual(error('- 1\n'), [2, 'acme.yaml: not a configuration document (a mapping with "version" and "tenants" is expected)']);
    assert.deepEqual(error(''), [2, 'acme.yaml: not a configuration document (a mapping with "version" and "tenants" is expected)']);
  });

  it('field errors of the server point at their line and column; a missing member at its parent', () => {
    const file = parseConfigFile('acme.yaml', YAML);
    assert.deepEqual(
      locatedProblems(file, [
        { pointer: '/tenants/0/grants/0/scopes/1', detail: 'the API https://billing.example.com/ defines no scope "invoices:wrte"' },
        { pointer: '/tenants/0/apis/0/name', detail: 'is required' },
        { pointer: '/client_secrets/0/client_secret', detail: 'too short' },
      ]),
      [
        '  acme.yaml:11:33: /tenants/0/grants/0/scopes/1: the API https://billing.example.com/ defines no scope "invoices:wrte"',
        '  acme.yaml:5:9: /tenants/0/apis/0/name: is required',
        '  /client_secrets/0/client_secret: too short',
      ],
    );
  });

  it('JSON Pointer segments are unescaped (RFC 6901)', () => {
    assert.deepEqual(pointerSegments('/a~1b/c~0d/0'), ['a/b', 'c~d', '0']);
    assert.deepEqual(pointerSegments(''), []);
  });
});
