import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a shell command line (e.g. a guide's curl) with bash; returns its standard output. `cwd` and `env` as for a child process. */
export async function sh(command: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const { stdout } = await run('bash', ['-c', command], { timeout: 30_000, ...options });
  return stdout;
}

/** Runs a shell command line with bash, as a reader would see it: its standard output and error interleaved (2>&1), and its exit code. */
export async function shTranscript(command: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ output: string; code: number }> {
  try {
    return { output: await sh(`{ ${command}\n} 2>&1`, options), code: 0 };
  } catch (err) {
    const failed = err as { stdout?: string; code?: unknown };
    if (typeof failed.code !== 'number') throw err;
    return { output: failed.stdout ?? '', code: failed.code };
  }
}
