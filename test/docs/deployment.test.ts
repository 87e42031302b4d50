import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { docBlock, docSection } from '../helpers/docs.js';

describe("docs/deployment.md's three-process example starts what it says", () => {
  it('starts three processes, each with --workers 1 (the default would start a primary and one worker per core each)', () => {
    const block = docBlock('docs/deployment.md', 'In the Tessera directory, after `npm ci`:');
    const serves = block.split('\n').filter((line) => /\bserve\b/.test(line) && !line.trimStart().startsWith('#'));
    assert.equal(serves.length, 1, 'one serve line, in a loop over 1 2 3');
    assert.match(block, /^for i in 1 2 3; do$/m);
    assert.match(serves[0]!, /\bserve --workers 1\b/);
  });

  it('says a change reaches the other processes within a second, as configuration.md does, not "at once"', () => {
    const section = docSection('docs/deployment.md', '## Try it: three processes on one machine').replace(/\s+/g, ' ');
    assert.doesNotMatch(section, /refuses it at once/);
    assert.match(section, /process 1 refuses it as soon as PostgreSQL has delivered the change notification: within a second/);
  });
});
