import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Mode of a directory only its owner may enter. */
export const PRIVATE_DIRECTORY = 0o700;
/** Mode of a file only its owner may read and write. */
export const PRIVATE_FILE = 0o600;

/**
 * Creates `dir` and any missing parent with mode 0700 whatever the umask (mkdir's mode is
 * masked by it, so each new directory is chmod-ed too); leaves a directory that exists as it is.
 */
export function makePrivateDirectory(dir: string): void {
  if (existsSync(dir)) return;
  makePrivateDirectory(dirname(dir));
  try {
    mkdirSync(dir, { mode: PRIVATE_DIRECTORY });
  } catch (err) {
    // Made meanwhile by another process starting at the same time: theirs is private too.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  chmodSync(dir, PRIVATE_DIRECTORY);
}

/**
 * Creates `file` holding `content` with mode 0600 whatever the umask, unless it exists (then it
 * is left as it is). Answers whether it created the file.
 */
export function createPrivateFile(file: string, content = ''): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', PRIVATE_FILE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fchmodSync(fd, PRIVATE_FILE);
    if (content) writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The permission bits of `path` (`0644`) when its group or others have any access to it; undefined when private or absent. */
export function sharedMode(path: string): string | undefined {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
  return (mode & 0o077) === 0 ? undefined : `0${mode.toString(8).padStart(3, '0')}`;
}
