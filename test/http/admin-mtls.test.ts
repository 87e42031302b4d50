import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import { assertProblem, created, ok } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';
import { makeCa, makeClientCert, makeSelfSigned, type TestCertificate } from '../helpers/test-certificates.js';

const INVALID = 'the client metadata is not valid';
const TENANT_INVALID = 'the tenant is not valid';
const NOT_BEFORE = new Date('2026-01-01T00:00:00.000Z');
const ONE_PEM = 'must be exactly one PEM certificate (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----) and nothing else';
const EMPTY_SANS = { dns: [], uri: [], ip: [], email: [] };

/** base64url SHA-256 of the DER: the x5t#S256 RFC 8705 §3.1 defines, computed here independently. */
const x5t = (cert: TestCertificate) => createHash('sha256').update(cert.der).digest('base64url');

/** The JWK of a certificate's public key with the certificate in `x5c` (RFC 7517 §4.7). */
const jwkWithCertificate = (cert: TestCertificate, kid: string) => ({
  ...cert.cert.publicKey.export({ format: 'jwk' }),
  kid,
  x5c: [cert.der.toString('base64')],
});

const tls = (field: string, value: string) => ({ token_endpoint_auth_method: 'tls_client_auth', [`tls_client_auth_${field}`]: value });

/** The tls_client_auth_* members of a client response. */
const tlsNames = (client: Record<string, unknown>) => Object.fromEntries(Object.entries(client).filter(([k]) => k.startsWith('tls_client_auth_')));

