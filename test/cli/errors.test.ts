import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT, ProblemError } from '../../src/cli/errors.js';

describe('CLI: a problem of the admin API as one line', () => {
  it('401 and 403 are exit 4; the detail is printed as the server wrote it when it names the scopes', () => {
    const scope = new ProblemError(403, { title: 'Forbidden', detail: 'this call needs the scope clients:write (or admin)', required_scope: 'clients:write' });
    assert.deepEqual([scope.exitCode, scope.message, scope.lines], [EXIT.denied, 'Forbidden: this call needs the scope clients:write (or admin)', []]);
    const expired = new ProblemError(401, { title: 'Unauthorized', detail: 'the access token has expired' }, 'run "tessera login" again');
    assert.deepEqual(
      [expired.exitCode, expired.message, expired.lines],
      [EXIT.denied, 'Unauthorized: the access token has expired', ['run "tessera login" again']],
    );
  });

  it('adds required_scope and excess_scopes when the detail does not name them', () => {
    assert.equal(
      new ProblemError(403, { title: 'Forbidden', detail: 'not allowed', required_scope: 'keys:write' }).message,
      'Forbidden: not allowed (required scope: keys:write)',
    );
    assert.equal(
      new ProblemError(403, { title: 'Forbidden', detail: 'the token would hold more than you', excess_scopes: ['admin', 'keys:write'] }).message,
      "Forbidden: the token would hold more than you (scopes beyond the caller's: admin keys:write)",
    );
    assert.equal(
      new ProblemError(403, { title: 'Forbidden', detail: 'you do not hold admin, keys:write', excess_scopes: ['admin', 'keys:write'] }).message,
      'Forbidden: you do not hold admin, keys:write',
    );
    assert.equal(new ProblemError(403, { title: 'Forbidden', required_scope: 'keys:write' }).message, 'Forbidden: required scope: keys:write');
  });

  it('a body with line breaks (a proxy page) still prints on one line', () => {
    assert.equal(new ProblemError(502, { detail: '<html>\n  <h1>Bad Gateway</h1>\n</html>' }).message, 'HTTP 502: <html> <h1>Bad Gateway</h1> </html>');
  });
});
