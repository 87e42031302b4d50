import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';

/** The compiled CLI entry (dist/src/main.js). */
export const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/** A program and its arguments. */
export type CommandLine = readonly [string, ...string[]];

/** How a test runs the `tessera` command: by default `node dist/src/main.js`; an installed package's `tessera` on the PATH otherwise. */
export const BUILT_CLI: CommandLine = [process.execPath, MAIN];

export interface TesseraProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly publicUrl: string;
  readonly adminUrl: string;
  readonly output: string[];
  /** Resolves with the exit code or signal once the process has ended. */
  readonly exited: Promise<number | string>;
}

/**
 * Runs `tessera serve` as its own process and waits until it is ready (on other ports if one was
 * taken meanwhile). One process unless `env` sets TESSERA_WORKERS (test/e2e/cluster.test.ts does).
 * `command` is the command line that serves (default: the built CLI with `serve`).
 */
export async function spawnTessera(env: Record<string, string>, command: CommandLine = [...BUILT_CLI, 'serve']): Promise<TesseraProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnOnce(env, command);
    } catch (err) {
      if (attempt >= 5 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

async function spawnOnce(env: Record<string, string>, [file, ...args]: CommandLine): Promise<TesseraProcess> {
  const [publicPort, adminPort] = [await freePort(), await freePort()];
  const child = spawn(file, args, {
    // Info level at least: readiness is read from the "Tessera is ready" log line.
    env: {
      PATH: process.env.PATH ?? '',
      TESSERA_PUBLIC_PORT: String(publicPort),
      TESSERA_ADMIN_PORT: String(adminPort),
      TESSERA_WORKERS: '1',
      ...env,
      TESSERA_LOG_LEVEL: 'info',
    },
  });
  const output: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tessera did not start:\n${output.join('')}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.join('').includes('Tessera is ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`tessera exited (${code}) before it was ready:\n${output.join('')}`));
    });
  });
  return { child, publicUrl: `http://127.0.0.1:${publicPort}`, adminUrl: `http://127.0.0.1:${adminPort}`, output, exited };
}

/** Starts `count` processes at once; if any fails to start, stops the others and throws. */
export async function spawnTesseras(count: number, env: Record<string, string>): Promise<TesseraProcess[]> {
  const results = await Promise.allSettled(Array.from({ length: count }, () => spawnTessera(env)));
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(started.map(stopTessera));
    throw failed.reason;
  }
  return started;
}

/** Stops a `tessera serve` process with SIGTERM and waits for it to end; answers its exit code. */
export async function stopTessera(proc: TesseraProcess): Promise<number | string> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
  return proc.exited;
}

/** Runs the CLI (`cli`: see BUILT_CLI) to completion. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  cli: CommandLine = BUILT_CLI,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const [file, ...cliArgs] = cli;
    const child = spawn(file, [...cliArgs, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Calls the admin API of a running process with `token`, JSON in and out. */
export async function adminCall(proc: TesseraProcess, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${proc.adminUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Writes an executable `tessera` into `dir` that runs the compiled CLI, so that docs' commands run as written with `dir` on the PATH. */
export function tesseraOnPath(dir: string): string {
  const file = join(dir, 'tessera');
  writeFileSync(file, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} "$@"\n`);
  chmodSync(file, 0o755);
  return `${dir}:${process.env.PATH ?? ''}`;
}
