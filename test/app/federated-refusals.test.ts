import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FederatedRefusalAudit, REFUSAL_AUDIT_BUDGET, REFUSAL_AUDIT_INTERVAL_MS } from '../../src/app/federated-refusals.js';
import type { AuditInput } from '../../src/domain/audit/record.js';
import type { FederatedRefusal } from '../../src/protocol/client-auth/federated.js';
import { manualClock } from '../helpers/admin.js';

const REFUSAL: FederatedRefusal = {
  tenantId: 'acme',
  iss: 'https://ci.example',
  sub: 'repo:a/b',
  issuerId: 'fi_1',
  clientId: null,
  reason: 'no federated credential matches',
  via: 'jwt_bearer_grant',
};

/** The audit writer under test, with the events it asked to record. */
function audited() {
  const clock = manualClock('2030-01-01T00:00:00.000Z');
  const recorded: AuditInput[] = [];
  const errors: unknown[] = [];
  const writer = new FederatedRefusalAudit(clock, { record: async (input) => void recorded.push(input) }, {
    error: (obj: unknown) => void errors.push(obj),
  } as never);
  return { clock, recorded, errors, writer };
}

describe('the audit event of refused federated tokens (client.federated.refused)', () => {
  it('tells tenant, system actor, target and {iss, sub, reason, via}; the client when matched, else the issuer', () => {
    const { recorded, writer } = audited();
    writer.refused(REFUSAL);
    writer.refused({ ...REFUSAL, sub: 'repo:a/c', clientId: 'deployer', via: 'client_assertion', reason: 'client deployer is disabled' });
    writer.refused({ ...REFUSAL, sub: 'repo:a/d', issuerId: null });
    assert.deepEqual(recorded, [
      {
        tenantId: 'acme',
        actor: { id: 'system', reason: 'federated token refused' },
        action: 'client.federated.refused',
        targetType: 'federated_issuer',
        targetId: 'fi_1',
        details: { iss: 'https://ci.example', sub: 'repo:a/b', reason: 'no federated credential matches', via: 'jwt_bearer_grant' },
      },
      {
        tenantId: 'acme',
        actor: { id: 'system', reason: 'federated token refused' },
        action: 'client.federated.refused',
        targetType: 'client',
        targetId: 'deployer',
        details: { iss: 'https://ci.example', sub: 'repo:a/c', reason: 'client deployer is disabled', via: 'client_assertion' },
      },
      {
        tenantId: 'acme',
        actor: { id: 'system', reason: 'federated token refused' },
        action: 'client.federated.refused',
        targetType: 'tenant',
        targetId: 'acme',
        details: { iss: 'https://ci.example', sub: 'repo:a/d', reason: 'no federated credential matches', via: 'jwt_bearer_grant' },
      },
    ]);
  });

  it('at most one per (tenant, iss, sub) per minute', () => {
    const { clock, recorded, writer } = audited();
    for (let i = 0; i < 5; i++) writer.refused(REFUSAL);
    writer.refused({ ...REFUSAL, tenantId: 'other' });
    writer.refused({ ...REFUSAL, iss: 'https://other.example' });
    assert.equal(recorded.length, 3);
    clock.advance(REFUSAL_AUDIT_INTERVAL_MS - 1);
    writer.refused(REFUSAL);
    assert.equal(recorded.length, 3, 'still within the minute');
    clock.advance(1);
    writer.refused(REFUSAL);
    assert.equal(recorded.length, 4, 'a minute later');
  });

  it('at most REFUSAL_AUDIT_BUDGET per tenant per minute, whatever iss and sub the caller makes up', () => {
    const { clock, recorded, writer } = audited();
    for (let i = 0; i < REFUSAL_AUDIT_BUDGET + 50; i++) writer.refused({ ...REFUSAL, sub: `made-up-${i}` });
    writer.refused({ ...REFUSAL, tenantId: 'other' });
    assert.equal(recorded.length, REFUSAL_AUDIT_BUDGET + 1);
    clock.advance(REFUSAL_AUDIT_INTERVAL_MS);
    writer.refused({ ...REFUSAL, sub: 'made-up-after' });
    assert.equal(recorded.length, REFUSAL_AUDIT_BUDGET + 2);
  });

  it('a failed write is logged, never thrown', async () => {
    const clock = manualClock();
    const logged: unknown[] = [];
    let failed!: () => void;
    const done = new Promise<void>((resolve) => (failed = resolve));
    const writer = new FederatedRefusalAudit(clock, { record: () => Promise.reject(new Error('database gone')) }, {
      error: (obj: unknown) => {
        logged.push(obj);
        failed();
      },
    } as never);
    writer.refused(REFUSAL);
    await done;
    assert.equal(logged.length, 1);
  });
});
