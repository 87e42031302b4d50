import type { AdminReach } from '../admin-reach.js';
import type { DomainContext } from '../context.js';
import type { Actor } from '../errors.js';
import type { ApplyOptions, ApplyResult, ConfigDocument } from './document.js';

/**
 * Tessera as code (DESIGN §13, docs/gitops.md): plans and applies configuration documents, and
 * exports the current state as one.
 */
export class ConfigurationService {
  constructor(private readonly ctx: DomainContext) {}

  /**
   * Plans the document against the current state and, unless `dryRun`, applies the plan in one
   * transaction: all of it or nothing (InvalidError with pointers into the document). A caller
   * limited to one tenant (`reach`) may name only that tenant.
   */
  async apply(actor: Actor, document: ConfigDocument, options: ApplyOptions, reach: AdminReach): Promise<ApplyResult> {
    void this.ctx;
    void actor;
    void document;
    void options;
    void reach;
    throw new Error('not implemented yet');
  }

  /** The current state of the tenants named (null: every tenant the caller reaches) as a document; applying it changes nothing. */
  async export(tenantIds: readonly string[] | null, reach: AdminReach): Promise<ConfigDocument> {
    void tenantIds;
    void reach;
    throw new Error('not implemented yet');
  }
}
