import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { exportJWK } from 'jose';
import { FULL_REACH } from '../../src/domain/admin-reach.js';
import type { ClientInput } from '../../src/domain/clients/service.js';
import { systemClock } from '../../src/lib/clock.js';
import { dpopProof } from '../helpers/assertions.js';
import { eventually } from '../helpers/eventually.js';
import { startJwksServer } from '../helpers/jwks-server.js';
import { inlineIssuer, JWT_BEARER_GRANT, platformToken, trust } from '../helpers/federation.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { testKey } from '../helpers/keys.js';
import { startMtlsTessera, type MtlsTessera } from '../helpers/mtls.js';
import { sh } from '../helpers/shell.js';
import { basic, decodeJwt, type HttpResult } from '../helpers/tessera.js';
import { makeCa, makeClientCert, makeSelfSigned, type TestCertificate } from '../helpers/test-certificates.js';

const ACTOR = { id: 'test' };
const AUD = 'https://api.test';
const CC = { grant_type: 'client_credentials' };
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'Client authentication failed.' };
const LOCKED = { error: 'temporarily_unavailable', error_description: 'Too many failed client authentications; retry later.' };
const DAY_MS = 86_400_000;

/** base64url(SHA-256(DER)): the x5t#S256 of RFC 8705 §3.1, computed here independently of Tessera. */
const x5t = (certificate: TestCertificate) => createHash('sha256').update(certificate.der).digest('base64url');

/** Registers a client straight through the domain service (the admin API's fields are another slice's). */
async function register(m: MtlsTessera, input: ClientInput, tenant = 'default'): Promise<{ clientId: string; secret: string | undefined }> {
  const { client, secret } = await m.t.server.deps.services.clients.create(
    ACTOR,
    tenant,
    { grantTypes: ['client_credentials'], audience: [AUD], ...input },
    FULL_REACH,
  );
  return { clientId: client.clientId, secret: secret?.value };
}

function assertInvalidClient(res: HttpResult): void {
  assert.equal(res.status, 401, res.text);
  assert.deepEqual(res.body, INVALID_CLIENT);
}

/** The log detail of the last refused request: what the public body never says. */
function lastRefusal(m: MtlsTessera): string | undefined {
  const lines = m.t.logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.error === 'invalid_client');
  return lines.at(-1)?.detail as string | undefined;
}

