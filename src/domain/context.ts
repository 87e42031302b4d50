import type { Kysely } from 'kysely';
import type { Clock } from '../lib/clock.js';
import type { Database } from '../storage/schema.js';
import type { AuditTrail } from './audit/model.js';
import type { ChangeFeed } from './changes.js';

/** What every domain service needs, built once by the composition root. */
export interface DomainContext {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly changes: ChangeFeed;
  /** Key-encryption key for signing keys at rest (TESSERA_SECRET). */
  readonly kek: Buffer;
  /** Told of every audit event once committed (the composition root writes it to the log). */
  readonly auditTrail: AuditTrail;
}
