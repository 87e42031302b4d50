import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { certificateIssuerDn, certificateSubjectDn } from '../../../src/lib/x509/certificate-subject.js';
import { dnEquals } from '../../../src/lib/x509/distinguished-name.js';
import { normalizeIp, subjectAltNames } from '../../../src/lib/x509/subject-alt-names.js';
import { certificateThumbprint } from '../../../src/lib/x509/thumbprint.js';
import { makeCa, makeClientCert, makeSelfSigned, type TestCertificate } from '../../helpers/test-certificates.js';

describe('names in certificates made by openssl', () => {
  let ca: TestCertificate;
  before(() => {
    ca = makeCa('Tessera Test Root');
  });

  it('writes the subject most specific RDN first, as RFC 4514 does', () => {
    const cert = makeClientCert(ca, { subject: '/DC=net/DC=example/O=Acme/OU=Fleet/CN=device-1' });
    assert.equal(cert.cert.subject, 'DC=net\nDC=example\nO=Acme\nOU=Fleet\nCN=device-1');
    assert.equal(certificateSubjectDn(cert.cert), 'CN=device-1,OU=Fleet,O=Acme,DC=example,DC=net');
    assert.equal(certificateIssuerDn(cert.cert), 'CN=Tessera Test Root');
    assert.equal(dnEquals(certificateSubjectDn(cert.cert), 'cn=device-1, ou=Fleet, o=Acme, dc=example, dc=net'), true);
    assert.equal(dnEquals(certificateSubjectDn(cert.cert), 'DC=net,DC=example,O=Acme,OU=Fleet,CN=device-1'), false);
  });

  it('escapes commas, plus signs, quotes and other specials in values, and keeps multi-valued RDNs and UTF-8', () => {
    const cert = makeClientCert(ca, { subject: '/C=FR/O=Acme\\, Inc./OU=R\\+D \\"lab\\" <1>; #2/CN=device 1+UID=u-1/emailAddress=ops@example.com/CN=Hélène' });
    assert.equal(
      certificateSubjectDn(cert.cert),
      'CN=Hélène,emailAddress=ops@example.com,CN=device 1+UID=u-1,OU=R\\+D \\"lab\\" \\<1\\>\\; #2,O=Acme\\, Inc.,C=FR',
    );
    assert.equal(
      dnEquals(
        certificateSubjectDn(cert.cert),
        'CN=H\\c3\\a9l\\c3\\a8ne, E=ops@example.com, UID=u-1+CN=device 1, OU=R\\2bD \\"lab\\" \\<1\\>\\; #2, O=Acme\\, Inc., C=FR',
      ),
      true,
    );
  });

  it('escapes a leading "#" or space that node writes with RFC 2253 escaping', () => {
    const cert = makeClientCert(ca, { subject: '/O=\\#hash/CN=\\ padded\\ ' });
    assert.equal(certificateSubjectDn(cert.cert), 'CN=\\ padded\\ ,O=\\#hash');
  });

  it('lists DNS, URI, IP and email SANs, with values holding commas and IPv6 compressed in lower case', () => {
    const cert = makeClientCert(ca, {
      subject: '/CN=device-2',
      dns: ['device-2.example.com', 'a,b.example.com'],
      uri: ['spiffe://example.com/ns/prod/sa/api', 'urn:x:a, b="c" #1'],
      ip: ['127.0.0.1', '2001:DB8:0:0:0:0:0:1', 'fe80::1:0:0:1'],
      email: ['device-2@example.com'],
    });
    assert.match(cert.cert.subjectAltName ?? '', /DNS:"a\\u002cb\.example\.com"/);
    assert.deepEqual(subjectAltNames(cert.cert), {
      dns: ['device-2.example.com', 'a,b.example.com'],
      uri: ['spiffe://example.com/ns/prod/sa/api', 'urn:x:a, b="c" #1'],
      ip: ['127.0.0.1', '2001:db8::1', 'fe80::1:0:0:1'],
      email: ['device-2@example.com'],
    });
  });

  it('gives empty lists for a certificate without SANs', () => {
    const cert = makeSelfSigned({ subject: '/CN=lonely' });
    assert.deepEqual(subjectAltNames(cert.cert), { dns: [], uri: [], ip: [], email: [] });
  });

  it('normalizes IP addresses', () => {
    assert.equal(normalizeIp('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
    assert.equal(normalizeIp('::FFFF:10.0.0.1'), '::ffff:a00:1');
    assert.equal(normalizeIp('10.0.0.1'), '10.0.0.1');
  });

  it('makes the x5t#S256 thumbprint as base64url of the SHA-256 of the DER (RFC 8705 §3.1)', () => {
    const cert = makeClientCert(ca, { subject: '/CN=device-3' });
    const thumbprint = certificateThumbprint(cert.der);
    assert.match(thumbprint, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(thumbprint, 'base64url').toString('hex'), cert.cert.fingerprint256.replaceAll(':', '').toLowerCase());
    assert.equal(certificateThumbprint(new X509Certificate(cert.certPem).raw), thumbprint);
    assert.notEqual(certificateThumbprint(makeClientCert(ca, { subject: '/CN=device-3' }).der), thumbprint);
  });

  it('gives the known SHA-256 of known bytes, base64url without padding', () => {
    assert.equal(certificateThumbprint(Buffer.from('')), '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });
});
