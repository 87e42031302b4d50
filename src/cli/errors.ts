/**
 * Exit codes of every `tessera` command, one meaning each (documented in `tessera --help` and
 * docs/cli.md).
 */
export const EXIT = {
  ok: 0,
  /** The server refused or failed the request (problem+json, RFC 6749 error), or another failure. */
  refused: 1,
  /** Wrong usage: unknown command or option, missing or malformed value, bad configuration. */
  usage: 2,
  /** The server could not be reached: connection refused, unknown host, timeout, TLS failure. */
  unreachable: 3,
  /** The server would not let the caller in: 401 or 403 from the admin API, invalid_client from the token endpoint. */
  denied: 4,
  /** `tessera apply --plan` found changes: the server's configuration differs from the document (drift). */
  drift: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** One line of the help of every admin command. */
export const EXIT_CODES_HELP =
  'Exit codes: 0 success, 1 refused by the server, 2 wrong usage, 3 server unreachable, 4 authentication or authorization refused, 5 changes planned (apply --plan).';

/** An error the CLI reports on stderr (message lines as given) and exits with. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** Further lines printed after the message (field errors, hints). */
    readonly lines: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Wrong usage found after commander parsed the line (e.g. an update with nothing to change). */
export const usageError = (message: string) => new CliError(EXIT.usage, message);

/** A field error of an RFC 9457 problem: a JSON Pointer and what is wrong there. */
export interface FieldProblem {
  readonly pointer: string;
  readonly detail: string;
}

/** An RFC 9457 problem answered by the admin API. */
export interface ProblemDocument {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly errors?: readonly FieldProblem[];
  /** 403 insufficient_scope: the scope the call needs (RFC 6750 section 3.1). */
  readonly required_scope?: string;
  /** 403 to an escalation: the scopes asked for beyond the caller's. */
  readonly excess_scopes?: readonly string[];
}

/** The problem as one line: title, detail, and the scopes it names when the detail does not already say them. */
function problemLine(status: number, problem: ProblemDocument): string {
  const title = problem.title ?? `HTTP ${status}`;
  const detail = problem.detail ?? '';
  const says = (values: readonly string[]) => values.every((value) => detail.includes(value));
  const extra = [
    ...(typeof problem.required_scope === 'string' && !says([problem.required_scope]) ? [`required scope: ${problem.required_scope}`] : []),
    ...(Array.isArray(problem.excess_scopes) && !says(problem.excess_scopes) ? [`scopes beyond the caller's: ${problem.excess_scopes.join(' ')}`] : []),
  ];
  const text = [detail, ...extra.map((e) => (detail ? `(${e})` : e))].filter(Boolean).join(' ');
  // A body that is not the admin API's (a proxy's page) may hold line breaks: still one line.
  return (text ? `${title}: ${text}` : title).replace(/\s*\n\s*/g, ' ');
}

/** The admin API refused a request: exit 4 for 401 and 403, otherwise 1. */
export class ProblemError extends CliError {
  constructor(
    readonly status: number,
    readonly problem: ProblemDocument,
    hint?: string,
  ) {
    super(status === 401 || status === 403 ? EXIT.denied : EXIT.refused, problemLine(status, problem), [
      ...(problem.errors ?? []).map((e) => `  ${e.pointer}: ${e.detail}`),
      ...(hint ? [hint] : []),
    ]);
  }
}
