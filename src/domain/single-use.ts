import { translated, UniqueViolation } from '../storage/errors.js';

/**
 * Records a value that may be used once (an assertion's `jti`, RFC 7523 §3 item 7) with `insert`,
 * whose unique key refuses a second use: true when it was recorded, false when it was there
 * already (a replay). Other failures are thrown.
 */
export async function recordedOnce(insert: () => Promise<void>): Promise<boolean> {
  try {
    await translated(insert);
    return true;
  } catch (err) {
    if (err instanceof UniqueViolation) return false;
    throw err;
  }
}
