import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** A token file larger than this is not read (a Kubernetes projected token is a few KiB). */
export const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/** The text of a token file (a federated issuer's `bearer_token_file`), read whole; throws for a file that is not a regular file or is over MAX_TOKEN_FILE_BYTES. */
export async function readTokenFile(path: string): Promise<string> {
  // Non-blocking: a FIFO named here fails instead of waiting for a writer.
  const file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = await file.stat();
    if (!stat.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTFILE' });
    if (stat.size > MAX_TOKEN_FILE_BYTES) throw Object.assign(new Error(`${path} is over 64 KiB`), { code: 'EFBIG' });
    return await file.readFile('utf8');
  } finally {
    await file.close();
  }
}
