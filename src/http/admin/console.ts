import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from './problem.js';

/** Where the build (`npm ci`, `npm run build`) puts the console: dist/console, beside dist/src. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../console/', import.meta.url));

/**
 * The console's policy: its own scripts and styles only (no inline code), API calls to this
 * listener only, never framed, no forms posted anywhere.
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

interface ConsoleFile {
  body: Buffer;
  type: string;
  /** Vite names built assets after their content: cached for a year, never revalidated. */
  immutable: boolean;
}

/** Every file of the built console, by URL path under /console/; null when it was not built. */
function loadConsole(dir: string): Map<string, ConsoleFile> | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const files = new Map<string, ConsoleFile>();
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const url = relative(dir, path).split(sep).join('/');
        files.set(url, {
          body: readFileSync(path),
          type: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream',
          immutable: url.startsWith('assets/'),
        });
      }
    }
  };
  walk(dir);
  return files;
}

/**
 * The web console (docs/console.md) at `/console`: static files read once from `dir`, any path that
 * names no file answered with index.html (the app routes itself), no admin token needed for
 * the files — every API call the console makes carries `Authorization: Bearer`.
 */
export function registerConsole(app: FastifyInstance, dir: string = DEFAULT_CONSOLE_DIR): void {
  const files = loadConsole(dir);
  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    if (files === null) {
      throw new Problem(503, 'Service Unavailable', 'the console was not built: run `npm run build` (npm ci does it), then restart Tessera');
    }
    const path = ((request.params as { '*'?: string })['*'] ?? '').split('?')[0]!;
    let file = files.get(path);
    if (file === undefined) {
      // A missing asset is a 404, never index.html served as a script.
      if (path.startsWith('assets/') || extname(path) !== '') throw new Problem(404, 'Not Found', `the console has no file ${path}`);
      file = files.get('index.html')!;
    }
    return reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('cache-control', file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .type(file.type)
      .send(file.body);
  };
  const options = { config: { access: 'public' as const }, schema: { hide: true } };
  app.get('/console', options, serve);
  app.get('/console/*', options, serve);
}

/**
 * A browser opening the admin listener's root (a GET that accepts `text/html`) is sent to the
 * console with `303 See Other`, before any token is asked for; API clients (`application/json`,
 * `*\/*`) keep the API's answer. Registered before the admin authentication hook.
 */
export function registerConsoleRedirect(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if ((request.method === 'GET' || request.method === 'HEAD') && request.url === '/' && (request.headers.accept ?? '').includes('text/html')) {
      return reply.code(303).header('location', '/console/').send();
    }
  });
}
