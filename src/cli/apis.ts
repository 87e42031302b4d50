import type { Static } from '@sinclair/typebox';
import { Option, type Command } from 'commander';
import type { Api } from '../http/schemas/apis.js';
import { segment } from './admin-client.js';
import { adminCommand, adminGroup, changes, clears, defined, deleteCommand, getCommand, listCommand, orNull, wholeNumber } from './admin-command.js';

type ApiOut = Static<typeof Api>;
type Scope = ApiOut['scopes'][number];

/**
 * `--scope VALUE[=DESCRIPTION]`, repeatable. `=` and not `:` separates the two because scope
 * values such as `read:secrets` contain colons.
 */
export function scopeOption(value: string, previous: unknown): Scope[] {
  const at = value.indexOf('=');
  const scope = at < 0 ? { value } : { value: value.slice(0, at), description: value.slice(at + 1) };
  return [...(Array.isArray(previous) ? (previous as Scope[]) : []), scope as Scope];
}

interface ApiOptions {
  name?: string;
  identifier?: string;
  scope?: Scope[] | false;
  ttl?: number | false;
  dpop?: boolean;
  tokenExchange?: 'allow' | 'deny';
}

const apiOptions = (update: boolean) => [
  new Option('--identifier <audience>', 'identifier: the audience of its tokens').makeOptionMandatory(!update),
  new Option('--name <name>', 'name shown to people (default: the identifier)'),
  new Option('--scope <value[=description]>', `a scope the API defines (repeatable)${update ? '; the list given replaces the old one' : ''}`).argParser(
    scopeOption,
  ),
  ...clears(update, '--no-scope', 'define no scopes'),
  new Option('--ttl <seconds>', 'access_token_ttl: lifetime of tokens for this API').argParser(wholeNumber),
  ...clears(update, '--no-ttl', "use the client's or the tenant's lifetime"),
  new Option('--dpop', 'dpop_bound_access_tokens: tokens for this API must be DPoP-bound'),
  ...clears(update, '--no-dpop', 'DPoP binding optional'),
  new Option('--token-exchange <policy>', 'token_exchange: whether exchanged tokens (RFC 8693) may be issued for this API (default allow)').choices([
    'allow',
    'deny',
  ]),
];

const body = (o: ApiOptions) =>
  defined({
    identifier: o.identifier,
    name: o.name,
    scopes: o.scope === false ? [] : o.scope,
    access_token_ttl: orNull(o.ttl),
    dpop_bound_access_tokens: o.dpop,
    token_exchange: o.tokenExchange,
  });

const path = (id: string) => `/apis/${segment(id)}`;

export function registerApis(program: Command): void {
  const group = adminGroup(program, 'apis', 'APIs (resource servers): their identifier is the audience of their tokens (admin API)', [
    'tessera apis create --name "Cleanup API" --identifier https://cleanup.example.com/ --scope "write=Write access"',
    'tessera apis list',
    'tessera apis update api_01m8232xy71v4xv12mhcfh4qna --scope read --scope write --ttl 600',
  ]);

  adminCommand<ApiOptions>(
    group,
    {
      name: 'create',
      description: 'register an API with its scopes',
      mutation: true,
      options: apiOptions(false),
      examples: [
        'tessera apis create --name "Cleanup API" --identifier https://cleanup.example.com/ --scope "write=Write access" --reason api-integration',
        'tessera apis create --identifier https://localhost:5001/ --scope read:secrets --scope "write:secrets=Change secrets"',
      ],
    },
    async (ctx, _args, o) => {
      ctx.show(await ctx.api.post<ApiOut>(ctx.api.tenantPath('/apis'), body(o)));
    },
  );

  listCommand<ApiOut>(group, {
    description: 'list APIs',
    path: '/apis',
    columns: [
      { header: 'ID', value: (a) => a.id },
      { header: 'NAME', value: (a) => a.name },
      { header: 'IDENTIFIER', value: (a) => a.identifier },
      { header: 'SCOPES', value: (a) => a.scopes.map((s) => s.value) },
      { header: 'TTL', value: (a) => a.access_token_ttl },
    ],
    examples: ['tessera apis list', 'tessera apis list --tenant acme --json'],
  });

  getCommand(group, { arg: 'id', path, description: 'show an API with its scopes', examples: ['tessera apis get api_01m8232xy71v4xv12mhcfh4qna'] });

  adminCommand<ApiOptions>(
    group,
    {
      name: 'update <id>',
      description: 'change an API; --scope replaces the whole list (scopes dropped leave its grants too)',
      mutation: true,
      options: apiOptions(true),
      examples: ['tessera apis update api_01m8232xy71v4xv12mhcfh4qna --scope "read=Read access" --scope "write=Write access"'],
    },
    async (ctx, [id], o) => {
      ctx.show(await ctx.api.patch<ApiOut>(ctx.api.tenantPath(path(id!)), changes(body(o))));
    },
  );

  deleteCommand(group, {
    name: 'delete <id>',
    path: ([id]) => path(id!),
    deleted: ([id]) => `API ${id}`,
    description: 'delete an API and every grant on it',
    examples: ['tessera apis delete api_01m8232xy71v4xv12mhcfh4qna --reason retired'],
  });
}
