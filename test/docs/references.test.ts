import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOC_PAGES, readDoc, sourceFiles } from '../helpers/docs.js';

/** The anchor GitHub gives a heading: lower case, punctuation dropped, each space a dash. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replaceAll(' ', '-');

/** The anchors of a page's headings (outside code blocks). */
function anchors(page: string): Set<string> {
  const text = readDoc(page).replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

/** Source files of the server, the tests, the console and the benchmark, with their text. */
const allSources = () => ['src', 'test', 'console/src', 'bench'].flatMap((dir) => sourceFiles(dir, /\.(ts|tsx|mjs|js)$/));

describe('references stand on their own: every page and section they name exists in the repository', () => {
  it('no code comment cites a design or style document that is not in the repository', () => {
    for (const [file, text] of allSources()) {
      if (file === 'test/docs/references.test.ts') continue;
      assert.doesNotMatch(text, /\bDESIGN §|\bSTYLE \d|\bDESIGN\.md|\bSTYLE\.md/, file);
    }
  });

  it('every docs/ page a code comment points to exists, and so does the section it names', () => {
    for (const [file, text] of allSources()) {
      for (const [, page, anchor] of text.matchAll(/\b(docs\/[a-z0-9-]+\.md)(?:#([a-z0-9_-]+))?/g)) {
        assert.ok(DOC_PAGES.includes(page!), `${file} points to ${page}, which does not exist`);
        if (anchor) assert.ok(anchors(page!).has(anchor), `${file} points to ${page}#${anchor}, which has no such section`);
      }
    }
  });

  it('every link between the pages of README.md and docs/ leads to a page and section that exist', () => {
    for (const page of DOC_PAGES) {
      const dir = page.startsWith('docs/') ? 'docs/' : '';
      const text = readDoc(page).replace(/```[\s\S]*?```/g, '');
      for (const [, target, anchor] of text.matchAll(/\]\(((?:\.\.\/|docs\/)?[a-z0-9-]*(?:\.md)?)(?:#([^)\s]+))?\)/gi)) {
        if (target === '' && !anchor) continue;
        const linked = target === '' ? page : target!.startsWith('../') ? target!.slice(3) : `${dir}${target}`;
        if (!linked.endsWith('.md')) continue;
        assert.ok(DOC_PAGES.includes(linked), `${page} links to ${linked}, which does not exist`);
        if (anchor) assert.ok(anchors(linked).has(anchor), `${page} links to ${linked}#${anchor}, which has no such section`);
      }
    }
  });
});
