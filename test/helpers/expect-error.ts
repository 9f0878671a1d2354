// Asserts that fn throws a TxError with `code` whose message names `names`.
import type { Test } from 'tap';

import { TxError } from '../../lib/index.js';

export function expectTxError(t: Test, fn: () => unknown, code: string, names: string, label: string): void {
  try {
    fn();
    t.fail(`${label}: did not throw`);
  } catch (e) {
    t.ok(e instanceof TxError, `${label}: is a TxError`);
    t.equal((e as TxError).code, code, `${label}: code`);
    t.match((e as Error).message, names, `${label}: message names ${names}`);
  }
}
