import { Type } from '@sinclair/typebox';
import { Timestamp } from './common.js';

/** A client's cut-off: every token it received with `iat <= cutoff` is revoked. */
export const TokenCutoff = Type.Object(
  {
    client_id: Type.String(),
    cutoff_at: { ...Timestamp, description: 'RFC 3339 UTC time, to the millisecond, of the cut-off' },
    cutoff: Type.Integer({ description: 'NumericDate (seconds): tokens of the client with iat <= cutoff are inactive' }),
  },
  { $id: 'TokenCutoff' },
);
