import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { MAX_CHAIN_LENGTH, validateChain, type ChainInput } from '../../../src/lib/x509/chain.js';
import { certificateKeyUsage } from '../../../src/lib/x509/key-usage.js';
import { makeCa, makeClientCert, makeSelfSigned, type TestCertificate } from '../../helpers/test-certificates.js';

const DAY = 86_400_000;

function subjects(result: ReturnType<typeof validateChain>): string[] | string {
  return result.ok ? result.path.map((cert) => cert.subject) : result.reason;
}

describe('certificate chain validation', () => {
  let root: TestCertificate;
  let intermediate: TestCertificate;
  let leaf: TestCertificate;
  /** A time at which every certificate made in `before` is valid. */
  let now: number;
  const check = (input: Partial<ChainInput> & { leaf: Uint8Array }) =>
    subjects(validateChain({ intermediates: [], trustedCaPems: [root.certPem], nowMs: now, ...input }));

  before(() => {
    root = makeCa('Root CA', { days: 3650 });
    intermediate = makeCa('Issuing CA', { issuer: root, days: 365 });
    leaf = makeClientCert(intermediate, { subject: '/O=Acme/CN=device-1', days: 30 });
    now = Date.parse(leaf.cert.validFrom) + 60_000;
  });

  it('builds the path leaf, intermediate, trusted root', () => {
    assert.deepEqual(check({ leaf: leaf.der, intermediates: [intermediate.der] }), ['O=Acme\nCN=device-1', 'CN=Issuing CA', 'CN=Root CA']);
  });

  it('finds the trusted CA in a PEM bundle and ignores unrelated intermediates', () => {
    const other = makeCa('Other CA');
    const bundle = other.certPem + root.certPem;
    assert.deepEqual(check({ leaf: leaf.der, intermediates: [other.der, intermediate.der], trustedCaPems: [bundle] }), [
      'O=Acme\nCN=device-1',
      'CN=Issuing CA',
      'CN=Root CA',
    ]);
  });

  it('accepts a leaf issued directly by a trusted CA', () => {
    const direct = makeClientCert(root, { subject: '/CN=device-2' });
    assert.deepEqual(check({ leaf: direct.der }), ['CN=device-2', 'CN=Root CA']);
  });

  it('refuses a chain missing its intermediate, or one from another CA', () => {
    assert.equal(check({ leaf: leaf.der }), 'certificate is not issued by a trusted CA');
    const stranger = makeCa('Stranger CA');
    assert.equal(
      check({ leaf: makeClientCert(stranger, { subject: '/CN=intruder' }).der, intermediates: [intermediate.der] }),
      'certificate is not issued by a trusted CA',
    );
    assert.equal(check({ leaf: leaf.der, intermediates: [intermediate.der], trustedCaPems: [stranger.certPem] }), 'certificate is not issued by a trusted CA');
    assert.equal(check({ leaf: leaf.der, intermediates: [intermediate.der], trustedCaPems: [] }), 'certificate is not issued by a trusted CA');
  });

  it('checks validity dates at the injected time, not the clock', () => {
    assert.equal(check({ leaf: leaf.der, intermediates: [intermediate.der], nowMs: Date.parse(leaf.cert.validTo) + 1000 }), 'client certificate has expired');
    assert.equal(
      check({ leaf: leaf.der, intermediates: [intermediate.der], nowMs: Date.parse(leaf.cert.validFrom) - 1000 }),
      'client certificate is not yet valid',
    );
    const expired = makeClientCert(intermediate, { subject: '/CN=old', notBefore: new Date(now - 10 * DAY), days: 1 });
    assert.equal(check({ leaf: expired.der, intermediates: [intermediate.der] }), 'client certificate has expired');
    const future = makeClientCert(intermediate, { subject: '/CN=future', notBefore: new Date(now + DAY), days: 30 });
    assert.equal(check({ leaf: future.der, intermediates: [intermediate.der] }), 'client certificate is not yet valid');
  });

  it('checks the dates of intermediates and trusted CAs too', () => {
    const oldIntermediate = makeCa('Old Issuing CA', { issuer: root, notBefore: new Date(now - 10 * DAY), days: 1 });
    const device = makeClientCert(oldIntermediate, { subject: '/CN=device-3', notBefore: new Date(now - 10 * DAY + 1000), days: 30 });
    assert.equal(check({ leaf: device.der, intermediates: [oldIntermediate.der] }), 'intermediate certificate has expired');
    const oldRoot = makeCa('Old Root CA', { notBefore: new Date(now - 10 * DAY), days: 1 });
    const orphan = makeClientCert(oldRoot, { subject: '/CN=device-4', notBefore: new Date(now - 10 * DAY + 1000), days: 30 });
    assert.equal(check({ leaf: orphan.der, trustedCaPems: [oldRoot.certPem] }), 'trusted CA has expired');
  });

  it('refuses an issuer that is not a CA', () => {
    const notCa = makeClientCert(root, { subject: '/CN=not-a-ca', keyUsage: null });
    const device = makeClientCert(notCa, { subject: '/CN=device-5' });
    assert.equal(check({ leaf: device.der, intermediates: [notCa.der] }), 'intermediate certificate is not a CA');
    const notCaRoot = makeSelfSigned({ subject: '/CN=not-a-ca-root', keyUsage: null });
    assert.equal(check({ leaf: makeClientCert(notCaRoot, { subject: '/CN=device-6' }).der, trustedCaPems: [notCaRoot.certPem] }), 'trusted CA is not a CA');
  });

  it('refuses an issuer whose key usage leaves out keyCertSign (OpenSSL does not count it as the issuer)', () => {
    const crlOnly = makeCa('CRL-only CA', { issuer: root, keyUsage: 'critical,cRLSign' });
    assert.deepEqual(certificateKeyUsage(crlOnly.der), { digitalSignature: false, keyCertSign: false });
    const device = makeClientCert(crlOnly, { subject: '/CN=device-7' });
    assert.equal(check({ leaf: device.der, intermediates: [crlOnly.der] }), 'certificate is not issued by a trusted CA');
    const signingLeaf = makeClientCert(root, { subject: '/CN=signer', keyUsage: 'critical,digitalSignature' });
    assert.equal(
      check({ leaf: makeClientCert(signingLeaf, { subject: '/CN=device-8' }).der, intermediates: [signingLeaf.der] }),
      'certificate is not issued by a trusted CA',
    );
  });

  it('refuses a leaf whose key usage does not allow digitalSignature, and accepts one with no key usage', () => {
    const encipherOnly = makeClientCert(root, { subject: '/CN=encipher', keyUsage: 'critical,keyEncipherment' });
    assert.deepEqual(certificateKeyUsage(encipherOnly.der), { digitalSignature: false, keyCertSign: false });
    assert.equal(check({ leaf: encipherOnly.der }), 'client certificate may not be used for signatures (key usage)');
    const noUsage = makeClientCert(root, { subject: '/CN=no-usage', keyUsage: null });
    assert.equal(certificateKeyUsage(noUsage.der), undefined);
    assert.deepEqual(check({ leaf: noUsage.der }), ['CN=no-usage', 'CN=Root CA']);
    assert.deepEqual(certificateKeyUsage(root.der), { digitalSignature: false, keyCertSign: true });
    assert.deepEqual(certificateKeyUsage(leaf.der), { digitalSignature: true, keyCertSign: false });
  });

  it(`refuses a path longer than ${MAX_CHAIN_LENGTH} certificates`, () => {
    const intermediates: TestCertificate[] = [];
    let issuer = root;
    for (let level = 1; level <= 4; level += 1) {
      issuer = makeCa(`Tier ${level}`, { issuer });
      intermediates.push(issuer);
    }
    const deep = makeClientCert(intermediates[3] ?? root, { subject: '/CN=deep' });
    assert.equal(check({ leaf: deep.der, intermediates: intermediates.map((cert) => cert.der) }), 'certificate chain is too long');
    const allowed = makeClientCert(intermediates[2] ?? root, { subject: '/CN=allowed' });
    assert.deepEqual(check({ leaf: allowed.der, intermediates: intermediates.map((cert) => cert.der) }), [
      'CN=allowed',
      'CN=Tier 3',
      'CN=Tier 2',
      'CN=Tier 1',
      'CN=Root CA',
    ]);
  });

  it('ends a loop of cross-signed CAs without a path', () => {
    const a = makeCa('Loop A');
    const b = makeCa('Loop B');
    const aByB = makeCa('Loop A', { issuer: b, keyPem: a.keyPem });
    const bByA = makeCa('Loop B', { issuer: a, keyPem: b.keyPem });
    const device = makeClientCert(a, { subject: '/CN=looped' });
    assert.equal(check({ leaf: device.der, intermediates: [aByB.der, bByA.der] }), 'certificate is not issued by a trusted CA');
    assert.equal(check({ leaf: device.der, intermediates: [a.der, b.der] }), 'intermediate certificate is self-signed and not trusted');
    assert.deepEqual(check({ leaf: device.der, intermediates: [aByB.der, bByA.der], trustedCaPems: [b.certPem] }), ['CN=looped', 'CN=Loop A', 'CN=Loop B']);
  });

  it('never accepts a self-signed leaf unless that very certificate is trusted', () => {
    const self = makeSelfSigned({ subject: '/CN=self' });
    assert.equal(check({ leaf: self.der }), 'self-signed certificate is not trusted');
    assert.equal(check({ leaf: self.der, intermediates: [self.der] }), 'self-signed certificate is not trusted');
    const twin = makeSelfSigned({ subject: '/CN=self' });
    assert.equal(check({ leaf: self.der, trustedCaPems: [twin.certPem] }), 'self-signed certificate is not trusted');
    assert.deepEqual(check({ leaf: self.der, trustedCaPems: [self.certPem] }), ['CN=self']);
  });

  it('refuses malformed DER', () => {
    assert.equal(check({ leaf: Buffer.from('not a certificate') }), 'malformed certificate');
    assert.equal(check({ leaf: leaf.der, intermediates: [leaf.der.subarray(0, 40)] }), 'malformed certificate');
    assert.throws(() => certificateKeyUsage(leaf.der.subarray(0, 40)), { message: 'Truncated DER' });
  });
});
