import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathAllowed } from '../../src/lib/path-allow-list.js';

describe('an operator’s list of allowed paths', () => {
  const entries = ['/var/run/secrets/tokens/cluster', '/etc/tessera/tokens/'];

  it('allows a listed file and the files under a listed directory', () => {
    assert.equal(pathAllowed('/var/run/secrets/tokens/cluster', entries), true);
    assert.equal(pathAllowed('/etc/tessera/tokens/prod', entries), true);
    assert.equal(pathAllowed('/etc/tessera/tokens/a/b', entries), true);
  });

  it('allows nothing else: another file, the directory itself, a prefix that is not a directory, a path that walks out', () => {
    assert.equal(pathAllowed('/var/run/secrets/kubernetes.io/serviceaccount/token', entries), false);
    assert.equal(pathAllowed('/etc/tessera/tokens/', entries), false);
    assert.equal(pathAllowed('/var/run/secrets/tokens/cluster2', entries), false);
    assert.equal(pathAllowed('/etc/tessera/tokens/../../shadow', entries), false);
    assert.equal(pathAllowed('/etc/tessera/tokens//prod', entries), false);
    assert.equal(pathAllowed('etc/tessera/tokens/prod', entries), false);
    assert.equal(pathAllowed('/var/run/secrets/tokens/cluster', []), false);
  });
});
