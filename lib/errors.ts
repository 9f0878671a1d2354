// The one error type of the package. Pure TypeScript (no addon), so that
// toolexpander/reward and toolexpander/data can throw it without loading native code;
// the native addon constructs this same class (handed to it once by the loader).

export type TxErrorCode = 'E_SHAPE' | 'E_DTYPE' | 'E_RANGE' | 'E_DEVICE' | 'E_OOM' | 'E_STATE' | 'E_FORMAT';

export const TX_ERROR_CODES: readonly TxErrorCode[] = [
  'E_SHAPE', 'E_DTYPE', 'E_RANGE', 'E_DEVICE', 'E_OOM', 'E_STATE', 'E_FORMAT',
];

export class TxError extends Error {
  readonly code: TxErrorCode;

  constructor(code: TxErrorCode, message: string) {
    super(message);
    this.name = 'TxError';
    this.code = code;
  }
}

export function isTxError(e: unknown): e is TxError {
  return e instanceof TxError;
}
