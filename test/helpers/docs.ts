import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/helpers). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The text of a documentation file, e.g. `docs/cli.md` or `README.md`. */
export const readDoc = (path: string) => readFileSync(`${REPO_ROOT}${path}`, 'utf8');

/** The first ```bash block after the line `heading` of a documentation file, as a reader copies it. */
export function docBlock(path: string, heading: string): string {
  const text = readDoc(path);
  const at = text.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`${path} has no heading "${heading}"`);
  const block = /```bash\n([\s\S]*?)```/.exec(text.slice(at));
  if (!block) throw new Error(`${path} has no bash block after "${heading}"`);
  return block[1]!;
}
