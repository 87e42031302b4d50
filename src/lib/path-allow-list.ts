import { isAbsolute, normalize } from 'node:path';

/**
 * Whether an operator's list of absolute paths allows `path`: an entry names the file itself, or
 * ends in `/` and names a directory whose files (at any depth) it allows. The path must be
 * absolute and normal (no `..`, `.` or doubled separators), so that it cannot walk out of an entry.
 */
export function pathAllowed(path: string, entries: readonly string[]): boolean {
  if (!isAbsolute(path) || normalize(path) !== path) return false;
  return entries.some((entry) => (entry.endsWith('/') ? path.startsWith(entry) && path.length > entry.length : entry === path));
}
