import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ADMIN_API_IDENTIFIER } from '../../src/domain/admin-scopes.js';
import { EscalationError, ForbiddenError } from '../../src/domain/errors.js';
import { assertProblem, created, ok } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { inlineIssuer, registerIssuer } from '../helpers/federation.js';
import { createClient, createOk } from '../helpers/fixtures.js';
import { testKey } from '../helpers/keys.js';
import { makeCa } from '../helpers/test-certificates.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

/** The exact 403 of an escalation: `what` would hold `excess`. */
const escalation = (instance: string, detail: string, excess: string[]) => ({
  status: 403,
  detail: `${detail}: ${excess.join(', ')}`,
  instance,
  extensions: { excess_scopes: excess },
});

describeEachDialect('admin API: no caller hands out more than it holds', (dialect) => {
  let t: TestTessera;
  /** Creates an admin token with `scopes` and answers its value. */
  const tokenWith = async (...scopes: string[]) => created(await t.admin('POST', '/admin-tokens', { name: scopes.join(' '), scopes })).token as string;
  /** A client holding `scopes` of urn:tessera:admin through a grant (made with full rights). */
  const adminClient = async (...scopes: string[]) => {
    const client = await createClient(t, {});
    created(await t.admin('POST', '/grants', { client_id: client.clientId, api_identifier: ADMIN_API_IDENTIFIER, scopes }));
    return client;
  };

  before(async () => {
    t = await startTessera({ dialect });
  });
  after(() => t.close());

  it('an admin token creates admin tokens with the scopes it holds only', async () => {
    const token = await tokenWith('clients:write', 'admin-tokens:write');
    const as = { token };
    assertProblem(
      await t.admin('POST', '/admin-tokens', { name: 'more' }, as),
      escalation('/admin-tokens', 'the admin token would hold scopes the caller does not hold', ['admin']),
    );
    assertProblem(
      await t.admin('POST', '/admin-tokens', { name: 'more', scopes: ['clients:read', 'audit:read', 'grants:write'] }, as),
      escalation('/admin-tokens', 'the admin token would hold scopes the caller does not hold', ['audit:read', 'grants:write']),
    );
    const fewer = created(await t.admin('POST', '/admin-tokens', { name: 'fewer', scopes: ['clients:read', 'admin-tokens:write'] }, as));
    assert.deepEqual(fewer.scopes, ['clients:read', 'admin-tokens:write']);
    assert.deepEqual(
      ok(await t.admin('GET', '/admin-tokens')).items.filter((x: any) => x.name === 'more'),
      [],
      'nothing was created',
    );
  });

  it('a caller limited to a tenant creates admin tokens for that tenant only (the rule of the domain service)', async () => {
    created(await t.admin('POST', '/tenants', { id: 'acme' }));
    const service = t.server.deps.services.adminTokens;
    const actor = { id: 'admin-token:at_test' };
    const reach = { tenantId: 'acme', scopes: ['admin'] as const };
    const refusal = (detail: string) => (err: unknown) => err instanceof ForbiddenError && !(err instanceof EscalationError) && err.message === detail;
    await assert.rejects(
      service.create(actor, { name: 'wide' }, reach),
      refusal('a caller limited to tenant acme cannot create an admin token for every tenant'),
    );
    await assert.rejects(
      service.create(actor, { name: 'other', tenantId: 'default' }, reach),
      refusal('a caller limited to tenant acme cannot create an admin token for tenant default'),
    );
    const { token } = await service.create(actor, { name: 'own', tenantId: 'acme', scopes: ['clients:read'] }, reach);
    assert.deepEqual([token.tenantId, token.scopes], ['acme', ['clients:read']]);
    await assert.rejects(
      service.create(actor, { name: 'own', tenantId: 'acme' }, { tenantId: 'acme', scopes: ['admin-tokens:write'] }),
      (err: unknown) => err instanceof EscalationError && err.message === 'the admin token would hold scopes the caller does not hold: admin',
    );
  });

  it('a grants:write caller grants on urn:tessera:admin only scopes it holds; other APIs as before', async () => {
    const as = { token: await tokenWith('grants:write', 'clients:write') };
    const client = await createClient(t, {});
    const sa = await createOk(t, '/service-accounts', { user_name: 'escalation-sa' });
    const detail = 'a grant on urn:tessera:admin would hold scopes the caller does not hold';
    assertProblem(
      await t.admin('POST', '/grants', { client_id: client.clientId, api_identifier: ADMIN_API_IDENTIFIER, scopes: ['admin'] }, as),
      escalation('/grants', detail, ['admin']),
    );
    assertProblem(
      await t.admin('POST', '/grants', { service_account_id: sa.id, api_id: 'api_tessera_admin', scopes: ['clients:read', 'keys:write', 'audit:read'] }, as),
      escalation('/grants', detail, ['keys:write', 'audit:read']),
    );
    assert.deepEqual(ok(await t.admin('GET', `/grants?client_id=${client.clientId}`)).items, [], 'no grant was made');
    const held = created(
      await t.admin('POST', '/grants', { client_id: client.clientId, api_identifier: ADMIN_API_IDENTIFIER, scopes: ['clients:read', 'grants:write'] }, as),
    );
    assert.deepEqual(held.scopes, ['clients:read', 'grants:write']);
    await createOk(t, '/apis', { identifier: 'https://escalation.test/', scopes: [{ value: 'admin' }] });
    created(await t.admin('POST', '/grants', { client_id: client.clientId, api_identifier: 'https://escalation.test/', scopes: ['admin'] }, as));
  });

  it('PATCH /grants/{id} on urn:tessera:admin: the new list holds only scopes the caller holds; narrowing needs no more', async () => {
    const as = { token: await tokenWith('grants:write', 'clients:read') };
    const client = await adminClient('clients:read', 'keys:write');
    const [grant] = ok(await t.admin('GET', `/grants?client_id=${client.clientId}`)).items;
    const detail = 'a grant on urn:tessera:admin would hold scopes the caller does not hold';
    assertProblem(
      await t.admin('PATCH', `/grants/${grant.id}`, { scopes: ['clients:read', 'admin'] }, as),
      escalation(`/grants/${grant.id}`, detail, ['admin']),
    );
    assertProblem(
      await t.admin('PATCH', `/grants/${grant.id}`, { scopes: ['clients:read', 'keys:write'] }, as),
      escalation(`/grants/${grant.id}`, detail, ['keys:write']),
    );
    assert.deepEqual(ok(await t.admin('GET', `/grants/${grant.id}`)).scopes, ['clients:read', 'keys:write'], 'nothing changed');
    assert.deepEqual(ok(await t.admin('PATCH', `/grants/${grant.id}`, { scopes: ['clients:read'] }, as)).scopes, ['clients:read']);
    assert.deepEqual(ok(await t.admin('PATCH', `/grants/${grant.id}`, { scopes: ['admin'] })).scopes, ['admin'], 'a caller holding admin hands out anything');
  });

  it('a clients:write caller cannot take over a client holding scopes it lacks, nor make one', async () => {
    const as = { token: await tokenWith('clients:write') };
    const strong = await adminClient('admin');
    const instance = `/clients/${strong.clientId}`;
    const wouldHold = `client ${JSON.stringify(strong.clientId)} would hold scopes the caller does not hold`;
    assertProblem(
      await t.admin('POST', `${instance}/secrets`, {}, as),
      escalation(`${instance}/secrets`, `client ${JSON.stringify(strong.clientId)} holds scopes the caller does not hold`, ['admin']),
    );
    const key = await testKey('ES256');
    for (const body of [
      { token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [key.publicJwk] } },
      { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: 'CN=attacker' },
    ]) {
      assertProblem(await t.admin('PATCH', instance, body, as), escalation(instance, wouldHold, ['admin']));
    }
    // A change that touches neither its credentials nor its grants is the caller's to make (its own lists give no admin scope).
    const renamed = ok(await t.admin('PATCH', instance, { client_name: 'renamed', audience: [ADMIN_API_IDENTIFIER], scope: 'clients:read' }, as));
    assert.deepEqual([renamed.client_name, renamed.scope], ['renamed', 'clients:read']);
    assert.equal(ok(await t.admin('GET', instance)).token_endpoint_auth_method, null, 'its credentials are unchanged');

    // Re-pointing its federated credential.
    const issuer = await registerIssuer(t, inlineIssuer('default', 'https://ci.escalation.test', [key]));
    const repoint = { federated_credentials: [{ issuer: issuer.id, subject: 'repo:attacker/x' }] };
    assertProblem(await t.admin('PATCH', instance, repoint, as), escalation(instance, wouldHold, ['admin']));
    ok(await t.admin('PATCH', instance, repoint));

    // A new client that would obtain admin scopes through its service account's grant.
    const sa = await createOk(t, '/service-accounts', { user_name: 'admins' });
    created(await t.admin('POST', '/grants', { service_account_id: sa.id, api_identifier: ADMIN_API_IDENTIFIER, scopes: ['keys:write'] }));
    assertProblem(
      await t.admin('POST', '/clients', { client_id: 'sneaky', service_account_id: sa.id }, as),
      escalation('/clients', 'client "sneaky" would hold scopes the caller does not hold', ['keys:write']),
    );
    assert.equal((await t.admin('GET', '/clients/sneaky')).status, 404, 'no client was made');
    const plain = created(await t.admin('POST', '/clients', { client_id: 'plain' }, as));
    assertProblem(
      await t.admin('PATCH', `/clients/${plain.client_id}`, { service_account_id: sa.id }, as),
      escalation(`/clients/${plain.client_id}`, 'client "plain" would hold scopes the caller does not hold', ['keys:write']),
    );
    // What it holds itself, it may hand out.
    const reader = await adminClient('clients:read');
    created(await t.admin('POST', `/clients/${reader.clientId}/secrets`, {}, as));
  });

  it('a federation:write caller cannot re-key an issuer that a client holding scopes it lacks trusts', async () => {
    const [key, attacker] = await Promise.all([testKey('ES256'), testKey('ES256')]);
    const issuer = await registerIssuer(t, inlineIssuer('default', 'https://ops.escalation.test', [key]));
    const strong = await adminClient('keys:write');
    ok(await t.admin('PATCH', `/clients/${strong.clientId}`, { federated_credentials: [{ issuer: issuer.id, subject: 'repo:acme/ops' }] }));
    const as = { token: await tokenWith('federation:write') };
    const instance = `/federated-issuers/${issuer.id}`;
    const detail = `clients trusting federated issuer ${issuer.id} hold scopes the caller does not hold`;
    for (const body of [{ jwks: { keys: [attacker.publicJwk] } }, { issuer: 'https://attacker.example' }]) {
      assertProblem(await t.admin('PATCH', instance, body, as), escalation(instance, detail, ['keys:write']));
    }
    assert.equal(ok(await t.admin('PATCH', instance, { name: 'renamed', max_token_age: 600 }, as)).name, 'renamed', 'other settings are its to change');
    ok(await t.admin('PATCH', instance, { jwks: { keys: [key.publicJwk, attacker.publicJwk] } }, { token: await tokenWith('federation:write', 'keys:write') }));
  });

  it('a tenants:write caller cannot add a CA that could issue certificates for a tls_client_auth client holding scopes it lacks', async () => {
    const [trusted, rogue] = [makeCa('Escalation Trusted CA'), makeCa('Escalation Rogue CA')];
    created(await t.admin('POST', '/tenants', { id: 'certs', tls_client_cas: [trusted.certPem] }));
    const device = created(
      await t.admin('POST', '/tenants/certs/clients', { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'ops.certs.test' }),
    );
    created(await t.admin('POST', '/tenants/certs/grants', { client_id: device.client_id, api_identifier: ADMIN_API_IDENTIFIER, scopes: ['keys:write'] }));
    const as = { token: await tokenWith('tenants:write') };
    const instance = '/tenants/certs';
    const detail = 'tls_client_auth clients of tenant certs hold scopes the caller does not hold';
    assertProblem(await t.admin('PATCH', instance, { tls_client_cas: [trusted.certPem, rogue.certPem] }, as), escalation(instance, detail, ['keys:write']));
    assert.deepEqual(ok(await t.admin('GET', instance)).tls_client_cas, [trusted.certPem], 'nothing changed');
    // Renaming, and removing trust, hand out nothing.
    assert.equal(ok(await t.admin('PATCH', instance, { name: 'Certificates', tls_client_cas: [] }, as)).name, 'Certificates');
    assertProblem(await t.admin('PATCH', instance, { tls_client_cas: [trusted.certPem] }, as), escalation(instance, detail, ['keys:write']));
    ok(await t.admin('PATCH', instance, { tls_client_cas: [trusted.certPem] }, { token: await tokenWith('tenants:write', 'keys:write') }));
  });

  it('the playground shows a token for urn:tessera:admin only to a caller holding its scopes', async () => {
    const client = await adminClient('clients:read', 'apis:write');
    const body = { client_id: client.clientId, client_secret: client.secret, audience: ADMIN_API_IDENTIFIER };
    assertProblem(
      await t.admin('POST', '/playground/token', body, { token: await tokenWith('clients:read') }),
      escalation('/playground/token', 'the token for urn:tessera:admin would hold scopes the caller does not hold', ['apis:write']),
    );
    const narrower = ok(await t.admin('POST', '/playground/token', { ...body, scope: 'clients:read' }, { token: await tokenWith('clients:read') }));
    assert.equal(narrower.claims.scope, 'clients:read');
    const shown = ok(await t.admin('POST', '/playground/token', body, { token: await tokenWith('clients:read', 'apis:write') }));
    assert.deepEqual([shown.status, shown.claims.aud, shown.claims.scope], [200, ADMIN_API_IDENTIFIER, 'clients:read apis:write']);
  });
});
