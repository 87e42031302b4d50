import { writeFileSync } from 'node:fs';
import { Argument, type Command } from 'commander';
import { stringify } from 'yaml';
import { TENANT_ID_PATTERN } from '../../domain/tenants/model.js';
import { usageError } from '../errors.js';
import { cell } from '../output.js';
import { ReservedSecretsFile } from '../secrets-file.js';
import { convertAuth0 } from './auth0.js';
import type { Conversion, ConversionOptions } from './conversion.js';
import { convertHydra } from './hydra.js';
import { convertKeycloak } from './keycloak.js';
import { readAuth0Export, readJsonFile } from './sources.js';

export const IMPORT_SOURCES = ['hydra', 'keycloak', 'auth0'] as const;
type ImportSource = (typeof IMPORT_SOURCES)[number];

interface ImportFlags {
  tenant?: string;
  output?: string;
  secretsOut?: string;
}

/** Reads and converts the export of `source` at `path`; a source of the wrong shape is wrong usage. */
function convert(source: ImportSource, path: string, options: ConversionOptions): Conversion {
  try {
    if (source === 'auth0') return convertAuth0(readAuth0Export(path), options);
    const data = readJsonFile(path);
    return source === 'hydra' ? convertHydra(data, options) : convertKeycloak(data, options);
  } catch (err) {
    if (err instanceof TypeError) throw usageError(`${path}: ${err.message}`);
    throw err;
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The last line on stderr: what the document holds and where the secrets went. */
function summary(conversion: Conversion, flags: ImportFlags): string {
  const [tenant] = conversion.document.tenants;
  const counts = [plural(tenant?.clients?.length ?? 0, 'client'), plural(tenant?.apis?.length ?? 0, 'API'), plural(tenant?.grants?.length ?? 0, 'grant')].join(
    ', ',
  );
  const secrets = conversion.secrets.length > 0 ? `; ${plural(conversion.secrets.length, 'secret')} in ${flags.secretsOut ?? ''}` : '';
  const notes = conversion.report.length > 0 ? `; ${plural(conversion.report.length, 'item')} above not carried over as is` : '';
  return `tenant ${tenant?.id ?? ''}: ${counts}${secrets}${notes}`;
}

/** `tessera import hydra|keycloak|auth0 FILE`: another server's export as a configuration document for `tessera apply` (docs/gitops.md). */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('turn an Ory Hydra, Keycloak or Auth0 export into a configuration document for tessera apply')
    .addArgument(new Argument('<source>', 'the system the export comes from').choices(IMPORT_SOURCES))
    .argument('<file>', 'hydra: GET /admin/clients answer (JSON); keycloak: realm export (JSON); auth0: Deploy CLI export directory or tenant.yaml')
    .option('--tenant <id>', 'the tenant the objects go to (default: the realm name for keycloak, else default)')
    .option('-o, --output <file>', 'write the document to FILE (JSON when it ends in .json, else YAML) instead of stdout')
    .option('--secrets-out <file>', 'write the client secrets of the export to FILE (mode 0600; never overwritten); required when the export holds secrets')
    .addHelpText(
      'after',
      `
What could not be carried over is reported on stderr, one line per item. Exit codes: 0 converted, 2 wrong usage
(unreadable export, --secrets-out missing or existing). Then: tessera apply -f FILE [--secrets SECRETS_FILE].`,
    )
    .action((source: ImportSource, file: string, flags: ImportFlags) => {
      if (flags.tenant !== undefined && !new RegExp(TENANT_ID_PATTERN).test(flags.tenant)) {
        throw usageError(`--tenant ${flags.tenant}: a tenant id is 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit`);
      }
      const conversion = convert(source, file, flags.tenant !== undefined ? { tenant: flags.tenant } : {});
      if (conversion.secrets.length > 0 && flags.secretsOut === undefined) {
        throw usageError(
          `the export holds ${plural(conversion.secrets.length, 'client secret')}: --secrets-out FILE is required (secrets never go in the document)`,
        );
      }
      if (flags.secretsOut !== undefined) ReservedSecretsFile.reserve(flags.secretsOut).write(conversion.secrets);
      const asJson = flags.output?.endsWith('.json') === true;
      const text = asJson ? `${JSON.stringify(conversion.document, null, 2)}\n` : stringify(conversion.document, { lineWidth: 0 });
      if (flags.output === undefined) process.stdout.write(text);
      else writeFileSync(flags.output, text);
      // Names come from the export: shown with control characters as `?`, so that none rewrites the terminal.
      process.stderr.write(conversion.report.map((line) => `${cell(line)}\n`).join('') + cell(summary(conversion, flags)) + '\n');
    });
}
