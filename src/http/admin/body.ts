import type { FastifyInstance, FastifyRequest } from 'fastify';
import { jsonNestedDeeperThan, MAX_JSON_DEPTH } from '../../lib/json-depth.js';
import { controlCharacterAt } from './input.js';
import { Problem } from './problem.js';

type Done = (err: Error | null, body?: unknown) => void;

/**
 * Admin bodies are JSON. A body sent as form-urlencoded or with no type is read as JSON when it
 * is a JSON object (guide 001's `curl -d '{…}'` sends no JSON type; docs/api.md#request-bodies).
 */
export function registerAdminBodyParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  /** JSON with at most MAX_JSON_DEPTH levels and no control character in any key or string; `onError` maps parse errors. */
  const parseChecked = (request: FastifyRequest, text: string, done: Done, onError: (err: Error) => Error) => {
    if (jsonNestedDeeperThan(text, MAX_JSON_DEPTH)) {
      return done(new Problem(400, 'Bad Request', `the request body is nested too deeply (${MAX_JSON_DEPTH} levels at most)`), undefined);
    }
    void parseJson(request, text, (err, value) => {
      if (err) return done(onError(err), undefined);
      const at = controlCharacterAt(value);
      if (at !== undefined) {
        return done(
          new Problem(400, 'Bad Request', 'the request body contains a control character', [{ pointer: at, detail: 'contains a control character' }]),
          undefined,
        );
      }
      done(null, value);
    });
  };
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => parseChecked(request, String(body), done, (err) => err));
  app.addContentTypeParser(['application/x-www-form-urlencoded', '*'], { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    if (!text.trimStart().startsWith('{')) {
      return done(new Problem(415, 'Unsupported Media Type', 'send a JSON object (Content-Type: application/json)'), undefined);
    }
    parseChecked(request, text, done, () => new Problem(400, 'Bad Request', 'the request body is not valid JSON'));
  });
}

/** True when a parsed JSON value holds a NUL character in any string or key (PostgreSQL text cannot). */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\0') || containsNul(v));
  return false;
}
