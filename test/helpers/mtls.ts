import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTessera, type HttpResult, type StartOptions, type TestTessera } from './tessera.js';
import { makeCa, makeServerCert, writeCertificateFiles, type CertificateFiles, type TestCertificate } from './test-certificates.js';

/** A Tessera whose public listener speaks TLS (TESSERA_TLS_CERT) and trusts `clientCa` for tls_client_auth (TESSERA_TLS_CLIENT_CA). */
export interface MtlsTessera {
  readonly t: TestTessera;
  /** The CA of the listener's own certificate: what a client passes as `ca` (or curl as --cacert, at `serverCaPath`). */
  readonly serverCa: TestCertificate;
  readonly serverCaPath: string;
  /** The CA of TESSERA_TLS_CLIENT_CA: client certificates it issues pass chain validation in every tenant. */
  readonly clientCa: TestCertificate;
  /** The TESSERA_TLS_CLIENT_CA file. */
  readonly clientCaPath: string;
  /** A directory for the test's files, removed by close(). */
  readonly dir: string;
  /** POSTs a form to the public listener over TLS, presenting `client` when given (through `agent` when given: a keep-alive connection). */
  form(path: string, params: Record<string, string>, options?: MtlsRequestOptions): Promise<HttpResult>;
  /** A keep-alive agent presenting `client` on every request (close it with destroy()). */
  agent(client?: TestCertificate): Agent;
  /** Writes a client certificate and its key in `dir`, for curl's --cert and --key. */
  files(client: TestCertificate, name: string): CertificateFiles;
  close(): Promise<void>;
}

export interface MtlsRequestOptions {
  client?: TestCertificate | undefined;
  agent?: Agent | undefined;
  headers?: Record<string, string> | undefined;
}

/**
 * Starts Tessera with TLS on the public listener (a server certificate for 127.0.0.1 of a CA made here) and
 * TESSERA_TLS_CLIENT_CA holding `clientCa` (made here unless given); `options.env` adds settings.
 */
export async function startMtlsTessera(options: StartOptions & { clientCa?: TestCertificate } = {}): Promise<MtlsTessera> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-mtls-'));
  const serverCa = makeCa('Tessera Test Server CA');
  const server = writeCertificateFiles(makeServerCert(serverCa, { dns: ['localhost'], ip: ['127.0.0.1'] }), dir, 'server');
  const serverCaPath = join(dir, 'server-ca.crt');
  writeFileSync(serverCaPath, serverCa.certPem);
  const clientCa = options.clientCa ?? makeCa('Tessera Test Client CA');
  const clientCaPath = join(dir, 'client-ca.crt');
  writeFileSync(clientCaPath, clientCa.certPem);
  const t = await startTessera({
    ...options,
    env: { TESSERA_TLS_CERT: server.certPath, TESSERA_TLS_KEY: server.keyPath, TESSERA_TLS_CLIENT_CA: clientCaPath, ...options.env },
  });
  const tlsOptions = (client: TestCertificate | undefined) => ({ ca: serverCa.certPem, ...(client ? { cert: client.certPem, key: client.keyPem } : {}) });
  return {
    t,
    serverCa,
    serverCaPath,
    clientCa,
    clientCaPath,
    dir,
    form: (path, params, requestOptions = {}) => {
      const body = new URLSearchParams(params).toString();
      return new Promise<HttpResult>((resolve, reject) => {
        const req = request(
          `${t.publicUrl}${path}`,
          {
            method: 'POST',
            ...(requestOptions.agent ? { agent: requestOptions.agent } : { ...tlsOptions(requestOptions.client), agent: false }),
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...requestOptions.headers },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', reject);
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              const headers = new Headers();
              for (const [name, value] of Object.entries(res.headers))
                if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
              let parsed: unknown;
              try {
                parsed = text ? JSON.parse(text) : undefined;
              } catch {
                parsed = undefined;
              }
              resolve({ status: res.statusCode ?? 0, headers, text, body: parsed });
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    },
    agent: (client) => new Agent({ keepAlive: true, maxSockets: 1, ...tlsOptions(client) }),
    files: (client, name) => writeCertificateFiles(client, dir, name),
    close: async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
