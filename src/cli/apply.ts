import { Option, type Command } from 'commander';
import { adminCommand } from './admin-command.js';
import { parseConfigFile, locatedProblems, type ConfigFile } from './config-file.js';
import { CliError, EXIT, ProblemError } from './errors.js';
import { hasChanges, renderPlan, renderSecrets, wantsColor, type ApplyAnswer } from './plan-output.js';
import { readSecretsFile, ReservedSecretsFile } from './secrets-file.js';

interface ApplyOptions {
  file: string;
  plan?: boolean;
  prune?: boolean;
  secretsOut?: string;
  secrets?: string;
  verbose?: boolean;
}

/** How long an apply may take: a document of many thousands of clients is one transaction. */
const APPLY_TIMEOUT_MS = 15 * 60_000;

/** Printed on stderr beside secrets printed on standard output. */
export const SECRETS_OUT_NOTE = 'Store these client secrets now: they will not be shown again. In CI, give --secrets-out FILE instead.';

/** `1 client secret`, `2 client secrets`. */
const secretCount = (n: number) => `${n} client secret${n === 1 ? '' : 's'}`;

/** A problem with field errors pointing into the document: each pointer also as FILE:LINE:COLUMN. */
function withLocations(err: unknown, file: ConfigFile): unknown {
  if (!(err instanceof ProblemError) || !err.problem.errors?.length) return err;
  const lines = locatedProblems(file, err.problem.errors);
  return new CliError(err.exitCode, err.message, [...lines, ...err.lines.slice(err.problem.errors.length)]);
}

/** `tessera apply`: plans or applies a configuration document (POST /config/apply). */
export function registerApply(program: Command): void {
  adminCommand<ApplyOptions>(
    program,
    {
      name: 'apply',
      description: 'plan or apply a configuration document (YAML or JSON): all of it in one transaction, or nothing (docs/gitops.md)',
      tenantScoped: false,
      mutation: true,
      timeoutMs: APPLY_TIMEOUT_MS,
      options: [
        new Option('-f, --file <file>', 'the configuration document, YAML or JSON ("-": standard input)').makeOptionMandatory(),
        new Option('--plan', 'show what would change and change nothing; exit code 5 when something would change'),
        new Option('--prune', 'delete the managed objects the document no longer names, in the tenants it names'),
        new Option('--secrets-out <file>', 'write the secrets of the clients created to this new file (mode 0600) instead of standard output'),
        new Option('--secrets <file>', 'a secrets file ({"client_secrets": [...]}, from "tessera import"): secrets for the clients the apply creates'),
        new Option('--verbose', 'list the unchanged objects too'),
      ],
      examples: [
        'tessera apply -f tessera.yaml --plan',
        'tessera apply -f tessera.yaml --secrets-out secrets.json --reason "PR #42"',
        'tessera apply -f tessera.yaml --prune',
        'tessera import keycloak realm.json -o tessera.yaml --secrets-out keycloak-secrets.json && tessera apply -f tessera.yaml --secrets keycloak-secrets.json',
      ],
    },
    async (ctx, _args, options) => {
      const file = parseConfigFile(options.file);
      const provided = options.secrets === undefined ? [] : readSecretsFile(options.secrets);
      const reserved = options.plan || options.secretsOut === undefined ? undefined : ReservedSecretsFile.reserve(options.secretsOut);
      let answer: ApplyAnswer;
      try {
        const body = { ...file.value, ...(provided.length > 0 ? { client_secrets: provided } : {}) };
        answer = await ctx.api.post<ApplyAnswer>('/config/apply', body, {
          dry_run: options.plan ? 'true' : undefined,
          prune: options.prune ? 'true' : undefined,
        });
      } catch (err) {
        reserved?.discard();
        throw withLocations(err, file);
      }
      reserved?.write(answer.secrets);
      const shown = reserved === undefined ? answer : { ...answer, secrets: [] };
      ctx.print(shown, () => renderPlan(answer, { color: wantsColor(process.stdout, process.env), verbose: options.verbose === true }));
      if (!ctx.json && shown.secrets.length > 0) {
        process.stdout.write(renderSecrets(shown.secrets));
        ctx.note(SECRETS_OUT_NOTE);
      }
      if (reserved !== undefined) ctx.note(`${secretCount(answer.secrets.length)} written to ${reserved.path}`);
      if (options.plan && hasChanges(answer)) process.exitCode = EXIT.drift;
    },
  );
}
