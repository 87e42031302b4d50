import { readFileSync } from 'node:fs';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { usageError, type FieldProblem } from './errors.js';

/** A configuration document read from a file (or standard input), parsed locally before anything is sent. */
export interface ConfigFile {
  /** The name shown in messages: the path, or `<stdin>` for `-`. */
  readonly name: string;
  /** The document as data (YAML and JSON alike), sent to the server as JSON. */
  readonly value: Record<string, unknown>;
  /** Where a JSON Pointer into the document is written in the file, as `line:column` (1-based); undefined when nowhere. */
  locate(pointer: string): string | undefined;
}

/** Reads `path` (`-`: standard input) as UTF-8; a file that cannot be read is wrong usage. */
function readText(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw usageError(`-f ${path}: ${(err as Error).message}`);
  }
}

/**
 * Parses a configuration document in YAML or JSON (YAML 1.2 reads JSON as it is); a syntax
 * error is wrong usage, reported with its line and column.
 */
export function parseConfigFile(path: string, text = readText(path)): ConfigFile {
  const name = path === '-' ? '<stdin>' : path;
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const [error] = document.errors;
  if (error !== undefined) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw usageError(`${name}:${line}:${col}: ${firstLine(error.message)}`);
  }
  if (!isMap(document.contents)) throw usageError(`${name}: not a configuration document (a mapping with "version" and "tenants" is expected)`);
  const value = document.toJS({ maxAliasCount: -1 }) as Record<string, unknown>;
  return {
    name,
    value,
    locate: (pointer) => {
      const offset = offsetOf(document, pointer);
      if (offset === undefined) return undefined;
      const { line, col } = lineCounter.linePos(offset);
      return `${line}:${col}`;
    },
  };
}

/** The message of a yaml error without the excerpt it may carry on further lines. */
const firstLine = (message: string) => message.split('\n')[0] ?? message;

/** The segments of a JSON Pointer (RFC 6901 section 4: `~1` is `/`, `~0` is `~`). */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * Where the node a pointer names starts in the text; a member that is missing: where its closest
 * existing parent starts; a pointer outside the document's members (`/client_secrets/…`): nowhere.
 */
function offsetOf(document: Document, pointer: string): number | undefined {
  const segments = pointerSegments(pointer);
  if (segments.length === 0) return (document.contents as { range?: [number, number, number] } | null)?.range?.[0];
  for (let depth = segments.length; depth >= 1; depth--) {
    const node: unknown = document.getIn(segments.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range !== undefined) return range[0];
  }
  return undefined;
}

/** The field errors of a problem, each with the place in the file it points to: `FILE:LINE:COL: POINTER: DETAIL`. */
export function locatedProblems(file: ConfigFile, errors: readonly FieldProblem[]): string[] {
  return errors.map((e) => {
    const at = file.locate(e.pointer);
    return at === undefined ? `  ${e.pointer}: ${e.detail}` : `  ${file.name}:${at}: ${e.pointer}: ${e.detail}`;
  });
}
