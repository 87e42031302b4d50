import { pathAllowed } from '../../lib/path-allow-list.js';
import type { Executor } from '../../storage/repositories/executor.js';
import { federatedIssuersRepo } from '../../storage/repositories/federated-issuers.js';
import type { DocumentFetcher } from '../document-fetcher.js';
import { ConflictError, type FieldError } from '../errors.js';
import { effectiveAudiences } from './audiences.js';
import { federatedIssuerFieldErrors, fetchedUrls } from './issuer-rules.js';
import type { FederatedIssuer } from './model.js';

/** The token files an operator lets kubernetes issuers send (`bearer_token_file`), and the setting that lists them. */
export interface TokenFiles {
  readonly paths: readonly string[];
  readonly settingName: string;
}

/** The field errors of an issuer's settings (federatedIssuerFieldErrors), and of a token file the operator does not allow. */
export function issuerSettingErrors(issuer: FederatedIssuer, tokenFiles: TokenFiles): FieldError[] {
  const errors: FieldError[] = federatedIssuerFieldErrors(issuer);
  const flagged = new Set(errors.map((e) => e.pointer));
  // A token file is sent to the issuer's URLs, which the admin chose: only files the operator listed may be.
  if (issuer.bearerTokenFile !== null && !flagged.has('/bearer_token_file') && !pathAllowed(issuer.bearerTokenFile, tokenFiles.paths)) {
    errors.push({ pointer: '/bearer_token_file', detail: `is not among the token files the operator allows to be sent (${tokenFiles.settingName})` });
  }
  return errors;
}

/**
 * Every URL the issuer's keys will be fetched from, checked where it leads (resolving its host) as
 * its fetches will be (docs/hardening.md, "Outbound fetches"); URLs at `flagged` pointers are not looked up.
 * Call it before a transaction opens, so that no lock waits on DNS.
 */
export async function issuerUrlRefusals(issuer: FederatedIssuer, documents: DocumentFetcher, flagged: ReadonlySet<string>): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  for (const { pointer, url } of fetchedUrls(issuer)) {
    if (flagged.has(pointer)) continue;
    const refusal = await documents.refusal(url);
    if (refusal !== null) errors.push({ pointer, detail: refusal });
  }
  return errors;
}

function duplicate(issuer: string): ConflictError {
  return new ConflictError(`a federated issuer ${JSON.stringify(issuer)} already exists in this tenant`);
}

/**
 * 409 unless the issuer is new to its tenant and no other tenant that trusts the same `issuer`
 * accepts an audience this one accepts (a token meant for one tenant would work in the other).
 * Call it inside the transaction, after taking the registrations' lock.
 */
export async function refuseIssuerConflicts(trx: Executor, issuer: FederatedIssuer, tenantIssuerOf: (tenantId: string) => string): Promise<void> {
  const mine = effectiveAudiences(issuer, tenantIssuerOf(issuer.tenantId));
  for (const other of await federatedIssuersRepo.withIssuer(trx, issuer.issuer)) {
    if (other.tenantId === issuer.tenantId) {
      if (other.id !== issuer.id) throw duplicate(issuer.issuer);
      continue;
    }
    const shared = effectiveAudiences(other, tenantIssuerOf(other.tenantId)).find((a) => mine.includes(a));
    if (shared !== undefined) {
      throw new ConflictError(
        `issuer ${JSON.stringify(issuer.issuer)} is trusted by another tenant with the audience ${JSON.stringify(shared)}; give this tenant audiences of its own`,
      );
    }
  }
}
