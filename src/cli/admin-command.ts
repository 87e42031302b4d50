import { Command, InvalidArgumentError, Option } from 'commander';
import { AdminClient, type Query } from './admin-client.js';
import { adminCredentials } from './admin-credentials.js';
import { EXIT_CODES_HELP, usageError } from './errors.js';
import { block, json, table, type Column } from './output.js';

/** The options every admin command shares (`--tenant` and `--reason` where they apply). */
export interface CommonOptions {
  endpoint: string;
  token?: string;
  tenant?: string;
  reason?: string;
  json?: boolean;
}

/** What an admin command's action works with. */
export interface Context {
  readonly api: AdminClient;
  /** --json was given. */
  readonly json: boolean;
  /** Prints an answer: the API's JSON with --json, otherwise the human text. */
  print(answer: unknown, human: () => string): void;
  /** Prints one resource: the API's JSON with --json, otherwise a key/value block. */
  show(answer: object): void;
  /** A line for people on stderr (never in --json output). */
  note(text: string): void;
}

export interface CommandSpec {
  /** Name and arguments, e.g. `get <client_id>`. */
  readonly name: string;
  readonly description: string;
  /** Shown under "Examples:" in the command's help. */
  readonly examples: readonly string[];
  /** Acts on a tenant's resources (adds --tenant); true unless said otherwise. */
  readonly tenantScoped?: boolean;
  /** Changes something (adds --reason). */
  readonly mutation?: boolean;
  readonly options?: readonly Option[];
  /** How long its request may take; default 30 s. */
  readonly timeoutMs?: number;
}

/** Help text listing examples, appended after a command's options. */
export const examples = (lines: readonly string[]) => `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;

/** A group of admin commands (`tessera clients …`) with its examples in `--help`. */
export function adminGroup(program: Command, name: string, description: string, lines: readonly string[]): Command {
  return program
    .command(name)
    .description(description)
    .addHelpText('after', `${examples(lines)}\nRun "tessera ${name} <command> --help" for the options of each command.\n${EXIT_CODES_HELP}\n`);
}

/** Adds an admin command to `group`: the shared options, its own, its examples, and an action with a ready client. */
export function adminCommand<O extends object>(
  group: Command,
  spec: CommandSpec,
  action: (ctx: Context, args: string[], options: O & CommonOptions) => Promise<void>,
): Command {
  const command = group.command(spec.name).description(spec.description);
  for (const option of spec.options ?? []) command.addOption(option);
  command
    .addOption(new Option('--endpoint <url>', 'admin API base URL').env('TESSERA_ADMIN_URL').default('http://127.0.0.1:4445'))
    .addOption(
      new Option(
        '--token <token>',
        'admin token, or access token for urn:tessera:admin (better from the environment: it stays out of the shell history); default: the one of "tessera login"',
      ).env('TESSERA_ADMIN_TOKEN'),
    );
  if (spec.tenantScoped !== false) command.option('--tenant <id>', "act on this tenant's resources (/tenants/{id}/…); default: tenant default");
  if (spec.mutation) command.option('--reason <text>', 'why: recorded in the audit log');
  command
    .option('--json', 'print the JSON answer of the API (for scripts)')
    .addHelpText('after', `${examples(spec.examples)}\n${EXIT_CODES_HELP}\n`)
    .action(async (...received: unknown[]) => {
      const self = received.at(-1) as Command;
      const options = self.opts<O & CommonOptions>();
      const connection = { ...(await adminCredentials(options, self)), tenant: options.tenant, reason: options.reason, timeoutMs: spec.timeoutMs };
      const api = new AdminClient(connection);
      const context: Context = {
        api,
        json: options.json === true,
        print: (answer, human) => process.stdout.write(options.json ? json(answer) : human()),
        show: (answer) => process.stdout.write(options.json ? json(answer) : block(answer)),
        note: (text) => {
          if (!options.json) process.stderr.write(`${text}\n`);
        },
      };
      await action(context, self.processedArgs as string[], options);
    });
  return command;
}

/** `list`: one page (--limit, --cursor) or all of them (--all), as a table or the API's JSON. */
export function listCommand<T, O extends object = object>(
  group: Command,
  spec: Omit<CommandSpec, 'name' | 'mutation'> & {
    readonly path: string;
    readonly columns: readonly Column<T>[];
    /** Query parameters from the command's own options (filters). */
    readonly query?: (options: O) => Query;
    /** The list is not paginated (no --limit, --cursor, --all). */
    readonly unpaged?: boolean;
  },
): Command {
  const paging = spec.unpaged
    ? []
    : [
        new Option('--limit <n>', 'page size, 1-200 (default 50)').argParser(wholeNumber),
        new Option('--cursor <cursor>', 'next_cursor of the previous page'),
        new Option('--all', 'follow next_cursor and print every page'),
      ];
  return adminCommand<O & { limit?: number; cursor?: string; all?: boolean }>(
    group,
    { ...spec, name: 'list', options: [...(spec.options ?? []), ...paging] },
    async (ctx, _args, options) => {
      const query = { ...spec.query?.(options), limit: options.limit, cursor: options.cursor };
      const page = await ctx.api.list<T>(ctx.api.tenantPath(spec.path), query, options.all === true);
      ctx.print(page, () => table(spec.columns, page.items));
      if (page.next_cursor !== null) ctx.note(`more: --cursor ${page.next_cursor} (or --all)`);
    },
  );
}

/** `get <id>`: one resource as a key/value block. */
export function getCommand(
  group: Command,
  spec: Omit<CommandSpec, 'name' | 'mutation'> & { readonly arg: string; readonly path: (id: string) => string },
): Command {
  return adminCommand(group, { ...spec, name: `get <${spec.arg}>` }, async (ctx, [id]) => {
    ctx.show(await ctx.api.get<object>(ctx.api.tenantPath(spec.path(id!))));
  });
}

/** A command that deletes one resource and prints `deleted <what>` (nothing with --json: the API answers 204). */
export function deleteCommand(
  group: Command,
  spec: Omit<CommandSpec, 'mutation'> & { readonly path: (ids: string[]) => string; readonly deleted: (ids: string[]) => string },
): Command {
  return adminCommand(group, { ...spec, mutation: true }, async (ctx, ids) => {
    await ctx.api.delete(ctx.api.tenantPath(spec.path(ids)));
    if (!ctx.json) process.stdout.write(`deleted ${spec.deleted(ids)}\n`);
  });
}

/** Leaves out the options that were not given. */
export const defined = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));

/** A body of changes with the unset options left out; an update with nothing to change is wrong usage. */
export function changes(body: Record<string, unknown>): Record<string, unknown> {
  const set = defined(body);
  if (Object.keys(set).length === 0) throw usageError('nothing to change: give at least one option (see --help)');
  return set;
}

/**
 * Parses a whole number (commander reports a malformed value as wrong usage); ranges are the
 * server's to check, so that they are written down once.
 */
export function wholeNumber(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('expected a whole number.');
  return Number(value);
}

/** A repeatable option: each occurrence adds its value. */
export const repeatable = (value: string, previous: unknown): string[] => [...(Array.isArray(previous) ? (previous as string[]) : []), value];

/** A `--no-x` option clearing a field, on update only (an empty list on create). */
export const clears = (update: boolean, flag: string, help: string) => (update ? [new Option(flag, help)] : []);

/** `--no-x` beside `--x <value>` clears a nullable field: commander gives false, the API wants null. */
export const orNull = <T>(value: T | false | undefined): T | null | undefined => (value === false ? null : value);
