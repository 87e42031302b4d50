import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A certificate made by openssl for a test, with its private key. */
export interface TestCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly der: Buffer;
  readonly cert: X509Certificate;
}

export interface ClientCertOptions {
  /** openssl `-subj` form, most significant RDN first, `+` joins a multi-valued RDN: "/C=FR/O=Acme/CN=device-1". */
  subject: string;
  dns?: string[];
  uri?: string[];
  ip?: string[];
  email?: string[];
  /** Days of validity from notBefore (default 30). */
  days?: number;
  /** Start of validity (default now). */
  notBefore?: Date;
  /** openssl keyUsage value (default "critical,digitalSignature"); null leaves the extension out. */
  keyUsage?: string | null;
}

export interface CaOptions {
  /** Makes an intermediate issued by this CA instead of a self-signed root. */
  issuer?: TestCertificate;
  days?: number;
  notBefore?: Date;
  /** openssl keyUsage value (default "critical,keyCertSign,cRLSign"). */
  keyUsage?: string;
  /** Reuses this private key (PEM) instead of making a new one, e.g. to cross-sign a CA. */
  keyPem?: string;
}

/** Makes a CA certificate named CN=`name`: self-signed, or an intermediate when `issuer` is given. */
export function makeCa(name: string, options: CaOptions = {}): TestCertificate {
  const extensions = ['basicConstraints=critical,CA:TRUE', `keyUsage=${options.keyUsage ?? 'critical,keyCertSign,cRLSign'}`, 'subjectKeyIdentifier=hash'];
  return issue({ subject: `/CN=${name}`, extensions, issuer: options.issuer, days: options.days, notBefore: options.notBefore, keyPem: options.keyPem });
}

/** Makes a client certificate for `subject` with the given SANs, issued by `issuer` (a CA, or any certificate to make a bad chain). */
export function makeClientCert(issuer: TestCertificate, options: ClientCertOptions): TestCertificate {
  return issue({
    subject: options.subject,
    extensions: clientExtensions(options),
    issuer,
    days: options.days,
    notBefore: options.notBefore,
    keyPem: undefined,
  });
}

/** Makes a TLS server certificate issued by `issuer` for these host names and IP addresses (CN: the first of them). */
export function makeServerCert(issuer: TestCertificate, names: { dns?: string[]; ip?: string[] }): TestCertificate {
  const sans = [...(names.dns ?? []).map((name, index) => `DNS.${index} = ${name}`), ...(names.ip ?? []).map((ip, index) => `IP.${index} = ${ip}`)];
  return issue({
    subject: `/CN=${names.dns?.[0] ?? names.ip?.[0] ?? 'localhost'}`,
    extensions: [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      ...(sans.length > 0 ? ['subjectAltName=@alt_names', '[alt_names]', ...sans] : []),
    ],
    issuer,
    days: undefined,
    notBefore: undefined,
    keyPem: undefined,
  });
}

/** Where a certificate and its key were written, for whatever takes files (Tessera's settings, curl, nginx). */
export interface CertificateFiles {
  readonly certPath: string;
  readonly keyPath: string;
}

/** Writes a certificate (PEM) and its key in `dir` as `name`.crt and `name`.key. */
export function writeCertificateFiles(certificate: TestCertificate, dir: string, name: string): CertificateFiles {
  const files = { certPath: join(dir, `${name}.crt`), keyPath: join(dir, `${name}.key`) };
  writeFileSync(files.certPath, certificate.certPem);
  writeFileSync(files.keyPath, certificate.keyPem, { mode: 0o600 });
  return files;
}

/** Makes a self-signed client certificate (not a CA) for `subject`. */
export function makeSelfSigned(options: ClientCertOptions): TestCertificate {
  return issue({
    subject: options.subject,
    extensions: clientExtensions(options),
    issuer: undefined,
    days: options.days,
    notBefore: options.notBefore,
    keyPem: undefined,
  });
}

function clientExtensions(options: ClientCertOptions): string[] {
  const names = [
    ...(options.dns ?? []).map((value, index) => `DNS.${index} = ${configValue(value)}`),
    ...(options.uri ?? []).map((value, index) => `URI.${index} = ${configValue(value)}`),
    ...(options.ip ?? []).map((value, index) => `IP.${index} = ${configValue(value)}`),
    ...(options.email ?? []).map((value, index) => `email.${index} = ${configValue(value)}`),
  ];
  return [
    'basicConstraints=critical,CA:FALSE',
    ...(options.keyUsage === null ? [] : [`keyUsage=${options.keyUsage ?? 'critical,digitalSignature'}`]),
    'extendedKeyUsage=clientAuth',
    ...(names.length > 0 ? ['subjectAltName=@alt_names', '[alt_names]', ...names] : []),
  ];
}

/** A value as openssl's config parser reads it literally: quotes, comment and variable characters escaped. */
function configValue(value: string): string {
  return value.replace(/["'\\#$]/g, '\\$&');
}

interface IssueRequest {
  subject: string;
  extensions: string[];
  issuer: TestCertificate | undefined;
  days: number | undefined;
  notBefore: Date | undefined;
  keyPem: string | undefined;
}

/** Runs `openssl req` for a P-256 key and request, then `openssl ca` to sign it (which, unlike `openssl x509` 3.0, sets notBefore). */
function issue(request: IssueRequest): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-cert-'));
  try {
    const file = (name: string) => join(dir, name);
    const start = request.notBefore ?? new Date();
    const end = new Date(start.getTime() + (request.days ?? 30) * 86_400_000);
    writeFileSync(file('index.txt'), '');
    writeFileSync(
      file('openssl.cnf'),
      [
        '[req]',
        'distinguished_name = req_dn',
        '[req_dn]',
        '[ca]',
        'default_ca = test_ca',
        '[test_ca]',
        `database = ${file('index.txt')}`,
        `new_certs_dir = ${dir}`,
        'default_md = sha256',
        'policy = any',
        'unique_subject = no',
        'rand_serial = yes',
        'email_in_dn = yes',
        '[any]',
        '[v3]',
        ...request.extensions,
        '',
      ].join('\n'),
    );
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (request.keyPem === undefined) openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file('key.pem'));
    else writeFileSync(file('key.pem'), request.keyPem);
    openssl(
      'req',
      '-new',
      '-config',
      file('openssl.cnf'),
      '-key',
      file('key.pem'),
      '-subj',
      request.subject,
      '-multivalue-rdn',
      '-utf8',
      '-out',
      file('req.pem'),
    );
    const signer = request.issuer
      ? (writeFileSync(file('issuer.pem'), request.issuer.certPem),
        writeFileSync(file('issuer-key.pem'), request.issuer.keyPem),
        ['-cert', file('issuer.pem'), '-keyfile', file('issuer-key.pem')])
      : ['-selfsign', '-keyfile', file('key.pem')];
    openssl(
      'ca',
      '-batch',
      '-notext',
      '-config',
      file('openssl.cnf'),
      '-extensions',
      'v3',
      '-preserveDN',
      '-multivalue-rdn',
      '-utf8',
      '-startdate',
      asn1Time(start),
      '-enddate',
      asn1Time(end),
      ...signer,
      '-in',
      file('req.pem'),
      '-out',
      file('cert.pem'),
    );
    const certPem = readFileSync(file('cert.pem'), 'utf8');
    const cert = new X509Certificate(certPem);
    return { certPem, keyPem: readFileSync(file('key.pem'), 'utf8'), der: cert.raw, cert };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** GeneralizedTime as openssl ca takes it: YYYYMMDDHHMMSSZ. */
function asn1Time(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}