describeEachDialect('admin API: mutual TLS clients (RFC 8705 §2)', (dialect) => {
  let t: TestTessera;
  let ca: TestCertificate;
  let device: TestCertificate;
  let selfSigned: TestCertificate;
  let other: TestCertificate;

  before(async () => {
    t = await startTessera({ dialect, env: { TESSERA_OUTBOUND_ALLOW: '127.0.0.1,::1,localhost' } });
    ca = makeCa('Test Root CA', { notBefore: NOT_BEFORE, days: 3650 });
    device = makeClientCert(ca, { subject: '/C=FR/O=Acme/CN=device-1', dns: ['device-1.acme.test'], notBefore: NOT_BEFORE, days: 400 });
    selfSigned = makeSelfSigned({
      subject: '/C=FR/O=Acme/CN=sensor-7',
      dns: ['sensor-7.acme.test'],
      uri: ['spiffe://acme.test/sensor/7'],
      ip: ['2001:db8::7'],
      email: ['ops@acme.test'],
      notBefore: NOT_BEFORE,
      days: 400,
    });
    other = makeSelfSigned({ subject: '/CN=other', notBefore: NOT_BEFORE, days: 30 });
  });
  after(() => t.close());

  it('registers a tls_client_auth client by each of the five names: no secret, only that name in every answer', async () => {
    const cases: [string, string, string][] = [
      ['subject_dn', 'CN=device-1,O=Acme,C=FR', 'CN=device-1,O=Acme,C=FR'],
      ['san_dns', 'device-1.acme.test', 'device-1.acme.test'],
      ['san_uri', 'spiffe://acme.test/sensor/7', 'spiffe://acme.test/sensor/7'],
      ['san_ip', '2001:DB8:0:0:0:0:0:7', '2001:db8::7'],
      ['san_email', 'ops@acme.test', 'ops@acme.test'],
    ];
    for (const [field, value, stored] of cases) {
      const c = created(await t.admin('POST', '/clients', { client_id: `tls-${field}`, ...tls(field, value) }));
      assert.equal('client_secret' in c, false, 'a tls_client_auth client gets no secret');
      assert.deepEqual(c.client_secrets, []);
      assert.equal(c.token_endpoint_auth_method, 'tls_client_auth');
      assert.deepEqual(tlsNames(c), { [`tls_client_auth_${field}`]: stored });
      assert.equal(c.tls_client_certificate_bound_access_tokens, false);
      assert.equal('certificates' in c, false);
      assert.deepEqual(ok(await t.admin('GET', `/clients/tls-${field}`)), c);
      assert.deepEqual(
        ok(await t.admin('GET', '/clients?limit=200')).items.find((x: any) => x.client_id === `tls-${field}`),
        c,
      );
    }
    assertProblem(await t.admin('POST', '/clients/tls-san_dns/secrets', {}), {
      status: 409,
      detail: 'a tls_client_auth client authenticates with its certificate and has no secrets',
      instance: '/clients/tls-san_dns/secrets',
    });
  });

  it('replaces the registered name with PATCH, and refuses to leave one behind when the method changes (422)', async () => {
    created(await t.admin('POST', '/clients', { client_id: 'switch-name', ...tls('subject_dn', 'CN=a') }));
    const byDns = ok(await t.admin('PATCH', '/clients/switch-name', { tls_client_auth_san_dns: 'a.acme.test' }));
    assert.deepEqual(tlsNames(byDns), { tls_client_auth_san_dns: 'a.acme.test' });
    const byEmail = ok(await t.admin('PATCH', '/clients/switch-name', { tls_client_auth_san_dns: null, tls_client_auth_san_email: 'a@acme.test' }));
    assert.deepEqual(tlsNames(byEmail), { tls_client_auth_san_email: 'a@acme.test' });
    assertProblem(await t.admin('PATCH', '/clients/switch-name', { token_endpoint_auth_method: 'client_secret_basic' }), {
      status: 422,
      detail: INVALID,
      instance: '/clients/switch-name',
      errors: [{ pointer: '/tls_client_auth_san_email', detail: 'tls_client_auth_san_email is used only with token_endpoint_auth_method tls_client_auth' }],
    });
    assertProblem(await t.admin('PATCH', '/clients/switch-name', { tls_client_auth_san_email: null }), {
      status: 422,
      detail: INVALID,
      instance: '/clients/switch-name',
      errors: [
        {
          pointer: '/token_endpoint_auth_method',
          detail:
            'tls_client_auth needs exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email',
        },
      ],
    });
    const secretClient = ok(
      await t.admin('PATCH', '/clients/switch-name', { token_endpoint_auth_method: 'client_secret_basic', tls_client_auth_san_email: null }),
    );
    assert.deepEqual(tlsNames(secretClient), {});
    assert.equal(secretClient.token_endpoint_auth_method, 'client_secret_basic');
    assert.deepEqual(ok(await t.admin('GET', '/clients/switch-name')), secretClient);
    created(await t.admin('POST', '/clients/switch-name/secrets', {}));
  });

  it('refuses a missing, extra or malformed name with its pointer (422)', async () => {
    const refused = async (body: Record<string, unknown>, errors: { pointer: string; detail: string }[]) =>
      assertProblem(await t.admin('POST', '/clients', body), { status: 422, detail: INVALID, instance: '/clients', errors });
    await refused({ token_endpoint_auth_method: 'tls_client_auth' }, [
      {
        pointer: '/token_endpoint_auth_method',
        detail:
          'tls_client_auth needs exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, tls_client_auth_san_uri, tls_client_auth_san_ip, tls_client_auth_san_email',
      },
    ]);
    await refused({ ...tls('subject_dn', 'CN=x'), tls_client_auth_san_dns: 'x.test', tls_client_auth_san_ip: '10.0.0.1' }, [
      { pointer: '/tls_client_auth_san_dns', detail: 'tls_client_auth needs exactly one name: tls_client_auth_subject_dn is also set' },
      { pointer: '/tls_client_auth_san_ip', detail: 'tls_client_auth needs exactly one name: tls_client_auth_subject_dn is also set' },
    ]);
    await refused({ tls_client_auth_san_dns: 'x.test' }, [
      { pointer: '/tls_client_auth_san_dns', detail: 'tls_client_auth_san_dns is used only with token_endpoint_auth_method tls_client_auth' },
    ]);
    await refused({ token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://keys.example.test/jwks.json', tls_client_auth_subject_dn: 'CN=x' }, [
      { pointer: '/tls_client_auth_subject_dn', detail: 'tls_client_auth_subject_dn is used only with token_endpoint_auth_method tls_client_auth' },
    ]);
    const malformed: [string, string, string][] = [
      ['subject_dn', 'CN=a,,O=b', 'must be an RFC 4514 distinguished name, most specific RDN first (CN=device-1,O=Acme,C=FR)'],
      ['subject_dn', 'device-1', 'must be an RFC 4514 distinguished name, most specific RDN first (CN=device-1,O=Acme,C=FR)'],
      ['san_dns', '*.acme.test', 'must be an exact DNS name: RFC 8705 matches the name as registered, so wildcards are refused'],
      ['san_dns', 'bad name.test', 'must be a DNS name'],
      ['san_dns', '-bad.test', 'must be a DNS name'],
      ['san_uri', '/relative/path', 'must be an absolute URI'],
      ['san_uri', 'spiffe://acme.test/a b', 'must be an absolute URI'],
      ['san_ip', '10.0.0.256', 'must be an IPv4 or IPv6 address'],
      ['san_ip', 'device-1.acme.test', 'must be an IPv4 or IPv6 address'],
      ['san_email', 'ops.acme.test', 'must be an email address with one "@"'],
      ['san_email', 'a@b@acme.test', 'must be an email address with one "@"'],
      ['san_uri', `urn:x:${'a'.repeat(1020)}`, 'must be 1 to 1024 characters'],
      ['subject_dn', 'CN=a\u202eb', 'must be printable text'],
    ];
    for (const [field, value, detail] of malformed) await refused(tls(field, value), [{ pointer: `/tls_client_auth_${field}`, detail }]);
  });

  it('accepts the longest name (1024 characters) and a DN with escapes and multi-valued RDNs, stored as given', async () => {
    const long = `urn:x:${'a'.repeat(1018)}`;
    assert.equal(long.length, 1024);
    assert.equal(created(await t.admin('POST', '/clients', { client_id: 'long-uri', ...tls('san_uri', long) })).tls_client_auth_san_uri, long);
    const dn = 'cn=Device\\, One+serialNumber=42 , o=Acme\\2C Inc.,C=FR';
    assert.equal(created(await t.admin('POST', '/clients', { client_id: 'escaped-dn', ...tls('subject_dn', dn) })).tls_client_auth_subject_dn, dn);
  });

  it('binds tokens to the certificate on request, never together with DPoP, never for a public client (422)', async () => {
    const bound = created(
      await t.admin('POST', '/clients', { client_id: 'bound', ...tls('san_dns', 'bound.test'), tls_client_certificate_bound_access_tokens: true }),
    );
    assert.equal(bound.tls_client_certificate_bound_access_tokens, true);
    const secretBound = created(await t.admin('POST', '/clients', { client_id: 'secret-bound', tls_client_certificate_bound_access_tokens: true }));
    assert.equal(secretBound.tls_client_certificate_bound_access_tokens, true, 'allowed with any method of a confidential client');
    assert.equal(
      ok(await t.admin('PATCH', '/clients/bound', { tls_client_certificate_bound_access_tokens: false })).tls_client_certificate_bound_access_tokens,
      false,
    );
    const both = 'a token is bound to a certificate or to a DPoP key, not both: dpop_bound_access_tokens is also true';
    assertProblem(await t.admin('PATCH', '/clients/secret-bound', { dpop_bound_access_tokens: true }), {
      status: 422,
      detail: INVALID,
      instance: '/clients/secret-bound',
      errors: [{ pointer: '/tls_client_certificate_bound_access_tokens', detail: both }],
    });
    assertProblem(
      await t.admin('POST', '/clients', { ...tls('san_dns', 'x.test'), dpop_bound_access_tokens: true, tls_client_certificate_bound_access_tokens: true }),
      { status: 422, detail: INVALID, instance: '/clients', errors: [{ pointer: '/tls_client_certificate_bound_access_tokens', detail: both }] },
    );
    assertProblem(await t.admin('POST', '/clients', { client_type: 'spa', tls_client_certificate_bound_access_tokens: true }), {
      status: 422,
      detail: INVALID,
      instance: '/clients',
      errors: [{ pointer: '/tls_client_certificate_bound_access_tokens', detail: 'a spa client is public and does not authenticate' }],
    });
    assertProblem(await t.admin('PATCH', '/clients/bound', { tls_client_certificate_bound_access_tokens: 'yes' }), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/clients/bound',
      errors: [{ pointer: '/tls_client_certificate_bound_access_tokens', detail: 'must be boolean' }],
    });
  });

  it('registers a self_signed_tls_client_auth client with its certificate in jwks and answers the certificate details', async () => {
    const c = created(
      await t.admin('POST', '/clients', {
        client_id: 'sensor-7',
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        jwks: { keys: [jwkWithCertificate(selfSigned, 'sensor-cert'), { ...other.cert.publicKey.export({ format: 'jwk' }), kid: 'bare-key' }] },
      }),
    );
    assert.equal('client_secret' in c, false);
    assert.deepEqual(tlsNames(c), {});
    assert.deepEqual(c.certificates, [
      {
        kid: 'sensor-cert',
        subject: 'CN=sensor-7,O=Acme,C=FR',
        issuer: 'CN=sensor-7,O=Acme,C=FR',
        subject_alt_names: { dns: ['sensor-7.acme.test'], uri: ['spiffe://acme.test/sensor/7'], ip: ['2001:db8::7'], email: ['ops@acme.test'] },
        'x5t#S256': x5t(selfSigned),
        not_before: '2026-01-01T00:00:00.000Z',
        not_after: '2027-02-05T00:00:00.000Z',
      },
    ]);
    assert.deepEqual(ok(await t.admin('GET', '/clients/sensor-7')), c);
    const byUri = ok(await t.admin('PATCH', '/clients/sensor-7', { jwks: null, jwks_uri: 'https://keys.example.test/sensor.json' }));
    assert.equal('certificates' in byUri, false, 'no inline certificate, no details');
    assertProblem(await t.admin('POST', '/clients/sensor-7/secrets', {}), {
      status: 409,
      detail: 'a self_signed_tls_client_auth client authenticates with its certificate and has no secrets',
      instance: '/clients/sensor-7/secrets',
    });
  });

  it('refuses a self_signed_tls_client_auth client without exactly one of jwks and jwks_uri, and an x5c that is not the key (422)', async () => {
    const selfSignedMethod = { token_endpoint_auth_method: 'self_signed_tls_client_auth' };
    const refused = async (body: Record<string, unknown>, errors: { pointer: string; detail: string }[]) =>
      assertProblem(await t.admin('POST', '/clients', body), { status: 422, detail: INVALID, instance: '/clients', errors });
    const exactlyOne = [{ pointer: '/jwks', detail: 'self_signed_tls_client_auth needs exactly one of jwks and jwks_uri' }];
    await refused(selfSignedMethod, exactlyOne);
    await refused({ ...selfSignedMethod, jwks: { keys: [jwkWithCertificate(selfSigned, 'a')] }, jwks_uri: 'https://keys.example.test/j.json' }, exactlyOne);
    const mismatched = { ...jwkWithCertificate(selfSigned, 'a'), x5c: [other.der.toString('base64')] };
    await refused({ ...selfSignedMethod, jwks: { keys: [jwkWithCertificate(device, 'ok'), mismatched] } }, [
      { pointer: '/jwks/keys/1/x5c', detail: "its first certificate's public key is not this key" },
    ]);
    await refused(
      { ...selfSignedMethod, jwks: { keys: [{ ...jwkWithCertificate(selfSigned, 'a'), x5c: [Buffer.from('not a certificate').toString('base64')] }] } },
      [{ pointer: '/jwks/keys/0/x5c', detail: 'its first certificate is not a valid X.509 certificate' }],
    );
    await refused({ ...selfSignedMethod, jwks: { keys: [{ ...jwkWithCertificate(selfSigned, 'a'), x5c: 'MIIB' }] } }, [
      { pointer: '/jwks/keys/0/x5c', detail: 'must be a non-empty array of base64 DER certificates' },
    ]);
    await refused({ ...selfSignedMethod, jwks: { keys: [{ ...jwkWithCertificate(selfSigned, 'a'), x5c: [] }] } }, [
      { pointer: '/jwks/keys/0/x5c', detail: 'must be a non-empty array of base64 DER certificates' },
    ]);
  });

  it('records the mutual TLS settings in the audit log', async () => {
    created(
      await t.admin('POST', '/clients?reason=device', {
        client_id: 'audited',
        ...tls('san_ip', '192.0.2.10'),
        tls_client_certificate_bound_access_tokens: true,
      }),
    );
    ok(await t.admin('PATCH', '/clients/audited', { tls_client_auth_subject_dn: 'CN=audited' }));
    const events = ok(await t.admin('GET', '/audit-events?limit=200')).items.filter((e: any) => e.target_id === 'audited');
    const created_ = events.find((e: any) => e.action === 'client.create');
    const updated = events.find((e: any) => e.action === 'client.update');
    assert.deepEqual(created_.details.tls_client_auth, { field: 'san_ip', value: '192.0.2.10' });
    assert.equal(created_.details.tls_client_certificate_bound_access_tokens, true);
    assert.deepEqual(updated.details.tls_client_auth, { field: 'subject_dn', value: 'CN=audited' });
  });
});

