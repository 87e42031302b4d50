import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { CliError, EXIT } from './errors.js';
import type { AssertionTypeName } from './token-endpoint.js';

/** How `tessera login` gets a new token: the client's secret itself, the file holding it, or a platform's token file re-read each time. */
export type LoginCredential =
  | { readonly type: 'client_secret'; readonly secret: string }
  | { readonly type: 'client_secret_file'; readonly path: string }
  | { readonly type: 'assertion_file'; readonly path: string; readonly assertion_type: AssertionTypeName };

/** What `tessera login` keeps: where and as whom to get access tokens for urn:tessera:admin, and the current one. */
export interface Login {
  /** The admin API the token is for: the token is never sent anywhere else. */
  readonly endpoint: string;
  readonly token_url: string;
  readonly client_id: string;
  /** The scopes asked for (space-separated), or null for every scope the client's grants give. */
  readonly scope: string | null;
  readonly credential: LoginCredential;
  readonly access_token: string;
  /** When the access token expires, in seconds since the epoch, from the token response's `expires_in` and this machine's clock. */
  readonly expires_at: number;
}

/** The directory of the CLI's configuration: $XDG_CONFIG_HOME/tessera, else ~/.config/tessera (XDG Base Directory Specification). */
export function configDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The specification says a relative path there is invalid and must be ignored.
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.config'), 'tessera');
}

/** The file `tessera login` writes and `tessera logout` deletes. */
export const loginFile = (env: NodeJS.ProcessEnv = process.env) => join(configDirectory(env), 'login.json');

/** The saved login, or undefined when there is none; a file that cannot be read or understood is an error naming it (never its content). */
export function readLogin(path: string = loginFile()): Login | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(EXIT.refused, `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'}): run "tessera logout" and "tessera login" again`);
  }
  try {
    const login = JSON.parse(text) as Login;
    if (typeof login.endpoint !== 'string' || typeof login.access_token !== 'string' || typeof login.credential?.type !== 'string') throw new Error('fields');
    return login;
  } catch {
    throw new CliError(EXIT.refused, `${path} is not a login of this version of tessera: run "tessera logout" and "tessera login" again`);
  }
}

/**
 * Saves the login atomically: a new file of mode 0600 in the directory (made 0700), synced, then
 * renamed over the old one, so that a reader sees the old login or the new one, never half of one.
 */
export function writeLogin(login: Login, path: string = loginFile()): void {
  const directory = join(path, '..');
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  chmodSync(directory, 0o700);
  const temporary = join(directory, `.login-${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(login, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw err;
  }
}

/** Deletes the saved login; answers whether there was one. */
export function deleteLogin(path: string = loginFile()): boolean {
  try {
    rmSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