describeEachDialect('mutual TLS client authentication (RFC 8705 §2) and certificate-bound tokens (§3)', (dialect) => {
  let m: MtlsTessera;
  let otherCa: TestCertificate;

  before(async () => {
    // The key server of the jwks_uri test listens on 127.0.0.1: outbound fetches may go there.
    m = await startMtlsTessera({ dialect, env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1' } });
    otherCa = makeCa('Tenant Acme CA');
    await m.t.server.deps.services.tenants.create(ACTOR, { id: 'acme', tlsClientCas: [otherCa.certPem] });
  });
  after(async () => {
    await m.close();
  });

  const tokenFor = (clientId: string, client: TestCertificate | undefined, path = '/oauth2/token') => m.form(path, { ...CC, client_id: clientId }, { client });

  it('tls_client_auth: each of the five fields identifies its client (DN compared after RFC 4514 normalisation)', async () => {
    const device = makeClientCert(m.clientCa, {
      subject: '/C=FR/O=Acme, Inc./CN=device-1',
      dns: ['Device-1.Example.COM'],
      uri: ['spiffe://example.org/ns/prod/sa/device-1'],
      ip: ['2001:db8::1'],
      email: ['device-1@example.com'],
    });
    const fields: ClientInput['tlsClientAuth'][] = [
      { field: 'subject_dn', value: 'cn=device-1,  o=Acme\\, Inc., c=FR' },
      { field: 'san_dns', value: 'device-1.example.com' },
      { field: 'san_uri', value: 'spiffe://example.org/ns/prod/sa/device-1' },
      { field: 'san_ip', value: '2001:DB8:0:0:0:0:0:1' },
      { field: 'san_email', value: 'device-1@example.com' },
    ];
    for (const tlsClientAuth of fields) {
      const { clientId } = await register(m, { tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuth });
      const res = await tokenFor(clientId, device);
      assert.equal(res.status, 200, `${tlsClientAuth?.field}: ${res.text}`);
      assert.equal(res.body.token_type, 'Bearer');
      const { payload } = decodeJwt(res.body.access_token);
      assert.equal(payload.client_id, clientId);
      assert.equal(payload.cnf, undefined, 'not bound unless the client says so');
    }
    // A value the certificate does not carry.
    const { clientId } = await register(m, { tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuth: { field: 'san_dns', value: 'device-2.example.com' } });
    assertInvalidClient(await tokenFor(clientId, device));
    assert.equal(lastRefusal(m), `tls_client_auth of client ${clientId}: certificate has no san_dns "device-2.example.com"`);
  });

  it("tls_client_auth: refuses a wrong CA, an expired certificate, no certificate, and another tenant's CA", async () => {
    const { clientId } = await register(m, { tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuth: { field: 'subject_dn', value: 'CN=device-3' } });
    assert.equal((await tokenFor(clientId, makeClientCert(m.clientCa, { subject: '/CN=device-3' }))).status, 200);

    assertInvalidClient(await tokenFor(clientId, makeClientCert(makeCa('Stranger CA'), { subject: '/CN=device-3' })));
    assert.equal(lastRefusal(m), `tls_client_auth of client ${clientId}: certificate is not issued by a trusted CA`);

    const expired = makeClientCert(m.clientCa, { subject: '/CN=device-3', notBefore: new Date(Date.now() - 3 * DAY_MS), days: 1 });
    assertInvalidClient(await tokenFor(clientId, expired));
    assert.equal(lastRefusal(m), `tls_client_auth of client ${clientId}: client certificate has expired`);

    assertInvalidClient(await tokenFor(clientId, undefined));
    assert.equal(lastRefusal(m), 'no client authentication in the request');

    // Tenant acme trusts its own CA: a certificate of it is good in acme, and nothing in the default tenant.
    const acmeDevice = makeClientCert(otherCa, { subject: '/CN=device-3' });
    assertInvalidClient(await tokenFor(clientId, acmeDevice));
    const acme = await register(m, { tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuth: { field: 'subject_dn', value: 'CN=device-3' } }, 'acme');
    assert.equal((await tokenFor(acme.clientId, acmeDevice, '/t/acme/oauth2/token')).status, 200);
    // TESSERA_TLS_CLIENT_CA is trusted in every tenant.
    assert.equal((await tokenFor(acme.clientId, makeClientCert(m.clientCa, { subject: '/CN=device-3' }), '/t/acme/oauth2/token')).status, 200);
  });

  it('tls_client_auth: a certificate of an intermediate CA chains to the trusted root when the client sends the intermediate', async () => {
    const intermediate = makeCa('Tessera Test Intermediate', { issuer: m.clientCa });
    const leaf = makeClientCert(intermediate, { subject: '/CN=device-12' });
    const { clientId } = await register(m, { tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuth: { field: 'subject_dn', value: 'CN=device-12' } });
    const res = await tokenFor(clientId, { ...leaf, certPem: leaf.certPem + intermediate.certPem });
    assert.equal(res.status, 200, res.text);
    // A certificate never sent with its intermediate: no path.
    assertInvalidClient(await tokenFor(clientId, makeClientCert(intermediate, { subject: '/CN=device-12' })));
    assert.equal(lastRefusal(m), `tls_client_auth of client ${clientId}: certificate is not issued by a trusted CA`);
  });

  it('a certificate with client_id authenticates only a client registered for a TLS method', async () => {
    const { clientId, secret } = await register(m, {});
    const device = makeClientCert(m.clientCa, { subject: '/CN=device-4' });
    assertInvalidClient(await tokenFor(clientId, device));
    assert.equal(lastRefusal(m), `client ${clientId} registered a secret method but used tls_client_auth`);
    // Its secret still works, certificate or not.
    const res = await m.form('/oauth2/token', CC, { client: device, headers: { authorization: basic(clientId, secret!) } });
    assert.equal(res.status, 200, res.text);
  });

  it('self_signed_tls_client_auth: the certificate in jwks (x5c) or its bare public key; any other certificate is refused', async () => {
    const device = makeSelfSigned({ subject: '/CN=device-5' });
    const x5c = { ...(await exportJWK(device.cert.publicKey)), kid: 'cert', x5c: [device.der.toString('base64')] };
    const bare = { ...(await exportJWK(device.cert.publicKey)), kid: 'bare' };
    for (const key of [x5c, bare]) {
      const { clientId } = await register(m, { tokenEndpointAuthMethod: 'self_signed_tls_client_auth', jwks: { keys: [key] } });
      const res = await tokenFor(clientId, device);
      assert.equal(res.status, 200, `${key.kid}: ${res.text}`);
      assertInvalidClient(await tokenFor(clientId, makeSelfSigned({ subject: '/CN=device-5' })));
      assert.equal(lastRefusal(m), `self_signed_tls_client_auth of client ${clientId}: the certificate is not among the client's keys`);
    }
    // Self-signed and expired.
    const old = makeSelfSigned({ subject: '/CN=device-6', notBefore: new Date(Date.now() - 3 * DAY_MS), days: 1 });
    const { clientId } = await register(m, {
      tokenEndpointAuthMethod: 'self_signed_tls_client_auth',
      jwks: { keys: [{ ...(await exportJWK(old.cert.publicKey)), x5c: [old.der.toString('base64')] }] },
    });
    assertInvalidClient(await tokenFor(clientId, old));
    assert.equal(lastRefusal(m), `self_signed_tls_client_auth of client ${clientId}: certificate has expired`);
  });

  it('self_signed_tls_client_auth with jwks_uri: the certificate among the keys fetched', async () => {
    const device = makeSelfSigned({ subject: '/CN=device-14' });
    const keyServer = await startJwksServer();
    try {
      keyServer.route('/device-keys', { keys: [{ ...(await exportJWK(device.cert.publicKey)), x5c: [device.der.toString('base64')] }] });
      const { clientId } = await register(m, { tokenEndpointAuthMethod: 'self_signed_tls_client_auth', jwksUri: `${keyServer.base}/device-keys` });
      const res = await tokenFor(clientId, device);
      assert.equal(res.status, 200, res.text);
      assertInvalidClient(await tokenFor(clientId, makeSelfSigned({ subject: '/CN=device-14' })));
      assert.equal(lastRefusal(m), `self_signed_tls_client_auth of client ${clientId}: the certificate is not among the client's keys`);
    } finally {
      await keyServer.close();
    }
  });

  it('curl --cert/--key: tls_client_auth and self_signed_tls_client_auth', async () => {
    const device = makeClientCert(m.clientCa, { subject: '/CN=device-7', uri: ['spiffe://example.org/device-7'] });
    const tls = await register(m, { tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuth: { field: 'san_uri', value: 'spiffe://example.org/device-7' } });
    const selfSigned = makeSelfSigned({ subject: '/CN=device-8' });
    const own = await register(m, {
      tokenEndpointAuthMethod: 'self_signed_tls_client_auth',
      jwks: { keys: [{ ...(await exportJWK(selfSigned.cert.publicKey)), x5c: [selfSigned.der.toString('base64')] }] },
    });
    for (const [client, certificate, name] of [
      [tls.clientId, device, 'device-7'],
      [own.clientId, selfSigned, 'device-8'],
    ] as const) {
      const files = m.files(certificate, name);
      const out = await sh(
        `curl -sS --cacert '${m.serverCaPath}' --cert '${files.certPath}' --key '${files.keyPath}' -d grant_type=client_credentials -d client_id=${client} '${m.t.publicUrl}/oauth2/token'`,
      );
      const body = JSON.parse(out) as { access_token: string };
      assert.equal(decodeJwt(body.access_token).payload.client_id, client, out);
    }
  });

  it('bound tokens carry cnf x5t#S256 of the presented certificate; introspection shows it; introspection and revocation by certificate', async () => {
    const device = makeClientCert(m.clientCa, { subject: '/CN=device-9' });
    const { clientId } = await register(m, {
      tokenEndpointAuthMethod: 'tls_client_auth',
      tlsClientAuth: { field: 'subject_dn', value: 'CN=device-9' },
      tlsClientCertificateBoundAccessTokens: true,
    });
    // Two requests on one keep-alive connection: both bound to the connection's certificate.
    const agent = m.agent(device);
    const tokens: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await m.form('/oauth2/token', { ...CC, client_id: clientId }, { agent });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.token_type, 'Bearer', 'RFC 8705: a certificate-bound token is still a Bearer token');
      assert.deepEqual(decodeJwt(res.body.access_token).payload.cnf, { 'x5t#S256': x5t(device) });
      tokens.push(res.body.access_token);
    }
    const introspected = await m.form('/oauth2/introspect', { client_id: clientId, token: tokens[0]! }, { agent });
    assert.equal(introspected.status, 200, introspected.text);
    assert.equal(introspected.body.active, true);
    assert.equal(introspected.body.token_type, 'Bearer');
    assert.deepEqual(introspected.body.cnf, { 'x5t#S256': x5t(device) });

    const revoked = await m.form('/oauth2/revoke', { client_id: clientId, token: tokens[0]! }, { agent });
    assert.equal(revoked.status, 200, revoked.text);
    assert.deepEqual((await m.form('/oauth2/introspect', { client_id: clientId, token: tokens[0]! }, { agent })).body, { active: false });
    agent.destroy();

    // Introspection with a certificate of the wrong CA: the one invalid_client.
    assertInvalidClient(
      await m.form('/oauth2/introspect', { client_id: clientId, token: tokens[1]! }, { client: makeClientCert(otherCa, { subject: '/CN=device-9' }) }),
    );
  });

  it('a bound client of a secret method binds to whatever certificate it presents; none, or a DPoP proof, is invalid_request', async () => {
    const { clientId, secret } = await register(m, { tlsClientCertificateBoundAccessTokens: true });
    const authorization = basic(clientId, secret!);
    const any = makeSelfSigned({ subject: '/CN=device-10' });
    const bound = await m.form('/oauth2/token', CC, { client: any, headers: { authorization } });
    assert.equal(bound.status, 200, bound.text);
    assert.deepEqual(decodeJwt(bound.body.access_token).payload.cnf, { 'x5t#S256': x5t(any) });

    const none = await m.form('/oauth2/token', CC, { headers: { authorization } });
    assert.equal(none.status, 400);
    assert.deepEqual(none.body, {
      error: 'invalid_request',
      error_description: "This client's access tokens are bound to its certificate: the request requires a client certificate (RFC 8705 section 3).",
    });

    const key = await testKey('ES256');
    const proof = await dpopProof(key, systemClock, { htu: `${m.t.config.publicUrl}/oauth2/token` });
    const dpop = await m.form('/oauth2/token', CC, { client: any, headers: { authorization, dpop: proof } });
    assert.equal(dpop.status, 400, dpop.text);
    assert.deepEqual(dpop.body, {
      error: 'invalid_request',
      error_description: "This client's access tokens are bound to its certificate (RFC 8705 section 3): it may not send a DPoP proof.",
    });
  });

  it("the jwt-bearer grant binds a bound client's token to the request's certificate as well", async () => {
    const key = await testKey('ES256', 'ci-1');
    const created = await m.t.admin('POST', '/clients', { client_id: 'ci-job', audience: [AUD], tls_client_certificate_bound_access_tokens: true });
    assert.equal(created.status, 201, created.text);
    await trust(m.t, 'default', [inlineIssuer('default', 'https://ci.example', [key])], { 'ci-job': [{ issuer: 'https://ci.example', subject: 'job-1' }] });
    const grant = async () => ({
      grant_type: JWT_BEARER_GRANT,
      assertion: await platformToken(key, systemClock, { iss: 'https://ci.example', sub: 'job-1', aud: m.t.config.publicUrl, jti: randomUUID() }),
    });
    const device = makeSelfSigned({ subject: '/CN=ci-runner' });
    // client_id with a certificate: the grant names its client, the certificate only binds.
    const bound = await m.form('/oauth2/token', { ...(await grant()), client_id: 'ci-job' }, { client: device });
    assert.equal(bound.status, 200, bound.text);
    assert.deepEqual(decodeJwt(bound.body.access_token).payload.cnf, { 'x5t#S256': x5t(device) });
    const none = await m.form('/oauth2/token', await grant());
    assert.equal(none.status, 400, none.text);
    assert.equal(
      none.body.error_description,
      "This client's access tokens are bound to its certificate: the request requires a client certificate (RFC 8705 section 3).",
    );
  });

  it('discovery lists both TLS methods at every endpoint and certificate-bound tokens', async () => {
    const res = await fetchMetadata(m);
    for (const endpoint of ['token', 'introspection', 'revocation']) {
      const methods = res[`${endpoint}_endpoint_auth_methods_supported`] as string[];
      assert.ok(methods.includes('tls_client_auth') && methods.includes('self_signed_tls_client_auth'), `${endpoint}: ${methods.join(' ')}`);
    }
    assert.equal(res.tls_client_certificate_bound_access_tokens, true);
  });
});

