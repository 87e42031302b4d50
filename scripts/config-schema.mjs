// Writes the configuration document's JSON Schema (src/http/schemas/config.ts, as served at
// /config/schema.json) to schema/config.schema.json, for editors and CI that read it from the
// repository. `--check` fails instead when the committed file differs. Run after a build.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const target = fileURLToPath(new URL('../schema/config.schema.json', import.meta.url));
const { publishedConfigSchema } = await import('../dist/src/http/schemas/config.js');
const text = `${JSON.stringify(publishedConfigSchema(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  if (readFileSync(target, 'utf8') !== text) {
    console.error('schema/config.schema.json differs from src/http/schemas/config.ts: run node scripts/config-schema.mjs');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
