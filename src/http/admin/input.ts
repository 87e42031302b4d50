import type { FastifyInstance } from 'fastify';
import { Problem } from './problem.js';

/**
 * C0 controls other than tab, line feed and carriage return, and DEL: refused in every string of
 * an admin request (a NUL would also break PostgreSQL). Free-text fields refuse every control
 * character through their schema (`Text`).
 */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * The JSON Pointer (RFC 6901) of the first key or string in `value` holding a control character,
 * or undefined. Recursive: callers bound the depth first (MAX_JSON_DEPTH).
 */
export function controlCharacterAt(value: unknown, pointer = ''): string | undefined {
  if (typeof value === 'string') return CONTROL_CHARACTER.test(value) ? pointer || '/' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (CONTROL_CHARACTER.test(key)) return at;
    const found = controlCharacterAt(item, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Refuses control characters in path parameters and the query string, before validation (the body has its own check). */
export function registerAdminUrlChecks(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    const at = controlCharacterAt(request.params) ?? controlCharacterAt(request.query);
    if (at !== undefined) {
      throw new Problem(400, 'Bad Request', 'the request URL contains a control character', [{ pointer: at, detail: 'contains a control character' }]);
    }
  });
}