/** The default issuer's metadata, over the listener's TLS. */
async function fetchMetadata(m: MtlsTessera): Promise<Record<string, unknown>> {
  const out = await sh(`curl -sS --fail --cacert '${m.serverCaPath}' '${m.t.publicUrl}/.well-known/oauth-authorization-server'`);
  return JSON.parse(out) as Record<string, unknown>;
}

describe('mutual TLS: repeated bad certificates lock the client out (RFC 6749 §2.3.1)', () => {
  let m: MtlsTessera;
  before(async () => {
    m = await startMtlsTessera({ env: { TESSERA_BRUTE_FORCE_MAX_FAILURES: '3' } });
  });
  after(async () => {
    await m.close();
  });

  it('answers 429 once the client has failed as often as the limit allows, even to a good certificate', async () => {
    const { clientId } = await register(m, { tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuth: { field: 'subject_dn', value: 'CN=device-11' } });
    const stranger = makeClientCert(makeCa('Stranger CA'), { subject: '/CN=device-11' });
    for (let i = 0; i < 3; i++) assertInvalidClient(await m.form('/oauth2/token', { ...CC, client_id: clientId }, { client: stranger }));
    const locked = await m.form('/oauth2/token', { ...CC, client_id: clientId }, { client: makeClientCert(m.clientCa, { subject: '/CN=device-11' }) });
    assert.equal(locked.status, 429, locked.text);
    assert.deepEqual(locked.body, LOCKED);
  });
});

