import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { usageError } from './errors.js';

/** A client secret in a secrets file: for which client of which tenant. */
export interface ClientSecretEntry {
  tenant: string;
  client_id: string;
  client_secret: string;
}

/** The text of a secrets file, as `tessera apply --secrets-out` and `tessera import --secrets-out` write it. */
export const secretsFileText = (secrets: readonly ClientSecretEntry[]) =>
  `${JSON.stringify({ client_secrets: secrets.map((s) => ({ tenant: s.tenant, client_id: s.client_id, client_secret: s.client_secret })) }, null, 2)}\n`;

const isEntry = (value: unknown): value is ClientSecretEntry =>
  typeof value === 'object' &&
  value !== null &&
  ['tenant', 'client_id', 'client_secret'].every((member) => typeof (value as Record<string, unknown>)[member] === 'string');

/** Reads a secrets file (`{"client_secrets": [{tenant, client_id, client_secret}]}`); any other content is wrong usage. */
export function readSecretsFile(path: string): ClientSecretEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw usageError(`--secrets ${path}: ${(err as Error).message}`);
  }
  const list = (parsed as { client_secrets?: unknown } | null)?.client_secrets;
  if (!Array.isArray(list) || !list.every(isEntry))
    throw usageError(`--secrets ${path}: expected {"client_secrets": [{"tenant", "client_id", "client_secret"}, …]}`);
  return list;
}

/**
 * A secrets file reserved before the apply is sent: created empty with mode 0600, never over an
 * existing file, so that secrets shown once always have somewhere to go.
 */
export class ReservedSecretsFile {
  private constructor(
    readonly path: string,
    private readonly fd: number,
  ) {}

  /** Creates `path` (mode 0600); an existing file is wrong usage. */
  static reserve(path: string): ReservedSecretsFile {
    try {
      return new ReservedSecretsFile(path, openSync(path, 'wx', 0o600));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw usageError(
        code === 'EEXIST' ? `--secrets-out ${path}: the file exists; it is never overwritten` : `--secrets-out ${path}: ${(err as Error).message}`,
      );
    }
  }

  /** Writes the secrets and closes the file. */
  write(secrets: readonly ClientSecretEntry[]): void {
    try {
      writeSync(this.fd, secretsFileText(secrets));
    } finally {
      closeSync(this.fd);
    }
  }

  /** Closes and deletes the file: nothing was applied. */
  discard(): void {
    closeSync(this.fd);
    rmSync(this.path, { force: true });
  }
}
