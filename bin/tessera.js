#!/usr/bin/env node
// The `tessera` command: runs the compiled CLI. It never builds: `npm ci` / `npm run build` do
// (a production install ships dist/ built), so without dist/src/main.js it says so and stops.
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('Tessera is not built: run `npm run build` first (npm ci does it)\n');
  process.exit(1);
}
await import(main.href);
