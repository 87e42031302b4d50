import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { AuditEvent, AuditTrail } from '../../src/domain/audit/model.js';
import { transactAudited } from '../../src/domain/audit/record.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

describeEachDialect('audit trail: told of events once committed', (dialect) => {
  let t: TestTessera;
  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  /** A trail that notes each event and, at that moment, whether another connection already sees it stored. */
  const recording = () => {
    const heard: { event: AuditEvent; requestId: string | undefined; stored: Promise<boolean> }[] = [];
    const trail: AuditTrail = {
      committed: (event, requestId) => {
        const stored = t.server.deps.store.db
          .selectFrom('audit_events')
          .select('id')
          .where('id', '=', event.id)
          .execute()
          .then((rows) => rows.length === 1);
        heard.push({ event, requestId, stored });
      },
    };
    return { heard, ctx: { db: t.server.deps.store.db, clock: t.server.deps.clock, auditTrail: trail } };
  };
  const actor = { id: 'test', reason: 'trail', requestId: 'req-trail-1' };

  it('tells every event of a committed transaction, in order, after the commit', async () => {
    const { heard, ctx } = recording();
    const result = await transactAudited(ctx, async (_trx, audit) => {
      await audit.record({ tenantId: 'default', actor, action: 'test.first', targetType: 'test', targetId: 'one' });
      await audit.record({ tenantId: 'default', actor, action: 'test.second', targetType: 'test', targetId: 'two', details: { client_secret: 'hidden' } });
      assert.equal(heard.length, 0, 'nothing is told before the commit');
      return 'done';
    });
    assert.equal(result, 'done');
    assert.deepEqual(
      heard.map((h) => [h.event.action, h.requestId]),
      [
        ['test.first', 'req-trail-1'],
        ['test.second', 'req-trail-1'],
      ],
    );
    assert.deepEqual(heard[1]!.event.details, { client_secret: '[redacted]' });
    for (const h of heard) assert.equal(await h.stored, true, 'the event is stored when the trail hears it');
  });

  it('tells nothing of a transaction rolled back', async () => {
    const { heard, ctx } = recording();
    let id = '';
    await assert.rejects(
      transactAudited(ctx, async (trx, audit) => {
        await audit.record({ tenantId: 'default', actor, action: 'test.rolled_back', targetType: 'test', targetId: 'three' });
        id = (await trx.selectFrom('audit_events').select('id').where('action', '=', 'test.rolled_back').executeTakeFirstOrThrow()).id;
        throw new Error('the rest of the change failed');
      }),
      /the rest of the change failed/,
    );
    assert.deepEqual(heard, []);
    assert.ok(id !== '');
    const rows = await t.server.deps.store.db.selectFrom('audit_events').select('id').where('id', '=', id).execute();
    assert.deepEqual(rows, [], 'the event was rolled back with the change');
  });
});
