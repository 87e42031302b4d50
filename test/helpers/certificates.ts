import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Test certificates made with Debian's `openssl` CLI (installed by .ci/run): P-256 keys, a day of
 * validity, each pair in its own files so that it can be handed to Tessera, Node or curl by path.
 */
export interface TestCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  /** The certificate, PEM. */
  readonly cert: string;
  /** Its private key, PEM (PKCS#8). */
  readonly key: string;
  /** The certificate's DER: what a TLS peer presents. */
  readonly der: Buffer;
  /** Its serial number, hex as Node prints it (X509Certificate.serialNumber). */
  readonly serial: string;
}

/** A certificate authority that signs test certificates. */
export type TestCa = TestCertificate & { readonly dir: string };

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function loaded(certPath: string, keyPath: string): TestCertificate {
  const cert = readFileSync(certPath, 'utf8');
  const x509 = new X509Certificate(cert);
  return { certPath, keyPath, cert, key: readFileSync(keyPath, 'utf8'), der: x509.raw, serial: x509.serialNumber };
}

/**
 * One certificate: self-signed, or signed by `ca`. `subject` is openssl's form (`/CN=x/O=y`),
 * `extensions` are `-addext` values (e.g. `subjectAltName=DNS:a,IP:127.0.0.1`).
 */
function makeCertificate(dir: string, subject: string, extensions: string[], ca?: TestCa): TestCertificate {
  const base = join(dir, `cert-${randomBytes(6).toString('hex')}`);
  const [certPath, keyPath, csrPath] = [`${base}.crt`, `${base}.key`, `${base}.csr`];
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-subj', subject];
  const addext = extensions.flatMap((e) => ['-addext', e]);
  if (!ca) {
    openssl(['req', '-x509', ...key, '-days', '1', ...addext, '-out', certPath]);
  } else {
    // Signed in two steps: OpenSSL 3.0's `req -x509 -CA` writes the subject as the issuer.
    openssl(['req', '-new', ...key, ...addext, '-out', csrPath]);
    openssl(['x509', '-req', '-in', csrPath, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-days', '1', '-copy_extensions', 'copy', '-out', certPath]);
    rmSync(csrPath);
  }
  return loaded(certPath, keyPath);
}

/** A new CA in a new temporary directory (where the certificates it signs are written too). */
export function makeCa(subject = '/CN=Tessera Test CA'): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-certs-'));
  const ca = makeCertificate(dir, subject, ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { ...ca, dir };
}

/** A TLS server certificate of `ca` for these host names and IP addresses. */
export function makeServerCert(ca: TestCa, names: { dns?: string[]; ip?: string[] }): TestCertificate {
  const sans = [...(names.dns ?? []).map((d) => `DNS:${d}`), ...(names.ip ?? []).map((i) => `IP:${i}`)];
  const cn = names.dns?.[0] ?? names.ip?.[0] ?? 'localhost';
  return makeCertificate(
    ca.dir,
    `/CN=${cn}`,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
    ],
    ca,
  );
}

function clientExtensions(sans: string[]): string[] {
  return [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=clientAuth',
    ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
  ];
}

/**
 * A TLS client certificate of `ca`: `subject` in openssl's form (`/CN=device-1/O=Example`), `sans`
 * as openssl writes them (`DNS:a.example`, `IP:10.0.0.1`, `URI:spiffe://…`, `email:a@example.com`).
 */
export function makeClientCert(ca: TestCa, options: { subject: string; sans?: string[] }): TestCertificate {
  return makeCertificate(ca.dir, options.subject, clientExtensions(options.sans ?? []), ca);
}

/** A self-signed TLS client certificate (RFC 8705 §2.2), in a new temporary directory. */
export function makeSelfSignedClientCert(options: { subject: string; sans?: string[] }): TestCertificate {
  return makeCertificate(mkdtempSync(join(tmpdir(), 'tessera-certs-')), options.subject, clientExtensions(options.sans ?? []));
}

/** Deletes the directories these certificates (or CAs) were written in. */
export function removeCertificates(...certificates: TestCertificate[]): void {
  for (const certificate of certificates) rmSync(dirname(certificate.certPath), { recursive: true, force: true });
}
