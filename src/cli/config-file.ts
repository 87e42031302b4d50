import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
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

/** Where a node starts in the text. */
const startOf = (node: unknown) => (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];

/**
 * Where what a pointer names is written: a member at its name, an item at its start; a member that
 * is missing: its closest existing parent; a pointer outside the file's members
 * (`/client_secrets/…`, sent beside the document): nowhere.
 */
function offsetOf(document: Document, pointer: string): number | undefined {
  let node: unknown = document.contents;
  let offset = startOf(node);
  const segments = pointerSegments(pointer);
  for (const [depth, segment] of segments.entries()) {
    const found = isMap(node)
      ? node.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === segment)
      : isSeq(node) && /^\d+$/.test(segment)
        ? node.items[Number(segment)]
        : undefined;
    if (found === undefined) return depth === 0 ? undefined : offset;
    offset = (isPair(found) ? startOf(found.key) : startOf(found)) ?? offset;
    node = isPair(found) ? found.value : found;
  }
  return offset;
}

/** The field errors of a problem, each with the place in the file it points to: `FILE:LINE:COL: POINTER: DETAIL`. */
export function locatedProblems(file: ConfigFile, errors: readonly FieldProblem[]): string[] {
  return errors.map((e) => {
    const at = file.locate(e.pointer);
    return at === undefined ? `  ${e.pointer}: ${e.detail}` : `  ${file.name}:${at}: ${e.pointer}: ${e.detail}`;
  });
}
