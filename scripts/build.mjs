#!/usr/bin/env node
// Builds dist/: the server and tests (dist/src, dist/test) and the web console (dist/console).
//
//   node scripts/build.mjs            build what changed since the last build (npm test, npm run bench)
//   node scripts/build.mjs --clean    remove dist/ and build everything (npm run build)
//   node scripts/build.mjs --prepare  npm's prepare step (npm ci, npm install, npm pack): build what
//                                     changed, except under `npm exec` / `npx`, which only runs the
//                                     `tessera` command and must never build
//
// The TypeScript of src/ and test/ is compiled incrementally (tsc's dist/.tsbuildinfo); the console
// is type-checked and bundled again only when a file under console/ (or package-lock.json, or
// src/domain/admin-scopes.ts, the one server module it bundles) is newer than dist/console/index.html.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const args = process.argv.slice(2);

if (args.includes('--prepare') && process.env.npm_command === 'exec') process.exit(0);
if (args.includes('--clean')) rmSync(dist, { recursive: true, force: true });

// tsc trusts its build info: with outputs deleted but dist/.tsbuildinfo kept, it would emit nothing.
if (!existsSync(join(dist, 'src/main.js')) || !existsSync(join(dist, 'test'))) rmSync(join(dist, '.tsbuildinfo'), { force: true });
run('tsc', ['-p', 'tsconfig.json']);

const consoleIndex = join(dist, 'console/index.html');
if (
  !existsSync(consoleIndex) ||
  newestChange([join(root, 'console'), join(root, 'package-lock.json'), join(root, 'src/domain/admin-scopes.ts')]) > statSync(consoleIndex).mtimeMs
) {
  run('tsc', ['-p', 'console/tsconfig.json']);
  run('vite', ['build', '--config', 'console/vite.config.ts']);
}

/** Runs a development tool from node_modules/.bin in the project directory; a failure ends the build. */
function run(tool, toolArgs) {
  try {
    execFileSync(join(root, 'node_modules/.bin', tool), toolArgs, { cwd: root, stdio: 'inherit' });
  } catch {
    process.exit(1);
  }
}

/** The latest modification time of the given files and of everything below the given directories
 * (directories count too: deleting a file changes its directory). */
function newestChange(paths) {
  let newest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const stat = statSync(path);
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) newest = Math.max(newest, newestChange(readdirSync(path).map((name) => join(path, name))));
  }
  return newest;
}
