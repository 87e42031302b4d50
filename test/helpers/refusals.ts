import assert from 'node:assert/strict';
import { assertProblem, type ExpectedProblem } from './admin.js';
import type { HttpResult, TestTessera } from './tessera.js';

/** Posts `document` to /config/apply and asserts it is refused whole: 422 with exactly `errors` (pointers into the document). */
export async function assertDocumentRefused(t: TestTessera, document: unknown, errors: NonNullable<ExpectedProblem['errors']>): Promise<void> {
  assertProblem(await t.admin('POST', '/config/apply', document), {
    status: 422,
    detail: 'the configuration document is not valid',
    instance: '/config/apply',
    errors,
  });
}

/** Asserts a 422 whose one error, at `pointer`, says a token of client "worker" could be over 8 KiB (docs/claims.md#token-size). */
export function assertTokenTooLarge(res: HttpResult, pointer: string): void {
  assert.equal(res.status, 422, res.text);
  assert.deepEqual(
    res.body.errors.map((e: { pointer: string; detail: string }) => [
      e.pointer,
      /^a token of client "worker" could be \d+ bytes, more than 8192/.test(e.detail),
    ]),
    [[pointer, true]],
  );
}
