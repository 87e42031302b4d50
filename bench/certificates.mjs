// Certificates of the TLS scenarios of bench/run.mjs, made with openssl when the benchmark starts
// (as test/helpers/test-certificates.ts makes the tests'): a test CA, a server certificate for
// 127.0.0.1 issued by it, and a device's client certificate issued by it (P-256 keys, SHA-256).
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The subject of the device's certificate, as an RFC 4514 string (most specific RDN first) and in openssl's -subj form. */
export const DEVICE_SUBJECT_DN = 'CN=bench-device,O=Tessera Bench';
const DEVICE_SUBJ = '/O=Tessera Bench/CN=bench-device';

/**
 * Makes the CA, server and client certificates in `dir`; answers their file names
 * ({ ca, serverCert, serverKey, clientCert, clientKey }) and the client certificate's
 * x5t#S256 thumbprint (RFC 8705 §3.1: base64url of the SHA-256 of its DER).
 */
export function makeBenchCertificates(dir) {
  mkdirSync(dir, { recursive: true });
  const file = (name) => join(dir, name);
  const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const key = (name) => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(name));
  key('ca.key');
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    file('ca.key'),
    '-subj',
    '/CN=Tessera Bench CA',
    '-days',
    '2',
    '-sha256',
    '-out',
    file('ca.pem'),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  const issue = (name, subj, extensions) => {
    key(`${name}.key`);
    openssl('req', '-new', '-key', file(`${name}.key`), '-subj', subj, '-out', file(`${name}.csr`));
    writeFileSync(file(`${name}.ext`), `${extensions.join('\n')}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      file(`${name}.ext`),
      '-out',
      file(`${name}.pem`),
    );
  };
  issue('server', '/CN=127.0.0.1', [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1',
  ]);
  issue('client', DEVICE_SUBJ, ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth']);
  const thumbprint = createHash('sha256')
    .update(new X509Certificate(readFileSync(file('client.pem'))).raw)
    .digest('base64url');
  return {
    ca: file('ca.pem'),
    serverCert: file('server.pem'),
    serverKey: file('server.key'),
    clientCert: file('client.pem'),
    clientKey: file('client.key'),
    thumbprint,
  };
}
