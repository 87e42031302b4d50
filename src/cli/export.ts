import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { adminCommand } from './admin-command.js';
import { usageError } from './errors.js';
import { json } from './output.js';

interface ExportOptions {
  tenant?: string;
  format: 'yaml' | 'json';
  output?: string;
}

/** `tessera export`: the current configuration as a document (GET /config/export), YAML or JSON, to stdout or a file. */
export function registerExport(program: Command): void {
  adminCommand<ExportOptions>(
    program,
    {
      name: 'export',
      description: 'print the current configuration as a document (never a secret): applying it changes nothing (docs/gitops.md)',
      tenantScoped: false,
      options: [
        new Option('--tenant <id>', 'only this tenant (default: every tenant the token reaches)'),
        new Option('--format <format>', 'yaml or json').choices(['yaml', 'json']).default('yaml'),
        new Option('-o, --output <file>', 'write the document to this file (replaced if it exists) instead of standard output'),
      ],
      examples: ['tessera export > tessera.yaml', 'tessera export --tenant acme -o acme.yaml', 'tessera export --format json | jq .tenants[].id'],
    },
    async (ctx, _args, options) => {
      const format = ctx.json ? 'json' : options.format;
      const query = { tenant: options.tenant, format };
      const text =
        format === 'json' ? json(await ctx.api.get<unknown>('/config/export', query)) : await ctx.api.text('/config/export', query, 'application/yaml');
      if (options.output === undefined) {
        process.stdout.write(text);
        return;
      }
      try {
        writeFileSync(options.output, text);
      } catch (err) {
        throw usageError(`-o ${options.output}: ${(err as Error).message}`);
      }
      ctx.note(`the configuration was written to ${options.output}`);
    },
  );
}
