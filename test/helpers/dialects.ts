import { describe } from 'node:test';

export type TestDialect = 'sqlite' | 'postgres';

const KNOWN: readonly TestDialect[] = ['sqlite', 'postgres'];

/**
 * The stores the storage and HTTP suites run on (each such suite runs on every one): `TESSERA_TEST_DIALECTS`, a comma
 * separated list (`sqlite`, `postgres`), every store when unset.
 */
export const DIALECTS: readonly TestDialect[] = parseDialects(process.env.TESSERA_TEST_DIALECTS);

function parseDialects(value: string | undefined): TestDialect[] {
  if (value === undefined || value.trim() === '') return [...KNOWN];
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of names) {
    if (!KNOWN.includes(name as TestDialect)) throw new Error(`TESSERA_TEST_DIALECTS: unknown store ${JSON.stringify(name)} (expected ${KNOWN.join(', ')})`);
  }
  return [...new Set(names)] as TestDialect[];
}

/** Declares the suite once per store in DIALECTS, named `[store] name`; `fn` gets the store. */
export function describeEachDialect(name: string, fn: (dialect: TestDialect) => void): void {
  for (const dialect of DIALECTS) describe(`[${dialect}] ${name}`, () => fn(dialect));
}
