import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from './eventually.js';
import { freePort } from './ports.js';

/** Debian's nginx (.ci/run installs it); `nginx` on the PATH elsewhere. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/** A real nginx started by a test, as the current user, on a loopback port. */
export interface TestNginx {
  readonly port: number;
  /** What nginx wrote to its error log so far. */
  errors(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground with its pid file, error log and temporary files in `dir`, and `http` (given the
 * port to listen on) inside its `http {}` block; resolves once it listens (its pid file is written after its
 * sockets are bound), on another port when the one chosen was taken meanwhile.
 */
export async function startNginx(dir: string, http: (port: number) => string): Promise<TestNginx> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const pidFile = join(dir, 'nginx.pid');
    const errorLog = join(dir, 'error.log');
    writeFileSync(
      join(dir, 'nginx.conf'),
      `pid ${pidFile};
error_log ${errorLog};
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${http(port)}
}
`,
    );
    const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    let stopped = false;
    void exited.then(() => (stopped = true));
    try {
      await eventually('nginx listening', async () => stopped || existsSync(pidFile), { withinMs: 10_000 });
    } catch (err) {
      child.kill();
      throw err;
    }
    const errors = () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '');
    if (!stopped) return { port, errors, stop: () => stop(child, exited) };
    if (attempt >= 5 || !/Address already in use/.test(errors())) throw new Error(`nginx did not start: ${errors()}`);
  }
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
}
