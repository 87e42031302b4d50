import { Type } from '@sinclair/typebox';
import { ADMIN_SCOPES } from '../../domain/admin-scopes.js';
import { Nullable } from './common.js';

export const Whoami = Type.Object(
  {
    actor: Type.String({ description: 'as the audit log names the caller: admin-token:{id}, client:{client_id} or local-operator' }),
    kind: Type.Union([Type.Literal('admin-token'), Type.Literal('access-token'), Type.Literal('local-operator')]),
    tenant: Nullable(Type.String({ description: 'the one tenant the caller may act on; null: every tenant' })),
    scopes: Type.Array(Type.Union(ADMIN_SCOPES.map((s) => Type.Literal(s))), { description: 'the scopes of urn:tessera:admin the caller holds' }),
  },
  { $id: 'Whoami' },
);
