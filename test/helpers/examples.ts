import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Server } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { eventually } from './eventually.js';

/** The example programs' folder at the repository root (this file runs from dist/test/helpers). */
export const EXAMPLES_DIR = fileURLToPath(new URL('../../../examples/', import.meta.url));

/** Path of an example's entry point, e.g. `examples/api-jose/index.mjs`. */
export const examplePath = (name: string) => `${EXAMPLES_DIR}${name}/index.mjs`;

/** What examples/service-openid-client exports. */
export interface TokenSource {
  getToken(): Promise<string>;
  invalidate(): void;
  introspect(token: string): Promise<Record<string, unknown>>;
  revoke(token: string): Promise<void>;
}
export interface ServiceExample {
  createTokenSource(options: {
    issuer: string;
    clientId: string;
    clientSecret: string;
    audience?: string;
    scope?: string;
    earlyRenewalSeconds?: number;
    now?: () => number;
    fetch?: typeof fetch;
  }): TokenSource;
  callApi(tokens: TokenSource, url: string, init?: RequestInit): Promise<Response>;
}

/** What examples/api-express-jwt-bearer and examples/api-jose export. */
export interface ApiExample {
  createApi(options: { issuer: string; audience: string; revocationFeed?: false | { intervalMs?: number } }): Server;
}

/** Imports an example's module (plain ESM JavaScript, so typed here by what the tests use). */
export async function importExample<T>(name: string): Promise<T> {
  return (await import(pathToFileURL(examplePath(name)).href)) as T;
}

/** Listens on an ephemeral port of 127.0.0.1; answers the base URL and a close function. */
export async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('not listening');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export interface ExampleProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<number | string>;
}

/** Runs `node examples/{name}/index.mjs` with only PATH and `env` in its environment. */
export function runExample(name: string, env: Record<string, string>): ExampleProcess {
  const child = spawn(process.execPath, [examplePath(name)], { env: { PATH: process.env.PATH ?? '', ...env } });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, stdout, stderr, exited };
}

/** The JSON lines an example printed. */
export function jsonLines(chunks: string[]): any[] {
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

/** Waits until an example API prints its `listening` line; answers its URL. */
export async function waitListening(proc: ExampleProcess): Promise<string> {
  const listening = () => jsonLines(proc.stdout).find((line) => line.msg === 'listening');
  await eventually(
    'the example prints its listening line',
    async () => {
      if (proc.child.exitCode !== null) throw new Error(`the example exited:\n${proc.stdout.join('')}${proc.stderr.join('')}`);
      return listening() !== undefined;
    },
    { withinMs: 10_000 },
  );
  return listening().url as string;
}
