import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalChangeFeed, RelayedChangeFeed, type Change } from '../../src/domain/changes.js';

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('cluster change feed (RelayedChangeFeed)', () => {
  it('hands a change to the sibling processes while this one applies it, and resolves once both have', async () => {
    const change = { kind: 'client', tenantId: 'acme', clientId: 'c1' } as unknown as Change;
    const events: string[] = [];
    const here = gate();
    const siblings = gate();
    const inner = new LocalChangeFeed();
    const feed = new RelayedChangeFeed(inner, async () => {
      events.push('relay started');
      await siblings.opened;
      events.push('siblings applied');
    });
    feed.subscribe(async () => {
      events.push('applying here');
      await here.opened;
      events.push('applied here');
    });
    let resolved = false;
    const published = feed.publish(change).then(() => (resolved = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(events, ['applying here', 'relay started'], 'the relay does not wait for this process');
    here.open();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(resolved, false, 'not resolved before the siblings have applied it');
    siblings.open();
    await published;
    assert.deepEqual(events, ['applying here', 'relay started', 'applied here', 'siblings applied']);
  });
});
