import { Type, type StringOptions, type TSchema } from '@sinclair/typebox';
import { CLIENT_ID_PATTERN, MAX_CLIENT_ID_LENGTH } from '../../domain/clients/model.js';
import { TENANT_ID_PATTERN } from '../../domain/tenants/model.js';
import { NOT_PRINTABLE, PRINTABLE_TEXT } from '../../lib/printable.js';

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Printable text (src/lib/printable.ts): no control characters, line or paragraph separators, or bidirectional overrides and isolates. */
export const Text = (max: number, min = 0) => Type.String({ minLength: min, maxLength: max, pattern: PRINTABLE_TEXT });

/** One word of printable text: no whitespace either (a SCIM userName). */
export const WORD_PATTERN = `^[^\\s${NOT_PRINTABLE}]+$`;

/** What a field error says when a string fails one of the schemas' patterns, instead of the pattern itself. */
export const PATTERN_DETAILS: Readonly<Record<string, string>> = {
  [CLIENT_ID_PATTERN]: 'must be 1 to 255 printable ASCII characters (RFC 6749 VSCHAR: space to "~", no control characters)',
  [TENANT_ID_PATTERN]: 'must be 1 to 63 characters: lower-case letters, digits or "-", starting with a letter or digit',
  [PRINTABLE_TEXT]: 'must be printable text: no control characters, line or paragraph separators, or bidirectional overrides and isolates',
  [WORD_PATTERN]:
    'must be one word of printable text: no whitespace, control characters, line or paragraph separators, or bidirectional overrides and isolates',
};

export const Timestamp = Type.String({ description: 'RFC 3339 UTC time' });

export const TenantId = Type.String({ pattern: TENANT_ID_PATTERN, description: 'tenant id' });

/** A client id that refers to a client (a path segment, a filter, a grant's client): bounded only, as an unknown id finds nothing. */
export const ClientIdRef = (options: StringOptions = {}) => Type.String({ maxLength: MAX_CLIENT_ID_LENGTH, ...options });

/** Lifetime of access tokens in seconds. */
export const TokenTtl = Type.Integer({ minimum: 60, maximum: 86_400, description: 'access token lifetime, seconds (60–86400)' });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'page size' })),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'next_cursor of the previous page' })),
};

/** Every mutation takes `?reason=…`, recorded in the audit log. */
export const ReasonQuery = Type.Object({ reason: Type.Optional(Text(500)) }, { additionalProperties: false });

export const ListOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), next_cursor: Nullable(Type.String()) });

/** RFC 9457 problem details, with field errors as JSON Pointers into the request body. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ pointer: Type.String(), detail: Type.String() }))),
  },
  { $id: 'Problem' },
);

/** Path parameters: `{tenant}` when mounted under /tenants/{tenant}, plus the route's own. */
export function pathParams<P extends Record<string, TSchema>>(withTenant: boolean, own: P) {
  return withTenant ? Type.Object({ tenant: TenantId, ...own }) : Type.Object({ ...own });
}

export const Deleted = Type.Null({ description: 'no content' });
