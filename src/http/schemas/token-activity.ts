import { Type } from '@sinclair/typebox';
import { ClientIdRef, Nullable, Timestamp } from './common.js';

const counts = {
  issued: Type.Integer({ description: 'access tokens issued' }),
  auth_failures: Type.Integer({ description: 'requests refused with invalid_client (failed client authentication)' }),
  other_refusals: Type.Integer({ description: 'requests refused with any other error' }),
};

const ActivityCounts = Type.Object(counts);

export const TokenActivity = Type.Object(
  {
    from: { ...Timestamp, description: 'start of the first bucket (the requested from, rounded down to a bucket)' },
    to: { ...Timestamp, description: 'end of the last bucket (the requested to, rounded up to a bucket)' },
    bucket: Type.Integer({ description: 'bucket length, seconds' }),
    totals: ActivityCounts,
    clients: Type.Array(
      Type.Object({
        client_id: Nullable(Type.String({ description: 'null: requests that named no client of the tenant' })),
        totals: ActivityCounts,
        points: Type.Array(Type.Object({ at: { ...Timestamp, description: 'start of the bucket' }, ...counts }), {
          description: 'one point per bucket that saw a request, in time order; buckets left out counted nothing',
        }),
      }),
      { description: 'one entry per client that saw a request in the range, busiest first' },
    ),
  },
  { $id: 'TokenActivity' },
);

export const TokenActivityQuery = Type.Object(
  {
    from: Type.Optional(Type.String({ format: 'date-time', description: 'default: `last` seconds before `to`' })),
    last: Type.Optional(
      Type.Integer({ minimum: 60, maximum: 31 * 86_400, description: 'instead of from: the range covers this many seconds up to `to` (default 86400)' }),
    ),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'default: the end of the current minute' })),
    bucket: Type.Optional(
      Type.Integer({
        minimum: 60,
        maximum: 86_400,
        multipleOf: 60,
        description: 'bucket length in seconds; default: the smallest that gives at most 1440 buckets',
      }),
    ),
    client_id: Type.Optional(ClientIdRef({ description: 'only this client' })),
  },
  { additionalProperties: false },
);
