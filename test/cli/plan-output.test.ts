import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderPlan, renderSecrets, shortValue, summary, wantsColor, type ApplyAnswer } from '../../src/cli/plan-output.js';

const PLAN: ApplyAnswer = {
  applied: false,
  changes: [
    { action: 'create', kind: 'tenant', tenant: 'acme', key: 'acme' },
    { action: 'create', kind: 'client', tenant: 'acme', key: 'billing' },
    {
      action: 'update',
      kind: 'client',
      tenant: 'acme',
      key: 'reports',
      fields: ['scope', 'audience'],
      diff: { scope: { from: 'read', to: 'read write' }, audience: { from: [], to: ['https://reports.example.com/'] } },
    },
    { action: 'unchanged', kind: 'api', tenant: 'acme', key: 'https://reports.example.com/' },
    { action: 'delete', kind: 'grant', tenant: 'acme', key: 'client:old>https://reports.example.com/' },
  ],
  secrets: [],
};

describe('tessera apply: the plan for people', () => {
  it('one line per created, updated and deleted object, each changing member from -> to, unchanged ones counted', () => {
    assert.equal(
      renderPlan(PLAN, { color: false, verbose: false }),
      [
        '+ tenant acme',
        '+ client billing (tenant acme)',
        '~ client reports (tenant acme)',
        '    scope: "read" → "read write"',
        '    audience: [] → ["https://reports.example.com/"]',
        '- grant client:old>https://reports.example.com/ (tenant acme)',
        '',
        'Plan: 2 to create, 1 to update, 1 to delete, 1 unchanged.',
        '',
      ].join('\n'),
    );
  });

  it('--verbose lists the unchanged objects too', () => {
    assert.match(renderPlan(PLAN, { color: false, verbose: true }), /\n {2}api https:\/\/reports\.example\.com\/ \(tenant acme\)\n/);
  });

  it('colours: green +, yellow ~, red -, only when asked', () => {
    const text = renderPlan(PLAN, { color: true, verbose: false });
    assert.ok(text.includes('\u001b[32m+ client billing (tenant acme)\u001b[0m'));
    assert.ok(text.includes('\u001b[33m~ client reports (tenant acme)\u001b[0m'));
    assert.ok(text.includes('\u001b[31m- grant client:old>https://reports.example.com/ (tenant acme)\u001b[0m'));
    assert.ok(!renderPlan(PLAN, { color: false, verbose: false }).includes('\u001b'));
  });

  it('colours only on a terminal and without NO_COLOR', () => {
    assert.equal(wantsColor({ isTTY: true }, {}), true);
    assert.equal(wantsColor({ isTTY: true }, { NO_COLOR: '1' }), false);
    assert.equal(wantsColor({ isTTY: true }, { NO_COLOR: '' }), true);
    assert.equal(wantsColor({}, {}), false);
  });

  it('shortens long values, shows a missing one as -, and never a control character', () => {
    const long = 'x'.repeat(100);
    assert.equal(shortValue(long), `"${'x'.repeat(58)}…`);
    assert.equal(shortValue(long).length, 60);
    assert.equal(shortValue(undefined), '-');
    assert.equal(shortValue(null), 'null');
    assert.equal(shortValue('a\u001b[2Jb'), '"a\\u001b[2Jb"');
    assert.equal(
      renderPlan(
        { applied: false, changes: [{ action: 'create', kind: 'client', tenant: 'acme', key: 'evil\u001b[2J' }], secrets: [] },
        { color: false, verbose: false },
      ),
      '+ client evil?[2J (tenant acme)\n\nPlan: 1 to create, 0 to update, 0 to delete, 0 unchanged.\n',
    );
  });

  it('summaries: a plan, an apply, nothing to change', () => {
    assert.equal(summary({ ...PLAN, applied: true }), 'Applied: 2 created, 1 updated, 1 deleted, 1 unchanged.');
    const same: ApplyAnswer = { applied: false, changes: [PLAN.changes[3]!], secrets: [] };
    assert.equal(summary(same), 'No changes: 1 unchanged.');
    assert.equal(renderPlan(same, { color: false, verbose: false }), 'No changes: 1 unchanged.\n');
  });

  it('secrets of created clients: one line each', () => {
    assert.equal(
      renderSecrets([{ tenant: 'acme', client_id: 'billing', client_secret: 's3cr3t' }]),
      '\nSecrets of the clients created (tenant, client_id, client_secret), shown this once:\n  acme  billing  s3cr3t\n',
    );
  });
});
