import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ADMIN_API_IDENTIFIER } from '../../src/domain/admin-scopes.js';
import { created, manualClock, ok, tokenRequest, type ManualClock } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { inlineIssuer, JWT_BEARER_GRANT, platformToken, trust } from '../helpers/federation.js';
import { createClient } from '../helpers/fixtures.js';
import { testKey } from '../helpers/keys.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

const CI = 'https://ci.audit.test';
const CI_SUB = 'repo:acme/ops:ref:refs/heads/main';

describeEachDialect('audit events name the client behind an access token, and the external identity behind a federated one', (dialect) => {
  let t: TestTessera;
  let clock: ManualClock;
  before(async () => {
    clock = manualClock('2030-01-01T00:00:00.000Z');
    t = await startTessera({ dialect, clock });
  });
  after(() => t.close());

  /** The newest audit event of `action` on `targetId`, as GET /audit-events shows it. */
  const eventOf = async (action: string, targetId: string) => ok(await t.admin('GET', `/audit-events?action=${action}&target_id=${targetId}`)).items[0];

  it('actor client:{client_id} with actor_detail {tenant, client_id, federated?}; null for an admin token', async () => {
    const key = await testKey('ES256');
    const pipeline = await createClient(t, { client_id: 'pipeline' });
    await trust(t, 'default', [inlineIssuer('default', CI, [key])], { pipeline: [{ issuer: CI, subject: CI_SUB }] });
    created(await t.admin('POST', '/grants', { client_id: 'pipeline', api_identifier: ADMIN_API_IDENTIFIER, scopes: ['service-accounts:write'] }));

    // With its secret: the client, no external identity.
    const bySecret = await tokenRequest(t, '/oauth2/token', pipeline.clientId, pipeline.secret, { audience: ADMIN_API_IDENTIFIER });
    const first = created(await t.admin('POST', '/service-accounts?reason=by-secret', { user_name: 'by-secret' }, { token: bySecret.body.access_token }));
    const bySecretEvent = await eventOf('service_account.create', first.id);
    assert.deepEqual([bySecretEvent.actor, bySecretEvent.actor_name, bySecretEvent.reason], ['client:pipeline', null, 'by-secret']);
    assert.deepEqual(bySecretEvent.actor_detail, { tenant: 'default', client_id: 'pipeline' });

    // With its platform's token (jwt-bearer): no secret at all, the job's iss and sub recorded.
    const assertion = await platformToken(key, clock, { iss: CI, sub: CI_SUB, aud: t.publicUrl });
    const federated = await t.form('/oauth2/token', { grant_type: JWT_BEARER_GRANT, assertion, audience: ADMIN_API_IDENTIFIER });
    assert.equal(federated.status, 200, federated.text);
    const second = created(await t.admin('POST', '/service-accounts', { user_name: 'by-ci' }, { token: federated.body.access_token }));
    const federatedEvent = await eventOf('service_account.create', second.id);
    assert.equal(federatedEvent.actor, 'client:pipeline');
    assert.deepEqual(federatedEvent.actor_detail, { tenant: 'default', client_id: 'pipeline', federated: { iss: CI, sub: CI_SUB } });
    const filtered = ok(await t.admin('GET', '/audit-events?actor=client:pipeline&action=service_account.create')).items.map((e: any) => e.target_id);
    assert.deepEqual(filtered.sort(), [first.id, second.id].sort(), 'both by the client');

    // An admin token: no detail.
    const third = created(await t.admin('POST', '/service-accounts', { user_name: 'by-admin-token' }));
    assert.equal((await eventOf('service_account.create', third.id)).actor_detail, null);
  });
});