describeEachDialect("admin API: a tenant's own CAs and certificate inspection", (dialect) => {
  let t: TestTessera;
  let root: TestCertificate;
  let intermediate: TestCertificate;
  let leaf: TestCertificate;

  before(async () => {
    t = await startTessera({ dialect });
    root = makeCa('Acme Root', { notBefore: NOT_BEFORE, days: 3650 });
    intermediate = makeCa('Acme Devices', { issuer: root, notBefore: NOT_BEFORE, days: 1000 });
    leaf = makeClientCert(intermediate, {
      subject: '/C=FR/O=Acme/CN=device-9',
      dns: ['device-9.acme.test'],
      ip: ['192.0.2.9'],
      notBefore: NOT_BEFORE,
      days: 400,
    });
  });
  after(() => t.close());

  const caDetails = (cert: TestCertificate, subject: string, issuer: string, notAfter: string) => ({
    subject,
    issuer,
    subject_alt_names: EMPTY_SANS,
    'x5t#S256': x5t(cert),
    not_before: '2026-01-01T00:00:00.000Z',
    not_after: notAfter,
  });

  it('creates and updates a tenant with its CAs: stored as given, details in the same order, [] by default', async () => {
    const plain = created(await t.admin('POST', '/tenants', { id: 'plain' }));
    assert.deepEqual(plain.tls_client_cas, []);
    assert.deepEqual(plain.tls_client_ca_details, []);
    const acme = created(await t.admin('POST', '/tenants', { id: 'acme', tls_client_cas: [root.certPem] }));
    assert.deepEqual(acme.tls_client_cas, [root.certPem]);
    assert.deepEqual(acme.tls_client_ca_details, [caDetails(root, 'CN=Acme Root', 'CN=Acme Root', '2035-12-30T00:00:00.000Z')]);
    const both = ok(await t.admin('PATCH', '/tenants/acme', { tls_client_cas: [intermediate.certPem, `\n${root.certPem}\n`] }));
    assert.deepEqual(both.tls_client_cas, [intermediate.certPem, `\n${root.certPem}\n`]);
    assert.deepEqual(both.tls_client_ca_details, [
      caDetails(intermediate, 'CN=Acme Devices', 'CN=Acme Root', '2028-09-27T00:00:00.000Z'),
      caDetails(root, 'CN=Acme Root', 'CN=Acme Root', '2035-12-30T00:00:00.000Z'),
    ]);
    assert.deepEqual(ok(await t.admin('GET', '/tenants/acme')), both);
    const renamed = ok(await t.admin('PATCH', '/tenants/acme', { name: 'Acme' }));
    assert.deepEqual(renamed.tls_client_cas, both.tls_client_cas, 'a patch without tls_client_cas keeps them');
    assert.deepEqual(ok(await t.admin('PATCH', '/tenants/acme', { tls_client_cas: [] })).tls_client_cas, []);
  });

  it('refuses a CA list that is too long, or an entry that is not exactly one PEM CA certificate (422)', async () => {
    created(await t.admin('POST', '/tenants', { id: 'strict' }));
    const refused = async (cas: unknown[], errors: { pointer: string; detail: string }[]) =>
      assertProblem(await t.admin('PATCH', '/tenants/strict', { tls_client_cas: cas }), {
        status: 422,
        detail: TENANT_INVALID,
        instance: '/tenants/strict',
        errors,
      });
    await refused(
      Array.from({ length: 21 }, () => root.certPem),
      [{ pointer: '/tls_client_cas', detail: 'must hold at most 20 certificates' }],
    );
    const garbled = root.certPem.replace(/\n[A-Za-z0-9+/]{10}/, '\nAAAAAAAAAA');
    await refused(
      [root.certPem, leaf.certPem, `${root.certPem}${intermediate.certPem}`, `${root.certPem}${root.keyPem}`, 'not a certificate', garbled],
      [
        { pointer: '/tls_client_cas/1', detail: 'is not a CA certificate (basicConstraints cA is not set)' },
        { pointer: '/tls_client_cas/2', detail: ONE_PEM },
        { pointer: '/tls_client_cas/3', detail: ONE_PEM },
        { pointer: '/tls_client_cas/4', detail: ONE_PEM },
        { pointer: '/tls_client_cas/5', detail: 'is not a valid X.509 certificate' },
      ],
    );
    assertProblem(await t.admin('POST', '/tenants', { id: 'refused', tls_client_cas: [leaf.certPem] }), {
      status: 422,
      detail: TENANT_INVALID,
      instance: '/tenants',
      errors: [{ pointer: '/tls_client_cas/0', detail: 'is not a CA certificate (basicConstraints cA is not set)' }],
    });
    assert.equal((await t.admin('GET', '/tenants/refused')).status, 404, 'nothing half-written');
    assert.deepEqual(ok(await t.admin('GET', '/tenants/strict')).tls_client_cas, []);
  });

  it("records the CAs' thumbprints in the audit log, never the PEMs", async () => {
    created(await t.admin('POST', '/tenants', { id: 'audited', tls_client_cas: [root.certPem] }));
    ok(await t.admin('PATCH', '/tenants/audited', { tls_client_cas: [intermediate.certPem, root.certPem] }));
    const events = ok(await t.admin('GET', '/tenants/audited/audit-events?limit=200')).items;
    const text = JSON.stringify(events);
    assert.ok(!text.includes('BEGIN CERTIFICATE'), 'no PEM in the audit log');
    assert.deepEqual(events.find((e: any) => e.action === 'tenant.create').details.tls_client_cas, [x5t(root)]);
    assert.deepEqual(events.find((e: any) => e.action === 'tenant.update').details.tls_client_cas, [x5t(intermediate), x5t(root)]);
  });

  it("keeps a tenant's CAs from an admin token limited to another tenant (403)", async () => {
    created(await t.admin('POST', '/tenants', { id: 'mine' }));
    created(await t.admin('POST', '/tenants', { id: 'theirs', tls_client_cas: [root.certPem] }));
    const limited = created(await t.admin('POST', '/admin-tokens', { name: 'mine-ops', tenant: 'mine' }));
    const as = { token: limited.token };
    const forbidden = (instance: string) => ({ status: 403, detail: 'this admin token is limited to tenant mine', instance });
    assertProblem(await t.admin('GET', '/tenants/theirs', undefined, as), forbidden('/tenants/theirs'));
    assertProblem(await t.admin('PATCH', '/tenants/theirs', { tls_client_cas: [] }, as), forbidden('/tenants/theirs'));
    const listed = ok(await t.admin('GET', '/tenants', undefined, as)).items;
    assert.deepEqual(
      listed.map((x: any) => x.id),
      ['mine'],
    );
    assert.ok(!JSON.stringify(listed).includes('BEGIN CERTIFICATE'));
    const own = ok(await t.admin('PATCH', '/tenants/mine', { tls_client_cas: [intermediate.certPem] }, as));
    assert.deepEqual(own.tls_client_cas, [intermediate.certPem]);
    assert.deepEqual(ok(await t.admin('GET', '/tenants/theirs')).tls_client_cas, [root.certPem], 'unchanged');
  });

  it('inspects a PEM certificate at the root and under a tenant: details, CA flag and public key as a JWK', async () => {
    const inspected = ok(await t.admin('POST', '/certificates/inspect', { certificate: leaf.certPem }));
    assert.deepEqual(inspected, {
      subject: 'CN=device-9,O=Acme,C=FR',
      issuer: 'CN=Acme Devices',
      subject_alt_names: { dns: ['device-9.acme.test'], uri: [], ip: ['192.0.2.9'], email: [] },
      'x5t#S256': x5t(leaf),
      not_before: '2026-01-01T00:00:00.000Z',
      not_after: '2027-02-05T00:00:00.000Z',
      ca: false,
      jwk: leaf.cert.publicKey.export({ format: 'jwk' }),
    });
    assert.equal(inspected.jwk.kty, 'EC');
    created(await t.admin('POST', '/tenants', { id: 'inspector' }));
    const limited = created(await t.admin('POST', '/admin-tokens', { name: 'inspector-ops', tenant: 'inspector' }));
    const underTenant = ok(await t.admin('POST', '/tenants/inspector/certificates/inspect', { certificate: root.certPem }, { token: limited.token }));
    assert.equal(underTenant.ca, true);
    assert.equal(underTenant['x5t#S256'], x5t(root));
  });

  it('refuses anything but one PEM certificate to inspect (422), and a body without one (400)', async () => {
    for (const certificate of ['', 'hello', `${root.certPem}${leaf.certPem}`, `${leaf.certPem}${leaf.keyPem}`]) {
      assertProblem(await t.admin('POST', '/certificates/inspect', { certificate }), {
        status: 422,
        detail: 'the certificate is not valid',
        instance: '/certificates/inspect',
        errors: [{ pointer: '/certificate', detail: ONE_PEM }],
      });
    }
    assertProblem(await t.admin('POST', '/certificates/inspect', {}), {
      status: 400,
      detail: 'the request body is invalid',
      instance: '/certificates/inspect',
      errors: [{ pointer: '/certificate', detail: 'is required' }],
    });
    assertProblem(await t.admin('POST', '/certificates/inspect', { certificate: leaf.certPem }, { token: null }), {
      status: 401,
      detail: 'send an admin token: Authorization: Bearer <token> (or start Tessera with TESSERA_ADMIN_AUTH=loopback)',
      instance: '/certificates/inspect',
    });
  });

  it('publishes the new fields and route in the OpenAPI document', async () => {
    const doc = ok(await t.admin('GET', '/openapi.json', undefined, { token: null }));
    assert.ok(doc.paths['/certificates/inspect']?.post, 'the inspect route');
    assert.ok(doc.paths['/tenants/{tenant}/certificates/inspect']?.post, 'the inspect route under a tenant');
    const text = JSON.stringify(doc);
    for (const field of [
      'tls_client_auth_subject_dn',
      'tls_client_auth_san_dns',
      'tls_client_auth_san_uri',
      'tls_client_auth_san_ip',
      'tls_client_auth_san_email',
      'tls_client_certificate_bound_access_tokens',
      'self_signed_tls_client_auth',
      'tls_client_cas',
      'tls_client_ca_details',
      'x5t#S256',
    ]) {
      assert.ok(text.includes(field), field);
    }
  });
});
