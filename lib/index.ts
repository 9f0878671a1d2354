// toolexpander: the whole package (loads the native addon). toolexpander/reward and
// toolexpander/data are the addon-free entry points.
export { TxError, type TxErrorCode } from './errors.js';
export * from './engine/index.js';
