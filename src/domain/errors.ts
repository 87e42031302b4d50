/** One invalid field: a JSON Pointer (RFC 6901) into the input and what is wrong with it. */
export interface FieldError {
  pointer: string;
  detail: string;
}

/** The named thing does not exist in this tenant. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${JSON.stringify(id)} does not exist`);
  }
}

/** The change collides with what exists (a duplicate, or dependants in the way). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

/** The input is well-formed but breaks a rule of the product; `fields` says where. */
export class InvalidError extends Error {
  override readonly name = 'InvalidError';
  constructor(
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

/** The actor may not do this. */
export class ForbiddenError extends Error {
  override readonly name: string = 'ForbiddenError';
}

/** The change would hand out scopes of `urn:tessera:admin` the actor does not hold (`excessScopes`). */
export class EscalationError extends ForbiddenError {
  override readonly name = 'EscalationError';
  constructor(
    message: string,
    readonly excessScopes: readonly string[],
  ) {
    super(message);
  }
}

/** Who acts and why: recorded with every mutation in the audit log. */
export interface Actor {
  /** e.g. `admin-token:at_…`, `cli`, `system`. */
  readonly id: string;
  readonly reason?: string | undefined;
  /** The request that acts (its X-Request-Id), so that the audit log line names it; never stored. */
  readonly requestId?: string | undefined;
  /** Who stands behind an access token that acts (stored with the audit event as `actor_detail`). */
  readonly detail?: ActorDetail | undefined;
}

/**
 * The client behind an actor `client:{client_id}`: the tenant whose token it presented and, for a
 * client that authenticated with a federated credential, the external identity (`iss`, `sub`).
 */
export interface ActorDetail {
  readonly tenant: string;
  readonly clientId: string;
  readonly federated?: { readonly iss: string; readonly sub: string } | undefined;
}

// The store's typed errors (driver errors translated at the storage boundary), as the layers above
// the domain catch them: http and cli import them from here, never from storage.
export { ForeignKeyViolation, StoreUnavailable, UniqueViolation, isConnectionFailure, translateDriverError } from '../storage/errors.js';
