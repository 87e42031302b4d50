import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a shell command line (e.g. a guide's curl) with bash; returns its standard output. `cwd` and `env` as for a child process. */
export async function sh(command: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  const { stdout } = await run('bash', ['-c', command], { timeout: 30_000, ...options });
  return stdout;
}
