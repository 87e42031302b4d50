import type { FastifyInstance } from 'fastify';
import { Problem } from './problem.js';

/**
 * Admin bodies are JSON. A body sent as form-urlencoded or with no type is read as JSON when it
 * is a JSON object (DESIGN §4: guide 001's `curl -d '{…}'` sends no JSON type).
 */
export function registerAdminBodyParsers(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(['application/x-www-form-urlencoded', '*'], { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    if (!text.trimStart().startsWith('{')) {
      return done(new Problem(415, 'Unsupported Media Type', 'send a JSON object (Content-Type: application/json)'), undefined);
    }
    parseJson(request, text, (err, value) => {
      if (err) return done(new Problem(400, 'Bad Request', 'the request body is not valid JSON'), undefined);
      done(null, value);
    });
  });
}

/** True when a parsed JSON value holds a NUL character in any string or key (PostgreSQL text cannot). */
export function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (Array.isArray(value)) return value.some(containsNul);
  if (value !== null && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\0') || containsNul(v));
  return false;
}
