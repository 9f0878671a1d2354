// toolexpander: the whole package (loads the native addon). toolexpander/reward and
// toolexpander/data are the addon-free entry points, re-exported here as well.
export { TxError, isTxError, type TxErrorCode } from './errors.js';
export * from './engine/index.js';
export * from './reward/index.js';
export * from './data/index.js';
export * from './model/index.js';
export * from './toolexpander/index.js';
export * from './rl/index.js';
export * from './report/index.js';
