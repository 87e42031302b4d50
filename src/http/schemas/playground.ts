import { Type } from '@sinclair/typebox';
import { ClientIdRef, Nullable, Text } from './common.js';

const AnyObject = Type.Object({}, { additionalProperties: true });

export const PlaygroundTokenRequest = Type.Object(
  {
    client_id: ClientIdRef({ minLength: 1 }),
    client_secret: Type.String({ minLength: 1, maxLength: 512 }),
    scope: Type.Optional(Text(4000)),
    audience: Type.Optional(Text(512, 1)),
  },
  { additionalProperties: false },
);

export const PlaygroundToken = Type.Object(
  {
    status: Type.Integer({ description: 'the HTTP status the token endpoint answers to this request' }),
    response: { ...AnyObject, description: 'the token endpoint answer: a token response or an RFC 6749 §5.2 error' },
    header: Nullable({ ...AnyObject, description: 'the decoded JOSE header of the access token' }),
    claims: Nullable({ ...AnyObject, description: 'the decoded claims of the access token' }),
  },
  { $id: 'PlaygroundToken' },
);
