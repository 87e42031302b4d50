import type { FastifyInstance } from 'fastify';
import { parseDocument } from 'yaml';
import { MAX_JSON_DEPTH, valueNestedDeeperThan } from '../../lib/json-depth.js';
import { controlCharacterAt } from './input.js';
import { Problem } from './problem.js';

/** The media types a YAML body may be sent as. */
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'] as const;

/** Aliases a YAML body may use at most (a "billion laughs" document expands its aliases exponentially). */
const MAX_YAML_ALIASES = 100;

/**
 * Reads YAML bodies (YAML 1.2, one document, unique keys) in the routes of `app` only, with the
 * rules of JSON bodies: at most MAX_JSON_DEPTH levels, no control character in any key or string.
 */
export function registerYamlBodyParser(app: FastifyInstance): void {
  app.addContentTypeParser([...YAML_TYPES], { parseAs: 'string' }, (_request, body, done) => {
    const document = parseDocument(String(body), { uniqueKeys: true });
    const error = document.errors[0];
    if (error) {
      const where = error.linePos?.[0];
      const at = where ? ` at line ${where.line}, column ${where.col}` : '';
      return done(new Problem(400, 'Bad Request', `the request body is not valid YAML${at} (${error.code})`), undefined);
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch {
      return done(new Problem(400, 'Bad Request', `the request body is not valid YAML (more than ${MAX_YAML_ALIASES} aliases)`), undefined);
    }
    if (valueNestedDeeperThan(value, MAX_JSON_DEPTH)) {
      return done(new Problem(400, 'Bad Request', `the request body is nested too deeply (${MAX_JSON_DEPTH} levels at most)`), undefined);
    }
    const control = controlCharacterAt(value);
    if (control !== undefined) {
      return done(
        new Problem(400, 'Bad Request', 'the request body contains a control character', [{ pointer: control, detail: 'contains a control character' }]),
        undefined,
      );
    }
    done(null, value);
  });
}

/** Whether an Accept header asks for YAML (one of YAML_TYPES) rather than JSON. */
export function acceptsYaml(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.split(',').some((part) => (YAML_TYPES as readonly string[]).includes(part.split(';')[0]?.trim().toLowerCase() ?? ''));
}
