import type { Change } from '../domain/changes/model.js';

/** Reads a change received as JSON: any object with a string `kind` and `tenantId`, else undefined. */
export function parseChange(value: unknown): Change | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { kind, tenantId } = value as { kind?: unknown; tenantId?: unknown };
  return typeof kind === 'string' && typeof tenantId === 'string' ? (value as Change) : undefined;
}