describe('TESSERA_TLS_CLIENT_CA is reloaded when its file changes, without a restart', () => {
  let m: MtlsTessera;
  before(async () => {
    m = await startMtlsTessera();
  });
  after(async () => {
    await m.close();
  });

  it('trusts the new bundle once the reload is logged, and keeps the current one when the new file is not a CA bundle', async () => {
    const { clientId } = await register(m, { tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuth: { field: 'subject_dn', value: 'CN=device-13' } });
    const next = makeCa('Next Client CA');
    const device = makeClientCert(next, { subject: '/CN=device-13' });
    assertInvalidClient(await m.form('/oauth2/token', { ...CC, client_id: clientId }, { client: device }));
    const reloads = () => m.t.logs.filter((line) => line.includes('"tls client CA bundle reloaded"')).length;
    const replace = (pem: string) => {
      writeFileSync(`${m.clientCaPath}.new`, pem);
      renameSync(`${m.clientCaPath}.new`, m.clientCaPath);
    };
    replace(m.clientCa.certPem + next.certPem);
    await eventually('the reload is logged', async () => reloads() > 0, { withinMs: 10_000 });
    assert.equal((await m.form('/oauth2/token', { ...CC, client_id: clientId }, { client: device })).status, 200);

    replace('not a certificate');
    await eventually(
      'the refusal is logged',
      async () => m.t.logs.some((line) => line.includes('"tls client CA bundle not reloaded; the current one is kept"')),
      {
        withinMs: 10_000,
      },
    );
    assert.equal((await m.form('/oauth2/token', { ...CC, client_id: clientId }, { client: device })).status, 200);
  });
});
