// toolexpander/data: task types, validation and converters. Pure TypeScript: never loads
// the native addon.

export type { Task, Tool, Message, Role, Call, BfclAnswer, BfclCategory } from './types.js';
export { isBfclAnswer } from './types.js';
export { taskSchema, TASK_SCHEMA_ID } from './task-schema.js';
export { validateTask } from './validate.js';
export { readTasks } from './read.js';
export { fromBfcl, bfclParametersToJsonSchema, bfclTypeToJsonSchema, BFCL_TYPE_KEY } from './bfcl.js';
export { fromApiBank, fromApiBankLevel2, apiBankTool, API_BANK_OPTIONAL } from './apibank.js';
export { fromApiBankLevel3, type ApiBankLevel3Gold } from './apibank-level3.js';
export { goldCalls } from './gold.js';
export * from './synthetic/index.js';
