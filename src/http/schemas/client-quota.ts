import { Type } from '@sinclair/typebox';
import { Nullable, Timestamp } from './common.js';
import { TokenQuotaMembers } from './clients.js';

/** A client's use of its token quota in the current windows (docs/quotas.md). */
export const ClientQuotaUse = Type.Object({
  client_id: Type.String(),
  token_quota: Nullable(TokenQuotaMembers),
  periods: Type.Array(
    Type.Object({
      period: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
      limit: Nullable(Type.Integer({ description: 'null: the quota does not limit this period' })),
      used: Type.Integer({ description: 'tokens issued in the window, by every server as last synced' }),
      remaining: Nullable(Type.Integer()),
      window_start: { ...Timestamp, description: 'start of the current window (UTC hour or day)' },
      resets_at: { ...Timestamp, description: 'end of the current window' },
    }),
  ),
});
