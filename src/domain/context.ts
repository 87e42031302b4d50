import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.js';
import type { Database } from '../storage/schema.js';
import type { ChangeFeed } from './changes.js';

/** What every domain service needs, built once by the composition root. */
export interface DomainContext {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly changes: ChangeFeed;
  /** Key-encryption key for signing keys at rest (TESSERA_SECRET). */
  readonly kek: Buffer;
}
