import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a shell command line (e.g. a guide's curl) with bash; returns its standard output. */
export async function sh(command: string): Promise<string> {
  const { stdout } = await run('bash', ['-c', command], { timeout: 30_000 });
  return stdout;
}
